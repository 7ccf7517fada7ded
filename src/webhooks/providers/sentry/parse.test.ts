import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDelivery } from './parse.js';
import type { ParsedDelivery, ProviderEvent, RawDelivery } from '../types.js';

const FIXTURES = new URL('../../../../test/fixtures/sentry/', import.meta.url);
const raw = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');
const fixture = (name: string) => JSON.parse(raw(name)) as Record<string, any>;

const REQUEST_ID = '9f0e1d2c3b4a49588776655443322110';

function delivery(resource: string | null, body: unknown, rawBody = JSON.stringify(body)): RawDelivery {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'request-id': REQUEST_ID,
    'sentry-hook-timestamp': '1566248777',
    'sentry-hook-signature': '…',
  };
  if (resource) headers['sentry-hook-resource'] = resource;
  return { headers, rawBody, body };
}
function eventOf(parsed: ParsedDelivery): ProviderEvent {
  if (parsed.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(parsed)}`);
  return parsed.event;
}

describe('Sentry fixtures', () => {
  it('event_alert triggered', () => {
    const e = eventOf(parseDelivery(delivery('event_alert', fixture('event_alert_triggered.json'))));
    expect(e).toMatchObject({
      provider: 'sentry',
      eventType: 'event_alert.triggered',
      deliveryId: REQUEST_ID,
      thread: 'sentry-issue-1117540176',
      threadTitle: 'ReferenceError: heck is not defined',
      text: 'ReferenceError: heck is not defined',
      // Alert rules act as Sentry itself: not a bot for the loop guard.
      actor: { id: 'sentry', name: 'Sentry', isBot: false },
    });
    expect(e.target).toEqual({ provider: 'sentry', issueId: '1117540176', organizationSlug: 'test-org' });
  });

  it('issue created', () => {
    const e = eventOf(parseDelivery(delivery('issue', fixture('issue_created.json'))));
    expect(e).toMatchObject({
      eventType: 'issue.created',
      thread: 'sentry-issue-1170820242',
      threadTitle: 'ReferenceError: blooopy is not defined',
      text: 'ReferenceError: blooopy is not defined',
      actor: { id: 'sentry', name: 'Sentry', isBot: false },
    });
    // The documented sample has no web_url, so no organization can be read from it.
    expect(e.target).toEqual({ provider: 'sentry', issueId: '1170820242' });
  });

  it('comment created (exact bytes of vector 7, parsed from the raw body)', () => {
    const e = eventOf(parseDelivery(delivery('comment', undefined, raw('comment_created.json'))));
    expect(e).toMatchObject({
      eventType: 'comment.created',
      thread: 'sentry-issue-100',
      text: 'adding a comment',
      actor: { id: '1', name: 'colleen', isBot: false },
      target: { provider: 'sentry', issueId: '100' },
    });
  });

  it('a comment by another integration is from a bot', () => {
    const body = fixture('comment_created.json');
    body.actor = { type: 'application', id: '2ebf071f-28df-4989-aca9-c37c763b278f', name: 'Claude Code Agent' };
    expect(eventOf(parseDelivery(delivery('comment', body))).actor?.isBot).toBe(true);
  });

  it('metric alerts and installations are ignored with a reason', () => {
    expect(parseDelivery(delivery('metric_alert', fixture('metric_alert_resolved.json')))).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/not tied to a Sentry issue/),
      deliveryId: REQUEST_ID,
      eventType: 'metric_alert.resolved',
    });
    expect(parseDelivery(delivery('installation', fixture('installation_created.json')))).toMatchObject({
      kind: 'ignored',
      eventType: 'installation.created',
      reason: expect.stringMatching(/installation lifecycle/),
    });
  });
});

describe('Sentry odd input', () => {
  it('names what is missing', () => {
    expect(parseDelivery(delivery(null, fixture('issue_created.json')))).toMatchObject({
      kind: 'ignored',
      reason: 'missing Sentry-Hook-Resource header',
      deliveryId: REQUEST_ID,
    });
    const noIssueId = fixture('event_alert_triggered.json');
    delete noIssueId.data.event.issue_id;
    expect(parseDelivery(delivery('event_alert', noIssueId))).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/data\.event\.issue_id/),
      eventType: 'event_alert.triggered',
    });
    const noAction = fixture('issue_created.json');
    delete noAction.action;
    expect(parseDelivery(delivery('issue', noAction))).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/action/) });
    expect(parseDelivery(delivery('issue', 'nope', 'nope'))).toMatchObject({ kind: 'ignored', reason: 'body is not a JSON object' });
    expect(parseDelivery(delivery('seer', { action: 'created', data: {} }))).toMatchObject({
      kind: 'ignored',
      reason: 'Sentry resource "seer" is not handled',
    });
  });
});
