import { describe, expect, it } from 'vitest';
import { pullRequestChange } from './pull-request-events.js';

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
