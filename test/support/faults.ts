// Fault injection with real parts, for the fault tests and the soak: a Redis of the test's own that can be stopped and
// started again, PostgreSQL connections of one service cut from the server side, a data directory on a tiny tmpfs,
// and a Claude Code executable that crashes. Nothing here touches the machine's shared Redis or PostgreSQL servers.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { projectRoot } from '../../src/paths.js';
import { freePort } from './service-process.js';
import { POSTGRES_URL } from './services.js';

/** A redis-server child on a port of its own, keeping nothing on disk: stop() loses every key, as a crash would. */
export interface OwnRedis {
  url: string;
  port: number;
  readonly running: boolean;
  start(): Promise<void>;
  /** SIGKILL: no shutdown, connections reset. */
  stop(): Promise<void>;
}

export async function ownRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const redis: OwnRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    get running() {
      return !!child;
    },
    async start() {
      if (child) return;
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        try {
          execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: 'pipe' });
          return;
        } catch {
          await sleep(50);
        }
      }
      throw new Error(`redis-server on port ${port} did not start`);
    },
    async stop() {
      if (!child) return;
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      child = undefined;
    },
  };
  return redis;
}

/**
 * Ends the server side of every PostgreSQL connection a service opened (its pool names itself `cca:<schema>`), as a
 * server restart does to its clients. Returns how many were ended.
 */
export async function terminatePostgresConnections(schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const res = await client.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()', [`cca:${schema}`]);
    return res.rowCount ?? 0;
  } finally {
    await client.end();
  }
}

/** A tmpfs of `sizeBytes` mounted on a fresh directory (needs root). fill() takes every free byte; free() gives them back. */
export interface SmallDisk {
  dir: string;
  fill(): void;
  free(): void;
  unmount(): void;
}

export function mountSmallDisk(sizeBytes: number): SmallDisk {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-small-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir]);
  const filler = path.join(dir, 'filler');
  return {
    dir,
    fill() {
      const fd = fs.openSync(filler, 'a');
      const chunk = Buffer.alloc(64 * 1024);
      try {
        // Down to single bytes, so not even a small page write fits afterwards.
        for (let size = chunk.length; size >= 1; size = Math.floor(size / 2)) {
          for (;;) {
            try {
              fs.writeSync(fd, chunk, 0, size);
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
              throw err;
            }
          }
        }
      } finally {
        fs.closeSync(fd);
      }
    },
    free() {
      fs.rmSync(filler, { force: true });
    },
    unmount() {
      execFileSync('umount', ['-l', dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A claude executable that runs the real CLI and then ends its own process group abruptly: `crashAfterLines` lines of
 * stream-json reach the service, then everything is SIGKILLed (`signal`), or exits with `exitCode` instead.
 */
export function crashingClaude(dir: string, opts: { crashAfterLines: number; exitCode?: number }): string {
  const real = path.join(projectRoot, 'node_modules', '.bin', 'claude');
  const file = path.join(dir, 'crashing-claude');
  const end = opts.exitCode === undefined ? 'kill -KILL 0' : `kill -KILL "$pid" 2>/dev/null; exit ${opts.exitCode}`;
  fs.writeFileSync(
    file,
    `#!/bin/sh
# Runs the real CLI, passes on its first ${opts.crashAfterLines} stdout lines, then crashes.
"${real}" "$@" | { head -n ${opts.crashAfterLines}; } &
pid=$!
wait "$pid"
${end}
`,
    { mode: 0o755 },
  );
  return file;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `probe` returns a value other than undefined. */
export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}
