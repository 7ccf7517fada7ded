import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adfToText, parseDelivery } from './parse.js';
import type { ParsedDelivery, ProviderEvent, RawDelivery } from '../types.js';

const FIXTURES = new URL('../../../../test/fixtures/jira/', import.meta.url);
const fixture = (name: string) => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, any>;

function delivery(body: unknown, id: string | null = 'a1b2c3d4-0000-4000-8000-000000000005'): RawDelivery {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-hub-signature': 'sha256=…' };
  if (id) headers['x-atlassian-webhook-identifier'] = id;
  return { headers, rawBody: JSON.stringify(body), body };
}
function eventOf(parsed: ParsedDelivery): ProviderEvent {
  if (parsed.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(parsed)}`);
  return parsed.event;
}

/** The fixture keeps the source's "…" elisions; fill them in as the fixtures README asks. */
function commentCreated(): Record<string, any> {
  const body = fixture('comment_created.json');
  body.comment.author.accountId = '5b10a2844c20165700ede21g';
  body.comment.created = '2023-11-14T22:13:20.000+0000';
  body.comment.updated = '2023-11-14T22:13:20.000+0000';
  return body;
}

/** jira:issue_updated built from the issue_created sample, with the given changelog items. */
function issueUpdated(items: unknown[]): Record<string, any> {
  const body = fixture('jira_issue_created.json');
  body.webhookEvent = 'jira:issue_updated';
  body.issue_event_type_name = 'issue_assigned';
  body.changelog = { id: '10002', items };
  return body;
}

describe('Jira fixtures', () => {
  it('comment_created', () => {
    const e = eventOf(parseDelivery(delivery(commentCreated())));
    expect(e).toMatchObject({
      provider: 'jira',
      eventType: 'comment_created',
      deliveryId: 'a1b2c3d4-0000-4000-8000-000000000005',
      thread: 'PROJ-5',
      threadTitle: 'PROJ-5: Test issue',
      text: '@bot please investigate',
      actor: { id: '5b10a2844c20165700ede21g', name: 'Commenter', isBot: false },
      target: { provider: 'jira', issueKey: 'PROJ-5' },
    });
    expect(e.addressedTo).toBeUndefined();
  });

  it('jira:issue_created, with the URL-encoded accountId of the sample decoded', () => {
    const e = eventOf(parseDelivery(delivery(fixture('jira_issue_created.json'))));
    expect(e).toMatchObject({
      eventType: 'jira:issue_created',
      thread: 'PI-1',
      threadTitle: 'PI-1: Migrate Infra to Cloud',
      text: 'We need to migrate our current infrastructure from in-house to the cloud',
      actor: { id: '557058:69f39959-769f-4dac-8a7a-46eb55b03723', name: 'Your Name', isBot: false },
      target: { provider: 'jira', issueKey: 'PI-1' },
    });
  });

  it('without the identifier header the delivery id is null', () => {
    expect(eventOf(parseDelivery(delivery(commentCreated(), null))).deliveryId).toBeNull();
  });
});

describe('Jira assignment', () => {
  const ASSIGN = { field: 'assignee', fieldtype: 'jira', fieldId: 'assignee', from: null, fromString: null, to: '712020:agent-account', toString: 'Agent' };

  it('an update whose changelog sets the assignee is jira:issue_assigned, addressed to the assignee', () => {
    const body = issueUpdated([ASSIGN]);
    body.issue.fields.assignee = { accountId: '712020:agent-account', displayName: 'Agent' };
    const e = eventOf(parseDelivery(delivery(body)));
    expect(e.eventType).toBe('jira:issue_assigned');
    expect(e.addressedTo).toEqual({ accountIds: ['712020:agent-account'] });
    expect((e.payload as { assigneeAccountId: string }).assigneeAccountId).toBe('712020:agent-account');
    expect(e.payload).toMatchObject({ webhookEvent: 'jira:issue_updated', issue: { key: 'PI-1' } });
  });

  it('falls back to the issue’s assignee when the changelog item has no account id', () => {
    const e = eventOf(parseDelivery(delivery(issueUpdated([{ ...ASSIGN, to: undefined }]))));
    expect(e.eventType).toBe('jira:issue_assigned');
    expect((e.payload as { assigneeAccountId: string }).assigneeAccountId).toBe('557058:69f39947-769f-4dac-8a7a-46eb55b03705');
  });

  it('is addressed to the assignee\'s account id when the changelog names a user name', () => {
    const body = issueUpdated([{ ...ASSIGN, to: 'agent.user' }]);
    body.issue.fields.assignee = { accountId: '712020:agent-account', displayName: 'Agent' };
    const e = eventOf(parseDelivery(delivery(body)));
    expect(e.eventType).toBe('jira:issue_assigned');
    expect(e.addressedTo).toEqual({ accountIds: ['712020:agent-account', 'agent.user'] });
    expect((e.payload as { assigneeAccountId: string }).assigneeAccountId).toBe('712020:agent-account');
  });

  it('other updates, and unassigning, stay jira:issue_updated', () => {
    const status = issueUpdated([{ field: 'status', fieldtype: 'jira', fieldId: 'status', from: '10000', to: '10001' }]);
    expect(eventOf(parseDelivery(delivery(status))).eventType).toBe('jira:issue_updated');
    const unassigned = issueUpdated([{ ...ASSIGN, to: null }]);
    unassigned.issue.fields.assignee = null;
    const e = eventOf(parseDelivery(delivery(unassigned)));
    expect(e.eventType).toBe('jira:issue_updated');
    expect(e.addressedTo).toBeUndefined();
  });
});

describe('Jira rich text and bots', () => {
  it('reads an ADF comment body, keeping quote markers and mentions', () => {
    const body = commentCreated();
    body.comment.body = {
      type: 'doc',
      version: 1,
      content: [
        { type: 'blockquote', content: [{ type: 'paragraph', content: [{ type: 'text', text: '@agent fix (from the bot)' }] }] },
        {
          type: 'paragraph',
          content: [
            { type: 'mention', attrs: { id: '712020:agent-account', text: '@Agent' } },
            { type: 'text', text: ' plan the rollout' },
          ],
        },
        { type: 'codeBlock', content: [{ type: 'text', text: 'npm test' }] },
      ],
    };
    expect(eventOf(parseDelivery(delivery(body))).text).toBe(
      '> @agent fix (from the bot)\n[~accountid:712020:agent-account] plan the rollout\n```\nnpm test\n```',
    );
  });

  it('adfToText flattens lists and breaks', () => {
    const doc = {
      type: 'doc',
      content: [{ type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'a' }, { type: 'hardBreak' }, { type: 'text', text: 'b' }] }] }] }],
    };
    expect(adfToText(doc)).toBe('- a\nb\n');
  });

  it('flags app accounts as bots', () => {
    const body = commentCreated();
    body.comment.author.accountType = 'app';
    expect(eventOf(parseDelivery(delivery(body))).actor?.isBot).toBe(true);
  });
});

describe('Jira odd input', () => {
  it('names what is missing', () => {
    expect(parseDelivery(delivery({ issue: { key: 'X-1' } }))).toMatchObject({ kind: 'ignored', reason: 'body has no webhookEvent field' });
    const noKey = commentCreated();
    delete noKey.issue.key;
    expect(parseDelivery(delivery(noKey))).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/issue\.key/), eventType: 'comment_created' });
    const noComment = commentCreated();
    delete noComment.comment;
    expect(parseDelivery(delivery(noComment))).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/comment/) });
  });

  it('ignores events that are not about an issue, and bodies that are not JSON', () => {
    expect(parseDelivery(delivery({ webhookEvent: 'project_created', project: { key: 'P' } }))).toMatchObject({
      kind: 'ignored',
      reason: 'Jira event "project_created" is not about an issue or comment',
      eventType: 'project_created',
    });
    expect(parseDelivery({ headers: {}, rawBody: '<html>', body: undefined })).toMatchObject({ kind: 'ignored', reason: 'body is not a JSON object' });
  });
});
