import { describe, expect, it } from 'vitest';
import { mergeRequestChange } from './merge-request-events.js';

const project = { path_with_namespace: 'group/project' };
const mr = (object_attributes: Record<string, unknown>) => ({ object_kind: 'merge_request', project, object_attributes: { iid: 7, ...object_attributes } });
const key = { repository: 'group/project', number: 7 };

describe('what a GitLab hook says about a merge request', () => {
  it('Merge Request Hook: merge, close, reopen, and an update that moved the source branch', () => {
    expect(mergeRequestChange('Merge Request Hook', mr({ action: 'merge' }))).toEqual([{ key, patch: { state: 'merged' } }]);
    expect(mergeRequestChange('Merge Request Hook', mr({ action: 'close' }))).toEqual([{ key, patch: { state: 'closed' } }]);
    expect(mergeRequestChange('Merge Request Hook', mr({ action: 'reopen' }))).toEqual([{ key, patch: { state: 'open' } }]);
    const pushed = mr({ action: 'update', oldrev: 'aaa', last_commit: { id: 'bbb' } });
    expect(mergeRequestChange('Merge Request Hook', pushed)).toEqual([{ key, patch: { head_sha: 'bbb', checks: 'pending' } }]);
    // An update without new commits (a title, a label) and other actions say nothing kept.
    expect(mergeRequestChange('Merge Request Hook', mr({ action: 'update', last_commit: { id: 'bbb' } }))).toEqual([]);
    expect(mergeRequestChange('Merge Request Hook', mr({ action: 'approved' }))).toEqual([]);
  });

  it("Pipeline Hook: a merge request's pipeline by its number, a branch pipeline by its commit; odd bodies say nothing", () => {
    const pipeline = (status: string, merge_request?: unknown) => ({ object_kind: 'pipeline', project, object_attributes: { status, sha: 'ccc' }, merge_request });
    expect(mergeRequestChange('Pipeline Hook', pipeline('failed', { iid: 7 }))).toEqual([{ key, patch: { checks: 'failure' } }]);
    expect(mergeRequestChange('Pipeline Hook', pipeline('running', null))).toEqual([{ key: { repository: 'group/project', headSha: 'ccc' }, patch: { checks: 'pending' } }]);
    expect(mergeRequestChange('Pipeline Hook', pipeline('skipped'))).toEqual([]);
    expect(mergeRequestChange('Pipeline Hook', { object_kind: 'pipeline' })).toEqual([]);
    expect(mergeRequestChange('Note Hook', mr({ action: 'merge' }))).toEqual([]);
  });
});
