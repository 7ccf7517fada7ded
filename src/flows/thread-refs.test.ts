import { describe, expect, it } from 'vitest';
import { MAX_REFS, MAX_SCANNED_CHARS, threadRefsIn } from './thread-refs.js';

const ids = (text: string) => threadRefsIn(text).map((r) => (r.kind === 'flow' ? r.flowId : r.externalId));

describe('threadRefsIn: the threads a message names', () => {
  it('reads GitHub, GitLab, Sentry and Slack links, Jira keys and flow ids, first mention first', () => {
    const text = [
      'see https://github.com/acme/api/pull/42 and https://github.com/acme/api/issues/7#issuecomment-1,',
      'https://gitlab.example.com/group/sub/proj/-/merge_requests/3, https://gitlab.example.com/g/p/-/issues/17',
      'alert https://acme.sentry.io/issues/1117540176/?project=1 and https://sentry.io/organizations/acme/issues/55/',
      'thread <https://acme.slack.com/archives/C0123ABC/p1700000000000100|here> reply https://acme.slack.com/archives/C0123ABC/p1700000001000200?thread_ts=1700000000.000100&cid=C0123ABC',
      'ticket PROJ-5, https://acme.atlassian.net/browse/OPS-12 and flow_0123456789abcdef01234567',
    ].join('\n');
    expect(ids(text)).toEqual([
      'github:acme/api#42',
      'github:acme/api#7',
      'gitlab:group/sub/proj!3',
      'gitlab:g/p#17',
      'sentry:sentry-issue-1117540176',
      'sentry:sentry-issue-55',
      'slack:C0123ABC/1700000000.000100',
      'jira:PROJ-5',
      'jira:OPS-12',
      'flow_0123456789abcdef01234567',
    ]);
  });

  it('ignores look-alikes: lower-case keys, encodings, keys inside paths and words', () => {
    expect(ids('utf-8 sha-256 x-1 https://github.com/acme/PROJ-5/issues/12 fooPROJ-5 PROJ-5x')).toEqual(['github:acme/PROJ-5#12']);
    expect(ids('flow_0123 flow_0123456789abcdef0123456789')).toEqual([]);
  });

  it('returns each name once and at most MAX_REFS of them', () => {
    expect(ids('PROJ-1 PROJ-1 PROJ-1')).toEqual(['jira:PROJ-1']);
    const many = Array.from({ length: 50 }, (_, i) => `KEY-${i + 1}`).join(' ');
    expect(ids(many)).toHaveLength(MAX_REFS);
  });

  it('reads only the head of a long hostile text', () => {
    const text = `${'https://github.com/'.repeat(MAX_SCANNED_CHARS)} PROJ-9`;
    expect(ids(text)).toEqual([]);
    expect(ids(`${'a/'.repeat(200_000)}`)).toEqual([]);
  });
});
