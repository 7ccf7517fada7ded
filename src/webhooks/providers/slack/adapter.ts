import { createSlackClient, type SlackClient } from '../../../integrations/slack.js';
import { need, type ProviderAdapter } from '../adapter.js';
import type { SlackTarget } from '../types.js';
import { SLACK_ACTIONS, SLACK_NOTIFY } from './actions.js';
import { parseDelivery } from './parse.js';
import { guardResponseUrl, slackResponseOrigins } from './response-url.js';
import { verifySlack } from './verify.js';

/** Slack: app mentions, DMs, slash commands, approval buttons; replies in the thread, edited as the run goes. */
export const slack: ProviderAdapter<SlackClient, SlackTarget> = {
  name: 'slack',
  settings: { secret: 'SLACK_SIGNING_SECRET', postBackSettings: 'SLACK_BOT_TOKEN' },
  enabled: (config) => !!config.SLACK_SIGNING_SECRET,
  signature: { headers: ['x-slack-signature'], describe: 'X-Slack-Signature: v0=<hex> with X-Slack-Request-Timestamp' },
  deliveryHeaders: ['x-slack-request-timestamp', 'x-slack-retry-num'],
  verify: (secret, body, h, now) => verifySlack(secret, body, h['x-slack-signature'], h['x-slack-request-timestamp'], now),
  parse: parseDelivery,
  dryRunHeaders: () => ({}),
  // `token` (the deprecated verification token) is left out on purpose: it must never be copied into a prompt.
  payloadRoots: [
    // Events API envelope
    'type', 'event', 'team_id', 'api_app_id', 'event_id', 'event_time', 'authorizations', 'authed_users',
    'event_context', 'enterprise_id', 'is_ext_shared_channel',
    // slash command fields
    'command', 'text', 'user_id', 'user_name', 'channel_id', 'channel_name', 'team_domain', 'response_url',
    'trigger_id', 'enterprise_name', 'is_enterprise_install',
    // interactivity (block_actions) payload
    'user', 'team', 'channel', 'container', 'message', 'actions', 'state', 'enterprise',
  ],
  markup: 'mrkdwn',
  guardOutbound: guardResponseUrl,
  plainText: (text) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'),
  isSelf: (actor, config) => !!config.SLACK_BOT_USER_ID && actor.id === config.SLACK_BOT_USER_ID,
  selfIds: (config) => (config.SLACK_BOT_USER_ID ? [config.SLACK_BOT_USER_ID] : []),
  ownPostId: ({ target: t }) => (t.messageTs ? `${t.channel}/${t.messageTs}` : undefined),

  createClient(config, retries) {
    if (!config.SLACK_BOT_TOKEN) return undefined;
    return createSlackClient({ token: config.SLACK_BOT_TOKEN, apiUrl: config.SLACK_API_URL, retry: retries.others, responseUrlOrigins: slackResponseOrigins(config) });
  },

  /** Allowed users and channels (default everyone); SLACK_MAINTAINERS need no approval. */
  permissions: (c) => ({
    async check(event) {
      const actor = event.actor;
      if (!actor) return { allowed: false, why: 'the delivery names no user' };
      const channel = event.target.channel;
      if (c.SLACK_ALLOWED_USERS.length && !c.SLACK_ALLOWED_USERS.includes(actor.id)) return { allowed: false, why: `Slack user ${actor.id} is not in SLACK_ALLOWED_USERS` };
      if (c.SLACK_ALLOWED_CHANNELS.length && !c.SLACK_ALLOWED_CHANNELS.includes(channel)) return { allowed: false, why: `channel ${channel} is not in SLACK_ALLOWED_CHANNELS` };
      return { allowed: true, maintainer: c.SLACK_MAINTAINERS.includes(actor.id), why: 'Slack workspace member' };
    },
  }),

  async acknowledge(client, { target: t }) {
    if (client && t.messageTs) await client.addReaction({ channel: t.channel, timestamp: t.messageTs, name: 'eyes' });
  },

  async reply(client, t, text, options = {}) {
    const api = need(client, 'Slack', 'SLACK_BOT_TOKEN');
    if (!t.threadTs && t.responseUrl) {
      // A slash command has no message to thread under yet; its response_url posts one. It gives no ts, but the same
      // URL replaces that message (replace_original), so the interim "working…" does not stay behind the result.
      await api.respond(t.responseUrl, { text, response_type: 'in_channel' });
      return RESPONSE_URL_POST;
    }
    const blocks = options.approvalTaskId ? approvalBlocks(text, options.approvalTaskId) : undefined;
    const m = await api.postMessage({ channel: t.channel, text, threadTs: t.threadTs || undefined, blocks });
    return `${m.channel}/${m.ts}`;
  },

  async edit(client, t, postId, text) {
    const api = need(client, 'Slack', 'SLACK_BOT_TOKEN');
    if (postId === RESPONSE_URL_POST) {
      if (!t.responseUrl) throw new Error('the message was posted through a response_url the task no longer has');
      await api.respond(t.responseUrl, { text, response_type: 'in_channel', replace_original: true });
      return;
    }
    const [channel, ts] = postId.split('/');
    await api.updateMessage({ channel: channel!, ts: ts!, text });
  },

  // A response_url takes five posts in all (Slack's limit): the interim message and its result, not every step.
  finalEditOnly: (postId) => postId === RESPONSE_URL_POST,

  // What the rest of the service asks of it, where it applies: thread links and targets, code host, actions…
  threadLinks: [
    {
      // https://acme.slack.com/archives/C0123ABC/p1700000000000100(?thread_ts=1700000000.000100): the thread's ts when
      // the permalink is of a reply, else the message's own (which starts the thread)
      pattern: 'https://[A-Za-z0-9-]{1,100}\\.slack\\.com/archives/([A-Z0-9]{1,30})/p([0-9]{10})([0-9]{6})(?:[?&]thread_ts=([0-9]{10}\\.[0-9]{6}))?',
      thread: (g) => `${g(1)}/${g(4) || `${g(2)}.${g(3)}`}`,
    },
  ],
  actions: SLACK_ACTIONS,
  notifyChannel: SLACK_NOTIFY,
};

/** The id `reply` gives a message posted through a slash command's response_url, which has no ts. */
const RESPONSE_URL_POST = 'response_url';

function approvalBlocks(text: string, taskId: string) {
  return [
    { type: 'section', text: { type: 'mrkdwn', text } },
    {
      type: 'actions',
      block_id: `approval:${taskId}`,
      elements: [
        { type: 'button', action_id: 'approve', style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value: taskId },
        { type: 'button', action_id: 'reject', style: 'danger', text: { type: 'plain_text', text: 'Reject' }, value: taskId },
      ],
    },
  ];
}
