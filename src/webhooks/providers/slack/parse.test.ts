import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDelivery } from './parse.js';
import type { ParsedDelivery, ProviderEvent, RawDelivery } from '../types.js';

const FIXTURES = new URL('../../../../test/fixtures/slack/', import.meta.url);
const raw = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');

const SIGNED_HEADERS = { 'x-slack-request-timestamp': '1531420618', 'x-slack-signature': 'v0=…' };

function json(body: unknown): RawDelivery {
  return { headers: { ...SIGNED_HEADERS, 'content-type': 'application/json' }, rawBody: JSON.stringify(body), body };
}
/** A form body as the route hands it over: decoded fields, raw string kept for the signature. */
function form(rawBody: string): RawDelivery {
  return {
    headers: { ...SIGNED_HEADERS, 'content-type': 'application/x-www-form-urlencoded' },
    rawBody,
    body: Object.fromEntries(new URLSearchParams(rawBody)),
  };
}
function eventOf(parsed: ParsedDelivery): ProviderEvent {
  if (parsed.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(parsed)}`);
  return parsed.event;
}
function appMention(): Record<string, any> {
  return JSON.parse(raw('app_mention.json')) as Record<string, any>;
}
function withEvent(event: Record<string, unknown>): Record<string, unknown> {
  const body = appMention();
  body.event = event;
  return body;
}

// The shape Slack documents for a button click (api.slack.com/reference/interaction-payloads/block-actions-payload),
// on an approval message posted inside a thread.
const BLOCK_ACTIONS = {
  type: 'block_actions',
  user: { id: 'U0CA5', username: 'amy', name: 'amy', team_id: 'T3MDE' },
  api_app_id: 'A0CA5',
  token: 'Shh_its_a_seekrit',
  container: { type: 'message', message_ts: '1548261231.000200', channel_id: 'C0CA5', is_ephemeral: false, thread_ts: '1548261230.000100' },
  trigger_id: '12466734323.1395872398',
  team: { id: 'T0CAG', domain: 'acme-creamery' },
  channel: { id: 'C0CA5', name: 'general' },
  message: { type: 'message', text: 'Approve fix?', ts: '1548261231.000200', thread_ts: '1548261230.000100' },
  response_url: 'https://hooks.slack.com/actions/AABA1ABCD/1232321423432/D09sSasdasdAS9091209',
  actions: [
    { action_id: 'approve', block_id: 'approval', text: { type: 'plain_text', text: 'Approve' }, value: 'task_123', type: 'button', action_ts: '1548426417.840180' },
  ],
};

describe('Slack Events API', () => {
  it('url_verification is answered with the challenge as text/plain', () => {
    const rawBody = raw('url_verification.json');
    expect(parseDelivery({ headers: SIGNED_HEADERS, rawBody, body: JSON.parse(rawBody) })).toEqual({
      kind: 'handshake',
      body: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
      contentType: 'text/plain',
    });
  });

  it('app_mention fixture', () => {
    const e = eventOf(parseDelivery(json(appMention())));
    expect(e).toMatchObject({
      provider: 'slack',
      eventType: 'app_mention',
      deliveryId: 'Ev123ABC456',
      thread: 'C123ABC456/1515449522.000016',
      threadTitle: 'is it everything a river should be?',
      text: '<@U0LAN0Z89> is it everything a river should be?',
      actor: { id: 'U061F7AUR', name: 'U061F7AUR', isBot: false },
      addressedTo: 'bot',
    });
    expect(e.target).toEqual({
      provider: 'slack',
      channel: 'C123ABC456',
      threadTs: '1515449522.000016',
      messageTs: '1515449522.000016',
      teamId: 'T123ABC456',
    });
  });

  it('a mention inside a thread belongs to the thread root', () => {
    const body = appMention();
    body.event = { ...body.event, ts: '1515449600.000200', thread_ts: '1515449522.000016' };
    const e = eventOf(parseDelivery(json(body)));
    expect(e.thread).toBe('C123ABC456/1515449522.000016');
    expect(e.target).toMatchObject({ threadTs: '1515449522.000016', messageTs: '1515449600.000200' });
  });

  it('a direct message is message.im and addressed to the bot', () => {
    const e = eventOf(
      parseDelivery(
        json(withEvent({ type: 'message', channel: 'D024BE91L', channel_type: 'im', user: 'U2147483697', text: 'status of the deploy?', ts: '1355517523.000005', event_ts: '1355517523.000005' })),
      ),
    );
    expect(e).toMatchObject({ eventType: 'message.im', thread: 'D024BE91L/1355517523.000005', addressedTo: 'bot', text: 'status of the deploy?' });
  });

  it('a channel message is message.channels and not addressed to the bot', () => {
    const e = eventOf(parseDelivery(json(withEvent({ type: 'message', channel: 'C1', channel_type: 'channel', user: 'U1', text: 'hi', ts: '1.2' }))));
    expect(e.eventType).toBe('message.channels');
    expect(e.addressedTo).toBeUndefined();
  });

  it('flags messages from bots', () => {
    const withBotId = eventOf(parseDelivery(json(withEvent({ type: 'app_mention', channel: 'C1', user: 'U9', bot_id: 'B1', text: '<@U0LAN0Z89> done', ts: '1.2' }))));
    expect(withBotId.actor).toEqual({ id: 'U9', name: 'U9', isBot: true });

    const botMessage = eventOf(
      parseDelivery(json(withEvent({ type: 'message', subtype: 'bot_message', channel: 'D1', channel_type: 'im', bot_id: 'B2', username: 'agent', text: 'Result…', ts: '1.3' }))),
    );
    expect(botMessage.actor).toEqual({ id: 'B2', name: 'agent', isBot: true });
  });

  it('ignores edits and other non-request subtypes', () => {
    const edited = parseDelivery(
      json(withEvent({ type: 'message', subtype: 'message_changed', channel: 'C1', channel_type: 'channel', ts: '1.4', hidden: true, message: { text: '@agent fix' } })),
    );
    expect(edited).toMatchObject({ kind: 'ignored', reason: 'message subtype "message_changed" is not a new message from a person', deliveryId: 'Ev123ABC456', eventType: 'message.channels' });
  });

  it('ignores other event types and envelope types with a reason', () => {
    expect(parseDelivery(json(withEvent({ type: 'reaction_added', user: 'U1' })))).toMatchObject({
      kind: 'ignored',
      reason: 'Slack event "reaction_added" is not handled',
      eventType: 'reaction_added',
    });
    expect(parseDelivery(json({ type: 'app_rate_limited', minute_rate_limited: 1 }))).toMatchObject({ kind: 'ignored', eventType: 'app_rate_limited' });
  });
});

describe('Slack slash commands', () => {
  const TRIGGER = '398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';

  it('parses the documented form body', () => {
    const e = eventOf(parseDelivery(form(raw('slash_command.txt'))));
    expect(e).toMatchObject({
      eventType: 'slash_command',
      deliveryId: TRIGGER,
      thread: `G8PSS9T3V/${TRIGGER}`,
      threadTitle: '/webhook-collect',
      text: '',
      actor: { id: 'U2CERLKJA', name: 'roadrunner', isBot: false },
      addressedTo: 'bot',
    });
    expect(e.target).toEqual({
      provider: 'slack',
      channel: 'G8PSS9T3V',
      threadTs: '',
      responseUrl: 'https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN',
      teamId: 'T1DC2JH3J',
    });
    expect(e.payload).toMatchObject({ command: '/webhook-collect', team_domain: 'testteamnow' });
  });

  it('decodes the raw body itself when given no fields', () => {
    const rawBody = raw('slash_command.txt').replace('text=&', 'text=discover+the+billing+flow&');
    const e = eventOf(parseDelivery({ headers: SIGNED_HEADERS, rawBody, body: undefined }));
    expect(e.text).toBe('discover the billing flow');
  });

  it('names a missing field', () => {
    const rawBody = raw('slash_command.txt').replace(/&channel_id=[^&]*/, '');
    expect(parseDelivery(form(rawBody))).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/channel_id/), deliveryId: TRIGGER });
  });

  it('answers the SSL check', () => {
    expect(parseDelivery(form('ssl_check=1&token=xyz'))).toEqual({ kind: 'handshake', body: '', contentType: 'text/plain' });
  });
});

describe('Slack interactivity', () => {
  const encode = (payload: unknown) => `payload=${encodeURIComponent(JSON.stringify(payload))}`;

  it('block_actions exposes the pressed button', () => {
    const e = eventOf(parseDelivery(form(encode(BLOCK_ACTIONS))));
    expect(e).toMatchObject({
      eventType: 'block_actions',
      deliveryId: '12466734323.1395872398',
      thread: 'C0CA5/1548261230.000100',
      text: '',
      actor: { id: 'U0CA5', name: 'amy', isBot: false },
      addressedTo: 'bot',
      action: { id: 'approve', value: 'task_123', blockId: 'approval' },
    });
    expect(e.target).toEqual({
      provider: 'slack',
      channel: 'C0CA5',
      threadTs: '1548261230.000100',
      messageTs: '1548261231.000200',
      responseUrl: BLOCK_ACTIONS.response_url,
      teamId: 'T0CAG',
    });
    expect(e.payload).toMatchObject({ actions: [{ action_id: 'approve' }] });
  });

  it('accepts the payload field already decoded by the route', () => {
    const d: RawDelivery = { headers: SIGNED_HEADERS, rawBody: encode(BLOCK_ACTIONS), body: { payload: BLOCK_ACTIONS } };
    expect(eventOf(parseDelivery(d)).action).toEqual({ id: 'approve', value: 'task_123', blockId: 'approval' });
  });

  it('a button on a thread root uses the message itself as the root', () => {
    const { thread_ts: _t, ...container } = BLOCK_ACTIONS.container;
    const { thread_ts: _m, ...message } = BLOCK_ACTIONS.message;
    const e = eventOf(parseDelivery(form(encode({ ...BLOCK_ACTIONS, container, message }))));
    expect(e.thread).toBe('C0CA5/1548261231.000200');
  });

  it('ignores other interaction types and broken payloads with a reason', () => {
    expect(parseDelivery(form(encode({ type: 'view_submission', trigger_id: 't1' })))).toMatchObject({
      kind: 'ignored',
      reason: 'Slack interaction "view_submission" is not handled',
      deliveryId: 't1',
    });
    expect(parseDelivery(form('payload=%7Bnot-json'))).toMatchObject({ kind: 'ignored', reason: 'interaction payload field is not valid JSON' });
    expect(parseDelivery(form(encode({ ...BLOCK_ACTIONS, actions: [] })))).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/actions/) });
  });
});

describe('Slack odd input', () => {
  it('never throws, and names what is missing', () => {
    expect(parseDelivery({ headers: {}, rawBody: '', body: undefined })).toMatchObject({ kind: 'ignored', reason: 'body is neither JSON nor form fields' });
    expect(parseDelivery(json({}))).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/no type/) });
    expect(parseDelivery(json({ type: 'url_verification' }))).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/challenge/) });
    expect(parseDelivery(json({ type: 'event_callback', event_id: 'Ev1' }))).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/^event_callback is missing fields: event:/),
      deliveryId: 'Ev1',
    });
    const noChannel = parseDelivery(json(withEvent({ type: 'app_mention', user: 'U1', text: 'hi', ts: '1.2' })));
    expect(noChannel).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/channel/), eventType: 'app_mention' });
    expect(parseDelivery(json(null))).toMatchObject({ kind: 'ignored' });
  });
});
