import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';

/** How often the checkpointer copies the write-ahead log into the database file. */
export const CHECKPOINT_EVERY_MS = 1000;

// Runs in a thread of its own, on a connection of its own to the same file. PASSIVE never waits for readers or the
// writer: it copies what it can and leaves the rest for the next round.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
const round = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ failed: String(err && err.message) }); // a full disk, say: the next round tries again
  }
};
const timer = setInterval(round, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/**
 * SQLite copies its write-ahead log into the database file (a checkpoint) when a commit finds the log past 1,000
 * pages: that commit then writes about 4 MB and waits for fsync, some 100 ms on this machine, inside whichever request
 * happened to commit — on the webhook path, one delivery in every 250 or so. The service's connection no longer
 * checkpoints (wal_autocheckpoint = 0); a connection in a worker thread does, every `everyMs`, off the event loop.
 * Should that thread ever stop, the connection checkpoints for itself again. Commits are as durable as before
 * (synchronous = NORMAL: the log is synced at each checkpoint).
 */
export function startCheckpointer(database: SqliteDatabase.Database, file: string, everyMs = CHECKPOINT_EVERY_MS): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(THREAD, { eval: true, workerData: { driver, file, everyMs } });
  worker.unref();
  database.pragma('wal_autocheckpoint = 0');
  let stopping = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const fallBack = () => {
    if (!stopping && database.open) database.pragma('wal_autocheckpoint = 1000');
  };
  worker.once('error', fallBack);
  worker.once('exit', fallBack);
  return {
    async stop() {
      stopping = true;
      // Unref'd so it never keeps the service up, the thread must hold the process while it stops: otherwise a process
      // with nothing else to do (migrate, a script) ends inside this await, before the rest of close() runs.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
