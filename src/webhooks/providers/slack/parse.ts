// Slack deliveries → ProviderEvent. Three body kinds reach one URL (PROTOCOLS.md §3):
// Events API JSON (url_verification, event_callback), slash commands (form fields), and interactivity (form field
// `payload` holding JSON). Dedup: event_id for events; slash commands and button clicks have no event_id, and their
// trigger_id is unique per invocation.
import { z } from 'zod';
import { parseUntrustedJson } from '../../../security/json-depth.js';
import {
  bodyObject,
  ignored,
  isRecord,
  missingFields,
  neverThrow,
  titleFrom,
  type ParsedDelivery,
  type ProviderEvent,
  type RawDelivery,
} from '../types.js';

const UrlVerification = z.object({ challenge: z.string().min(1) });

const Envelope = z.object({
  event_id: z.string().optional(),
  team_id: z.string().optional(),
  event: z.looseObject({ type: z.string() }),
});

const MessageEvent = z.object({
  type: z.string(),
  channel: z.string(),
  ts: z.string(),
  thread_ts: z.string().optional(),
  user: z.string().optional(),
  bot_id: z.string().optional(),
  username: z.string().optional(),
  subtype: z.string().optional(),
  text: z.string().optional(),
  channel_type: z.string().optional(),
  hidden: z.boolean().optional(),
});
type MessageEvent = z.infer<typeof MessageEvent>;

const SlashCommand = z.object({
  command: z.string().min(1),
  text: z.string().optional(),
  user_id: z.string().min(1),
  user_name: z.string().optional(),
  channel_id: z.string().min(1),
  team_id: z.string().optional(),
  response_url: z.string().optional(),
  trigger_id: z.string().min(1),
});

const BlockActions = z.object({
  trigger_id: z.string().optional(),
  response_url: z.string().optional(),
  user: z.object({ id: z.string(), username: z.string().optional(), name: z.string().optional() }),
  team: z.object({ id: z.string() }).nullish(),
  channel: z.object({ id: z.string() }),
  container: z.object({ message_ts: z.string().optional(), thread_ts: z.string().optional() }).optional(),
  message: z.object({ ts: z.string(), thread_ts: z.string().optional() }).optional(),
  actions: z
    .array(z.object({ action_id: z.string(), block_id: z.string().optional(), value: z.string().optional() }))
    .min(1),
});

/** Message subtypes written by a person; the rest (edits, deletions, joins, topic changes…) are not requests. */
const HUMAN_SUBTYPES = new Set(['file_share', 'thread_broadcast', 'me_message']);

/** Slack's `channel_type` → the event subscription name, so DMs read 'message.im' as in Slack's own docs. */
const MESSAGE_EVENT_TYPES: Record<string, string> = {
  im: 'message.im',
  channel: 'message.channels',
  group: 'message.groups',
  mpim: 'message.mpim',
  app_home: 'message.app_home',
};

export const parseDelivery = neverThrow('slack', parseSlack);

function parseSlack(d: RawDelivery): ParsedDelivery {
  const body = bodyObject(d, true);
  if (!body) return ignored('body is neither JSON nor form fields');
  // Slack's SSL check for slash-command URLs: unsigned, answered with an empty 200.
  if (body.ssl_check === '1') return { kind: 'handshake', body: '', contentType: 'text/plain' };
  if (typeof body.command === 'string') return parseSlashCommand(body);
  if (body.payload !== undefined) return parseInteraction(body.payload);

  switch (body.type) {
    case 'url_verification': {
      const r = UrlVerification.safeParse(body);
      if (!r.success) return missingFields('url_verification', r.error, null, 'url_verification');
      return { kind: 'handshake', body: r.data.challenge, contentType: 'text/plain' };
    }
    case 'event_callback':
      return parseEventCallback(body);
    case undefined:
      return ignored('body has no type, command or payload field: not a Slack event, slash command or interaction');
    default: {
      const type = String(body.type);
      return ignored(`Slack body type "${type}" is not handled`, stringOrNull(body.event_id), type);
    }
  }
}

function parseEventCallback(body: Record<string, unknown>): ParsedDelivery {
  const envelope = Envelope.safeParse(body);
  if (!envelope.success) {
    return missingFields('event_callback', envelope.error, stringOrNull(body.event_id), null);
  }
  const { event_id, team_id, event: inner } = envelope.data;
  const deliveryId = event_id ?? null;
  if (inner.type !== 'app_mention' && inner.type !== 'message') {
    return ignored(`Slack event "${inner.type}" is not handled`, deliveryId, inner.type);
  }

  const parsed = MessageEvent.safeParse(inner);
  if (!parsed.success) return missingFields(`${inner.type} event`, parsed.error, deliveryId, inner.type);
  const m = parsed.data;
  const eventType = m.type === 'app_mention' ? 'app_mention' : messageEventType(m);

  const fromBot = m.bot_id !== undefined || m.subtype === 'bot_message';
  if (m.subtype && m.subtype !== 'bot_message' && !HUMAN_SUBTYPES.has(m.subtype)) {
    // message_changed carries the edited text under event.message; treating edits as requests would run twice.
    return ignored(`message subtype "${m.subtype}" is not a new message from a person`, deliveryId, eventType);
  }
  if (m.hidden) return ignored('hidden message', deliveryId, eventType);
  const actorId = m.user ?? m.bot_id;
  const text = m.text ?? '';
  const threadTs = m.thread_ts ?? m.ts;

  const event: ProviderEvent = {
    provider: 'slack',
    eventType,
    deliveryId,
    thread: `${m.channel}/${threadTs}`,
    threadTitle: titleFrom(stripMentions(text)) || `Slack thread ${m.channel}/${threadTs}`,
    text,
    actor: actorId ? { id: actorId, name: m.username ?? actorId, isBot: fromBot } : null,
    target: { provider: 'slack', channel: m.channel, threadTs, messageTs: m.ts, ...(team_id && { teamId: team_id }) },
    payload: body,
    // Slack sends app_mention only when the bot is mentioned, and DMs are with the bot; other channel messages are
    // addressed to it only through a mention, which the matcher looks for.
    ...((eventType === 'app_mention' || eventType === 'message.im') && { addressedTo: 'bot' as const }),
  };
  return { kind: 'event', event };
}

function messageEventType(m: MessageEvent): string {
  const channelType = m.channel_type ?? '';
  return Object.hasOwn(MESSAGE_EVENT_TYPES, channelType) ? MESSAGE_EVENT_TYPES[channelType]! : 'message';
}

function parseSlashCommand(body: Record<string, unknown>): ParsedDelivery {
  const r = SlashCommand.safeParse(body);
  const triggerId = stringOrNull(body.trigger_id);
  if (!r.success) return missingFields('slash command', r.error, triggerId, 'slash_command');
  const c = r.data;
  const text = c.text ?? '';
  const event: ProviderEvent = {
    provider: 'slack',
    eventType: 'slash_command',
    deliveryId: c.trigger_id,
    // No message exists yet, so no thread ts: each invocation is its own flow, keyed by its trigger_id.
    thread: `${c.channel_id}/${c.trigger_id}`,
    threadTitle: `${c.command} ${text}`.trim(),
    text,
    actor: { id: c.user_id, name: c.user_name ?? c.user_id, isBot: false },
    target: {
      provider: 'slack',
      channel: c.channel_id,
      threadTs: '',
      ...(c.response_url && { responseUrl: c.response_url }),
      ...(c.team_id && { teamId: c.team_id }),
    },
    payload: body,
    addressedTo: 'bot',
  };
  return { kind: 'event', event };
}

/** `payload` is the form field as sent (a JSON string) or already decoded by the route. */
function parseInteraction(field: unknown): ParsedDelivery {
  let payload: unknown = field;
  if (typeof field === 'string') {
    try {
      payload = parseUntrustedJson(field);
    } catch {
      return ignored('interaction payload field is not valid JSON');
    }
  }
  if (!isRecord(payload)) return ignored('interaction payload is not a JSON object');
  const type = payload.type;
  const triggerId = stringOrNull(payload.trigger_id);
  if (type !== 'block_actions') {
    const name = typeof type === 'string' ? type : null;
    return ignored(`Slack interaction "${String(type)}" is not handled`, triggerId, name);
  }
  const r = BlockActions.safeParse(payload);
  if (!r.success) return missingFields('block_actions', r.error, triggerId, 'block_actions');
  const p = r.data;
  const action = p.actions[0]!;
  // The thread the button's message lives in; a button on a thread root has no thread_ts, so it is its own root.
  const threadTs = p.message?.thread_ts ?? p.container?.thread_ts ?? p.container?.message_ts ?? p.message?.ts;
  if (!threadTs) {
    return ignored('block_actions has neither message.ts nor container.message_ts', triggerId, 'block_actions');
  }
  const messageTs = p.message?.ts ?? p.container?.message_ts;
  const event: ProviderEvent = {
    provider: 'slack',
    eventType: 'block_actions',
    deliveryId: p.trigger_id ?? null,
    thread: `${p.channel.id}/${threadTs}`,
    threadTitle: `Slack thread ${p.channel.id}/${threadTs}`,
    text: '',
    actor: { id: p.user.id, name: p.user.username ?? p.user.name ?? p.user.id, isBot: false },
    target: {
      provider: 'slack',
      channel: p.channel.id,
      threadTs,
      ...(messageTs && { messageTs }),
      ...(p.response_url && { responseUrl: p.response_url }),
      ...(p.team?.id && { teamId: p.team.id }),
    },
    payload,
    addressedTo: 'bot',
    action: { id: action.action_id, value: action.value ?? null, blockId: action.block_id ?? null },
  };
  return { kind: 'event', event };
}

function stripMentions(text: string): string {
  // "[^<>]" (labels never hold "<"): an unclosed mention is given up at the next one, so this stays linear.
  return text.replace(/<@[A-Z0-9]+(?:\|[^<>]*)?>/gi, '').trim();
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
