import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../schema.js';
import type { FootprintGuard, RegistryFootprint } from './registry-records.js';

/** Unwinds a transaction that locked the registry but changed nothing, so its early version bump is rolled back. */
class Unchanged<T> extends Error {
  constructor(readonly value: T) {
    super('unchanged');
  }
}

/** What a registry write's body returns: whether it changed anything (the version moves only then) and its result. */
export type WriteBody<T> = (trx: Transaction<Database>, lock: () => Promise<void>) => Promise<{ changed: boolean; value: T }>;

function bump(trx: Transaction<Database>): Promise<unknown> {
  return trx
    .updateTable('registry_meta')
    .set({ value: sql`value + 1` })
    .where('key', '=', 'version')
    .execute();
}

/**
 * Runs `fn` in a transaction that also moves the version when `fn` says it changed something. `fn` may call
 * `lock()` first, which moves the version at once: on PostgreSQL that holds the version row's lock, so writers
 * that check limits run one after another and each sees the others' rows. A write that locked but changed
 * nothing is rolled back, so the version still moves only with a change.
 */
export async function registryWrite<T>(db: Kysely<Database>, fn: WriteBody<T>): Promise<T> {
  try {
    return await db.transaction().execute(async (trx) => {
      let locked = false;
      const lock = async () => {
        if (!locked) await bump(trx);
        locked = true;
      };
      const { changed, value } = await fn(trx, lock);
      if (changed) await lock();
      else if (locked) throw new Unchanged(value);
      return value;
    });
  } catch (err) {
    if (err instanceof Unchanged) return err.value as T;
    throw err;
  }
}

/** The footprint now, read inside a write after `lock()`. */
async function footprint(trx: Transaction<Database>): Promise<RegistryFootprint> {
  const agents = await trx
    .selectFrom('registry_agents')
    .select([(eb) => eb.fn.countAll<number>().as('n'), sql<number>`coalesce(sum(octet_length(content)), 0)`.as('bytes')])
    .executeTakeFirstOrThrow();
  const skills = await trx
    .selectFrom('registry_skills')
    .select([(eb) => eb.fn.countAll<number>().as('n'), sql<number>`coalesce(sum(octet_length(files)), 0)`.as('bytes')])
    .executeTakeFirstOrThrow();
  return { agents: Number(agents.n), skills: Number(skills.n), bytes: Number(agents.bytes) + Number(skills.bytes) };
}

/** Locks the registry and lets `guard` see the footprint before and after a write (`change` of it). */
export async function checkFootprint(
  trx: Transaction<Database>,
  lock: () => Promise<void>,
  guard: FootprintGuard | undefined,
  change: (before: RegistryFootprint) => RegistryFootprint,
): Promise<void> {
  if (!guard) return;
  await lock();
  const before = await footprint(trx);
  guard(before, change(before));
}

