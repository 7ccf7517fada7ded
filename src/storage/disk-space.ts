import fs from 'node:fs';
import path from 'node:path';

// A full DATA_DIR as each layer reports it: the OS (ENOSPC, EDQUOT), SQLite (SQLITE_FULL, "database or disk is
// full") and PostgreSQL (SQLSTATE 53100 disk_full, when its data lives there too).
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL', '53100']);

/** True when the error says the disk (or the quota) is full, looking through `cause` chains. */
export function isDiskFull(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && FULL_CODES.has(code)) return true;
    if (/database or disk is full|no space left on device/i.test(e.message)) return true;
  }
  return false;
}

/** The message a client gets (with 507) when a write failed for lack of space. */
export function diskFullMessage(dataDir: string): string {
  return `the data directory ${dataDir} (DATA_DIR) is full: nothing was stored; free space there and try again`;
}

export interface DiskReport {
  path: string;
  free_bytes: number;
  total_bytes: number;
  /** Below this much free space /health says degraded (DATA_DIR_MIN_FREE_MB). */
  min_free_bytes: number;
}

/** Free space where DATA_DIR is, as /health reports it. */
export function diskReport(dataDir: string, minFreeBytes: number): DiskReport {
  const stats = fs.statfsSync(dataDir);
  return { path: dataDir, free_bytes: stats.bavail * stats.bsize, total_bytes: stats.blocks * stats.bsize, min_free_bytes: minFreeBytes };
}

/** Size of the reserve file: room for a few hundred small row updates in SQLite's write-ahead log. */
const RESERVE_BYTES = 1024 * 1024;

/**
 * A file of RESERVE_BYTES kept in DATA_DIR while there is room, given up when the disk fills so that the write that
 * ends a running task (failed, with the reason) still fits: a task never stays `running` because its end could not be
 * written. Made again once there is room.
 */
export class SpaceReserve {
  private readonly file: string;

  constructor(private readonly dataDir: string) {
    this.file = path.join(dataDir, '.space-reserve');
  }

  /** Makes the reserve if it is missing and fits; never throws (a full disk at start-up is reported, not fatal). */
  ensure(): void {
    try {
      if (fs.existsSync(this.file)) return;
      fs.writeFileSync(this.file, Buffer.alloc(RESERVE_BYTES));
    } catch {
      fs.rmSync(this.file, { force: true }); // a partial reserve would only take space
    }
  }

  /**
   * At start-up: on a disk with less room than the reserve holds, the reserve is given back first, or SQLite could
   * not even open its write-ahead log ("disk I/O error") and the service would exit instead of starting degraded.
   * Otherwise the reserve is made if missing. Returns whether it was given back.
   */
  atStart(): boolean {
    let free: number;
    try {
      const stats = fs.statfsSync(this.dataDir);
      free = stats.bavail * stats.bsize;
    } catch {
      return false;
    }
    if (free < RESERVE_BYTES) return this.release();
    this.ensure();
    return false;
  }

  /** Gives the reserve's space back. Returns whether there was any to give. */
  release(): boolean {
    if (!fs.existsSync(this.file)) return false;
    fs.rmSync(this.file, { force: true });
    return true;
  }
}
