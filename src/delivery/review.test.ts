import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pullRequestChange } from './pull-request-events.js';
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

describe('pullRequestChange', () => {
  const repository = { full_name: 'o/r' };
  it('reads merged, closed, reopened and new commits from pull_request', () => {
    const pr = (action: string, merged: boolean) => pullRequestChange('pull_request', { action, repository, pull_request: { number: 5, merged, head: { sha: 'abc' } } });
    expect(pr('closed', true)).toEqual([{ key: { repository: 'o/r', number: 5 }, patch: { state: 'merged' } }]);
    expect(pr('closed', false)).toEqual([{ key: { repository: 'o/r', number: 5 }, patch: { state: 'closed' } }]);
    expect(pr('reopened', false)).toEqual([{ key: { repository: 'o/r', number: 5 }, patch: { state: 'open' } }]);
    expect(pr('synchronize', false)).toEqual([{ key: { repository: 'o/r', number: 5 }, patch: { head_sha: 'abc', checks: 'pending' } }]);
    expect(pr('labeled', false)).toEqual([]);
  });

  it('reads CI from check_suite (by pull request, else by commit) and status', () => {
    const suite = (conclusion: string, pulls: number[]) =>
      pullRequestChange('check_suite', { action: 'completed', repository, check_suite: { head_sha: 'abc', conclusion, pull_requests: pulls.map((number) => ({ number })) } });
    expect(suite('success', [5])).toEqual([{ key: { repository: 'o/r', number: 5 }, patch: { checks: 'success' } }]);
    expect(suite('timed_out', [])).toEqual([{ key: { repository: 'o/r', headSha: 'abc' }, patch: { checks: 'failure' } }]);
    expect(pullRequestChange('status', { repository, sha: 'abc', state: 'error' })).toEqual([{ key: { repository: 'o/r', headSha: 'abc' }, patch: { checks: 'failure' } }]);
    expect(pullRequestChange('status', { repository, sha: 'abc', state: 'pending' })[0]!.patch).toEqual({ checks: 'pending' });
    expect(pullRequestChange('push', { repository })).toEqual([]);
    expect(pullRequestChange('status', { hostile: true })).toEqual([]);
  });
});
