import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { partRefs } from '../transcript-parts.js';
import { compressTranscript, expandTranscript } from '../transcripts.js';

/**
 * A part's `used_at` is refreshed when a transcript referring to it is saved, at most once a day (so a busy service
 * does not rewrite the shared rows on every run); retention keeps a part for this long past its cutoff to match.
 */
export const PART_TOUCH_MS = 86_400_000;
/** Hashes per `in (…)` list. */
const BATCH = 500;
/** Parts written per statement. */
const WRITE_BATCH = 32;

/** The large values Claude Code session transcripts share, stored once by hash (src/storage/transcript-parts.ts). */
export class TranscriptPartRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Stores the parts not kept yet and refreshes `used_at` of those not used for a day. A part not freshly used is
   * written again with its content (an upsert), never only touched: retention may have dropped it meanwhile.
   */
  async keep(parts: Map<string, string>, now = Date.now()): Promise<void> {
    const fresh = new Set<string>();
    for (const hashes of batches([...parts.keys()])) {
      const rows = await this.db.selectFrom('transcript_parts').select('hash').where('hash', 'in', hashes).where('used_at', '>=', now - PART_TOUCH_MS).execute();
      for (const row of rows) fresh.add(row.hash);
    }
    const stale = [...parts].filter(([hash]) => !fresh.has(hash));
    // A few rows per statement, compressed side by side on the thread pool: a long reply is thousands of parts.
    for (let i = 0; i < stale.length; i += WRITE_BATCH) {
      const rows = await Promise.all(stale.slice(i, i + WRITE_BATCH).map(async ([hash, json]) => ({ hash, content_br: await compressTranscript(json), used_at: now })));
      await this.db
        .insertInto('transcript_parts')
        .values(rows)
        .onConflict((oc) => oc.column('hash').doUpdateSet({ used_at: now }))
        .execute();
    }
  }

  /** The parts `hashes` refer to, and every part those refer to in turn; undefined when one of them is not kept. */
  async loadAll(hashes: Iterable<string>): Promise<Map<string, string> | undefined> {
    const loaded = new Map<string, string>();
    let wanted = [...new Set(hashes)];
    while (wanted.length) {
      const next = new Set<string>();
      for (const batch of batches(wanted)) {
        const rows = await this.db.selectFrom('transcript_parts').select(['hash', 'content_br']).where('hash', 'in', batch).execute();
        if (rows.length !== batch.length) return undefined;
        for (const row of rows) {
          const json = await expandTranscript(row.content_br);
          loaded.set(row.hash, json);
          for (const ref of partRefs(json)) if (!loaded.has(ref)) next.add(ref);
        }
      }
      wanted = [...next].filter((h) => !loaded.has(h));
    }
    return loaded;
  }

  /** Drops parts no transcript saved since `cutoff` refers to (those older transcripts are pruned at the same cutoff). */
  async pruneBefore(cutoff: number): Promise<number> {
    const res = await this.db.deleteFrom('transcript_parts').where('used_at', '<', cutoff - PART_TOUCH_MS).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

function batches(hashes: string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < hashes.length; i += BATCH) out.push(hashes.slice(i, i + BATCH));
  return out;
}
