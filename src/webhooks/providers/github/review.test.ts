import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commentableLines, readReviewFile } from './review.js';

const dirs: string[] = [];
function workspace(files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-review-test-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, '.agent'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('the review file', () => {
  it('is read when valid', async () => {
    const dir = workspace({ '.agent/review.json': JSON.stringify({ summary: 'ok', comments: [{ path: 'a.ts', line: 3, body: 'x' }] }) });
    expect(await readReviewFile(dir)).toEqual({ kind: 'valid', review: { summary: 'ok', comments: [{ path: 'a.ts', line: 3, body: 'x' }] } });
  });

  it('is absent, or invalid with the reason: not JSON, a wrong shape, a link out of the workspace', async () => {
    expect(await readReviewFile(workspace())).toEqual({ kind: 'none' });
    expect(await readReviewFile(workspace({ '.agent/review.json': 'nope' }))).toMatchObject({ kind: 'invalid', why: expect.stringContaining('is not JSON') });
    const wrong = await readReviewFile(workspace({ '.agent/review.json': JSON.stringify({ summary: 'ok', comments: [{ path: 'a', line: 0, body: 'x' }] }) }));
    expect(wrong).toMatchObject({ kind: 'invalid', why: expect.stringContaining('comments.0.line') });
    const linked = workspace();
    fs.symlinkSync('/etc/passwd', path.join(linked, '.agent', 'review.json'));
    expect(await readReviewFile(linked)).toEqual({ kind: 'invalid', why: '.agent/review.json is not a regular file' });
  });
});

describe('commentableLines', () => {
  it('takes the new side of each hunk: added and context lines, not removed ones', () => {
    const patch = '@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n@@ -10,2 +10,3 @@\n ten\n+new\n eleven';
    expect([...commentableLines(patch)]).toEqual([1, 2, 3, 10, 11, 12]);
    expect(commentableLines(undefined).size).toBe(0);
  });
});
