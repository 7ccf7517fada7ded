import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseDelivery } from './parse.js';
import type { ParsedDelivery, ProviderEvent, RawDelivery } from '../types.js';

const FIXTURES = new URL('../../../../test/fixtures/github/', import.meta.url);

interface Definition {
  name: string;
  examples: Array<Record<string, unknown> & { action?: string }>;
}
const definitions = createRequire(import.meta.url)('@octokit/webhooks-examples') as Definition[];

function delivery(event: string, body: unknown, id = 'd6f1e2c0-0000-11ee-8000-000000000001'): RawDelivery {
  const headers: Record<string, string> = { 'x-github-event': event, 'content-type': 'application/json' };
  if (id) headers['x-github-delivery'] = id;
  return { headers, rawBody: JSON.stringify(body), body };
}

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, unknown>;
}

function eventOf(parsed: ParsedDelivery): ProviderEvent {
  if (parsed.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(parsed)}`);
  return parsed.event;
}

const CODERTOCAT = { id: '21031067', name: 'Codertocat', isBot: false };

describe('GitHub fixtures', () => {
  it('issue_comment.created on a plain issue', () => {
    const e = eventOf(parseDelivery(delivery('issue_comment', fixture('issue_comment.created.json'), 'guid-1')));
    expect(e).toMatchObject({
      provider: 'github',
      eventType: 'issue_comment.created',
      deliveryId: 'guid-1',
      thread: 'Codertocat/Hello-World#1',
      threadTitle: 'Spelling error in the README file',
      text: "You are totally right! I'll get this fixed right away.",
      actor: CODERTOCAT,
    });
    expect(e.target).toEqual({
      provider: 'github',
      owner: 'Codertocat',
      repo: 'Hello-World',
      issueNumber: 1,
      isPullRequest: false,
      commentId: 492700400,
    });
  });

  it('pull_request_review_comment.created targets the PR and the review thread', () => {
    const e = eventOf(parseDelivery(delivery('pull_request_review_comment', fixture('pull_request_review_comment.created.json'))));
    expect(e).toMatchObject({
      eventType: 'pull_request_review_comment.created',
      thread: 'Codertocat/Hello-World#2',
      threadTitle: 'Update the README with new information.',
      text: 'Maybe you should use more emoji on this line.',
      actor: CODERTOCAT,
    });
    expect(e.target).toEqual({
      provider: 'github',
      owner: 'Codertocat',
      repo: 'Hello-World',
      issueNumber: 2,
      isPullRequest: true,
      reviewCommentId: 284312630,
      replyToReviewCommentId: 284312630,
      installationId: 1,
    });
  });

  it('a reply in a review thread is answered on the thread’s top-level comment', () => {
    const body = fixture('pull_request_review_comment.created.json');
    body.comment = { ...(body.comment as object), id: 999, in_reply_to_id: 284312630 };
    const e = eventOf(parseDelivery(delivery('pull_request_review_comment', body)));
    expect(e.target).toMatchObject({ reviewCommentId: 999, replyToReviewCommentId: 284312630 });
  });

  it('issues.opened reads the issue body', () => {
    const e = eventOf(parseDelivery(delivery('issues', fixture('issues.opened.json'))));
    expect(e.eventType).toBe('issues.opened');
    expect(e.thread).toBe('Codertocat/Hello-World#1');
    expect(e.text).toMatch(/^It looks like you accidently spelled 'commit' with/);
    expect(e.target).toMatchObject({ issueNumber: 1, isPullRequest: false });
    expect(e.target).not.toHaveProperty('commentId');
  });

  it('issues.labeled reads the label, not the body, so adding a label does not re-run the body’s command', () => {
    const e = eventOf(parseDelivery(delivery('issues', fixture('issues.labeled.json'))));
    expect(e.eventType).toBe('issues.labeled');
    expect(e.text).toBe('bug');
  });

  it('pull_request.opened reads the PR body', () => {
    const e = eventOf(parseDelivery(delivery('pull_request', fixture('pull_request.opened.json'))));
    expect(e).toMatchObject({ eventType: 'pull_request.opened', thread: 'Codertocat/Hello-World#2', actor: CODERTOCAT });
    expect(e.text).toMatch(/^This is a pretty simple change/);
    expect(e.target).toMatchObject({ issueNumber: 2, isPullRequest: true });
  });

  it('keeps the parsed body as the payload', () => {
    const body = fixture('issues.opened.json');
    expect(eventOf(parseDelivery(delivery('issues', body))).payload).toBe(body);
  });
});

describe('@octokit/webhooks-examples', () => {
  const wanted: Record<string, string[]> = {
    issue_comment: ['created'],
    pull_request_review_comment: ['created'],
    issues: ['opened', 'labeled'],
    pull_request: ['opened'],
  };
  const cases = definitions.flatMap((def) =>
    (def.examples ?? [])
      .map((example, index) => ({ name: def.name, index, example }))
      .filter(({ name, example }) => Object.hasOwn(wanted, name) && wanted[name]!.includes(String(example.action))),
  );

  it('has the examples PROTOCOLS.md counts', () => {
    const count = (name: string, action: string) => cases.filter((c) => c.name === name && c.example.action === action).length;
    expect(count('issue_comment', 'created')).toBe(5);
    expect(count('pull_request_review_comment', 'created')).toBe(3);
    expect(count('issues', 'opened')).toBe(4);
    expect(count('issues', 'labeled')).toBe(2);
    expect(count('pull_request', 'opened')).toBe(4);
  });

  it.each(cases.map((c) => [`${c.name}.${c.example.action} #${c.index}`, c] as const))('%s parses', (_label, c) => {
    const e = eventOf(parseDelivery(delivery(c.name, c.example)));
    expect(e.eventType).toBe(`${c.name}.${c.example.action}`);
    expect(e.thread).toMatch(/^Codertocat\/Hello-World#\d+$/);
    expect(e.actor).toEqual(CODERTOCAT);
    expect(e.target.provider).toBe('github');
    const installation = c.example.installation as { id: number } | undefined;
    if (installation) expect(e.target).toMatchObject({ installationId: installation.id });
    else expect(e.target).not.toHaveProperty('installationId');
  });

  it('answers every ping with pong', () => {
    const pings = definitions.find((d) => d.name === 'ping')!.examples;
    expect(pings.length).toBeGreaterThan(0);
    for (const ping of pings) {
      expect(parseDelivery(delivery('ping', ping))).toEqual({ kind: 'handshake', body: 'pong', contentType: 'text/plain' });
    }
  });
});

describe('GitHub variants', () => {
  it('a PR conversation comment (issue.pull_request set) targets a pull request', () => {
    const body = fixture('issue_comment.created.json');
    const issue = body.issue as Record<string, unknown>;
    body.issue = {
      ...issue,
      number: 2,
      pull_request: {
        url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/2',
        html_url: 'https://github.com/Codertocat/Hello-World/pull/2',
        diff_url: 'https://github.com/Codertocat/Hello-World/pull/2.diff',
        patch_url: 'https://github.com/Codertocat/Hello-World/pull/2.patch',
      },
    };
    body.comment = { ...(body.comment as object), body: '@agent review please' };
    const e = eventOf(parseDelivery(delivery('issue_comment', body)));
    expect(e.thread).toBe('Codertocat/Hello-World#2');
    expect(e.text).toBe('@agent review please');
    expect(e.target).toMatchObject({ issueNumber: 2, isPullRequest: true, commentId: 492700400 });
  });

  it('flags bot senders by type and by [bot] login', () => {
    const byType = fixture('issue_comment.created.json');
    byType.sender = { ...(byType.sender as object), login: 'my-agent', type: 'Bot' };
    expect(eventOf(parseDelivery(delivery('issue_comment', byType))).actor).toMatchObject({ name: 'my-agent', isBot: true });

    const byLogin = fixture('issue_comment.created.json');
    byLogin.sender = { ...(byLogin.sender as object), login: 'dependabot[bot]', type: 'User' };
    expect(eventOf(parseDelivery(delivery('issue_comment', byLogin))).actor?.isBot).toBe(true);
  });

  it('a missing sender gives no actor rather than no event', () => {
    const body = fixture('issues.opened.json');
    delete body.sender;
    expect(eventOf(parseDelivery(delivery('issues', body))).actor).toBeNull();
  });

  it('reads the raw body when the route did not parse it', () => {
    const body = fixture('issues.opened.json');
    const d: RawDelivery = { headers: { 'x-github-event': 'issues', 'x-github-delivery': 'g' }, rawBody: JSON.stringify(body), body: undefined };
    expect(eventOf(parseDelivery(d)).eventType).toBe('issues.opened');
  });

  it('unwraps a form-encoded delivery (hook content type application/x-www-form-urlencoded)', () => {
    const json = JSON.stringify(fixture('issues.opened.json'));
    const rawBody = `payload=${encodeURIComponent(json)}`;
    const headers = { 'x-github-event': 'issues', 'x-github-delivery': 'g' };
    expect(eventOf(parseDelivery({ headers, rawBody, body: { payload: json } })).thread).toBe('Codertocat/Hello-World#1');
    expect(eventOf(parseDelivery({ headers, rawBody, body: { payload: JSON.parse(json) } })).eventType).toBe('issues.opened');
    expect(eventOf(parseDelivery({ headers, rawBody, body: undefined })).eventType).toBe('issues.opened');
  });

  it('parses other actions of known events; the rules decide whether they run', () => {
    const body = { ...fixture('issue_comment.created.json'), action: 'edited' };
    expect(eventOf(parseDelivery(delivery('issue_comment', body))).eventType).toBe('issue_comment.edited');
  });
});

describe('GitHub odd input', () => {
  it('no X-GitHub-Event header', () => {
    const d = delivery('issues', fixture('issues.opened.json'));
    delete d.headers['x-github-event'];
    expect(parseDelivery(d)).toEqual({
      kind: 'ignored',
      reason: 'missing X-GitHub-Event header',
      deliveryId: 'd6f1e2c0-0000-11ee-8000-000000000001',
      eventType: null,
    });
  });

  it('a body that is not JSON', () => {
    const d: RawDelivery = { headers: { 'x-github-event': 'issues', 'x-github-delivery': 'g' }, rawBody: 'not json', body: undefined };
    expect(parseDelivery(d)).toMatchObject({ kind: 'ignored', reason: 'body is not a JSON object', deliveryId: 'g', eventType: 'issues' });
  });

  it('a JSON array body', () => {
    expect(parseDelivery(delivery('issues', [1, 2]))).toMatchObject({ kind: 'ignored', reason: 'body is not a JSON object' });
  });

  it('a missing field is named', () => {
    const body = fixture('issue_comment.created.json');
    const issue = { ...(body.issue as Record<string, unknown>) };
    delete issue.number;
    body.issue = issue;
    const parsed = parseDelivery(delivery('issue_comment', body));
    expect(parsed).toMatchObject({ kind: 'ignored', eventType: 'issue_comment.created' });
    expect(parsed.kind === 'ignored' && parsed.reason).toMatch(/issue\.number/);
  });

  it('a missing repository is named', () => {
    const body = fixture('issues.opened.json');
    delete body.repository;
    const parsed = parseDelivery(delivery('issues', body));
    expect(parsed.kind === 'ignored' && parsed.reason).toMatch(/repository/);
  });

  it('turns anything thrown while reading the body into ignored', () => {
    const body = fixture('issues.opened.json');
    Object.defineProperty(body, 'action', {
      get() {
        throw new Error('boom');
      },
    });
    expect(parseDelivery({ headers: { 'x-github-event': 'issues' }, rawBody: '', body })).toEqual({
      kind: 'ignored',
      reason: 'github delivery could not be parsed: boom',
      deliveryId: null,
      eventType: null,
    });
  });

  it('unknown and lifecycle events are ignored with a reason', () => {
    expect(parseDelivery(delivery('star', { action: 'created' }))).toMatchObject({
      kind: 'ignored',
      reason: 'GitHub event "star" is not handled',
      eventType: 'star.created',
    });
    expect(parseDelivery(delivery('installation', { action: 'created' }))).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/installation lifecycle/),
    });
    // Names of Object.prototype members are not events.
    expect(parseDelivery(delivery('constructor', {}))).toMatchObject({ kind: 'ignored', reason: 'GitHub event "constructor" is not handled' });
  });
});
