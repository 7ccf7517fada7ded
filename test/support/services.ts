import net from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The real PostgreSQL and Redis of the machine. On a laptop without them the tests that need them skip with a
 * message; CI sets REQUIRE_SERVICES=1, which turns a missing service into a failure instead.
 */
export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const required = /^(1|true)$/i.test(process.env.REQUIRE_SERVICES ?? '');

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.setTimeout(5000); // generous: a loaded CI machine is slow to accept, and a false "missing" fails CI
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

async function availability(name: string, url: string): Promise<boolean> {
  if (await reachable(url)) return true;
  const message = `${name} is not reachable at ${url}`;
  if (required) throw new Error(`${message}, and REQUIRE_SERVICES=1 forbids skipping (start it; see .ci/run)`);
  console.warn(`SKIP: ${message}; tests that need it are skipped (set REQUIRE_SERVICES=1 to make this a failure).`);
  return false;
}

export const hasPostgres = await availability('PostgreSQL', POSTGRES_URL);
export const hasRedis = await availability('Redis', REDIS_URL);

/** A schema name unique to this run, so concurrent runs never see each other's rows. */
export function freshSchemaName(): string {
  return `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** A Redis key prefix unique to this run. */
export function freshRedisPrefix(): string {
  return `cca-test-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** The two ways the service runs: SQLite with the embedded queue, and PostgreSQL with BullMQ on Redis. */
export const SERVICE_SETUPS = [
  { name: 'SQLite', distributed: false, skip: false },
  { name: 'PostgreSQL', distributed: true, skip: !hasPostgres || !hasRedis },
] as const;
