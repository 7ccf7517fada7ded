import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openResolved, resolveInside } from './safe-path.js';

// A run shares its workspace with the dashboard's file browser: between the check of a path and its opening, the run
// may swap a file or a folder on the way for a symlink to somewhere outside. What is opened is what is checked.
let base: string;
let root: string;
let outside: string;

beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-safe-path-'));
  root = path.join(base, 'workspace');
  outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(root, 'dir'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(root, 'dir', 'notes.txt'), 'inside');
  fs.writeFileSync(path.join(outside, 'notes.txt'), 'the secret');
});
afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

async function readThrough(requested: string, swap: () => void): Promise<string> {
  const resolved = await resolveInside(root, requested);
  swap();
  const opened = await openResolved(resolved, 'file');
  try {
    return await opened.handle.readFile('utf8');
  } finally {
    await opened.handle.close();
  }
}

describe('opening a checked workspace path', () => {
  it('opens the file it checked', async () => {
    expect(await readThrough('dir/notes.txt', () => undefined)).toBe('inside');
  });

  it('refuses a symlink swapped in at the last component after the check', async () => {
    const swap = () => {
      fs.rmSync(path.join(root, 'dir', 'notes.txt'));
      fs.symlinkSync(path.join(outside, 'notes.txt'), path.join(root, 'dir', 'notes.txt'));
    };
    await expect(readThrough('dir/notes.txt', swap)).rejects.toMatchObject({ code: 'invalid' });
  });

  it('refuses a folder on the way swapped for a symlink leading outside after the check', async () => {
    const swap = () => {
      fs.renameSync(path.join(root, 'dir'), path.join(root, 'moved'));
      fs.symlinkSync(outside, path.join(root, 'dir'));
    };
    await expect(readThrough('dir/notes.txt', swap)).rejects.toMatchObject({ code: 'invalid', message: expect.stringContaining('outside') });
  });

  it('refuses a folder swapped for a symlink leading outside before it is listed', async () => {
    const resolved = await resolveInside(root, 'dir');
    fs.renameSync(path.join(root, 'dir'), path.join(root, 'moved'));
    fs.symlinkSync(outside, path.join(root, 'dir'));
    await expect(openResolved(resolved, 'directory')).rejects.toMatchObject({ code: 'invalid' });
  });
});
