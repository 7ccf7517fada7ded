// Slack's rule action, a message to a channel from a delivery of any provider, and the notify channel.
import type { SlackClient } from '../../../integrations/slack.js';
import { need, type NotifyChannel, type ProviderAction } from '../adapter.js';
import type { SlackTarget } from './target.js';

const CHANNEL_ID = /^[CGD][A-Z0-9]{1,30}$/;

/** SLACK_NOTIFY_CHANNEL, or the channel a rule names (`options.notify_channel`). */
export const SLACK_NOTIFY: NotifyChannel<SlackClient> = {
  configured: (config) => config.SLACK_NOTIFY_CHANNEL,
  problem: (channel) => (CHANNEL_ID.test(channel) ? undefined : 'a Slack channel id such as C0123ABC'),
  async post(client, channel, text) {
    const m = await need(client, 'Slack', 'SLACK_BOT_TOKEN').postMessage({ channel, text });
    return `${m.channel}/${m.ts}`;
  },
};

export const SLACK_ACTIONS: { slack_message: ProviderAction<SlackClient, SlackTarget> } = {
  slack_message: {
    posts: true,
    problems: (o) => (typeof o?.channel !== 'string' || !o.channel ? ['options.channel: slack_message needs a channel id'] : []),
    describe: (o) => `post to ${String(o.channel)}`,
    async send(client, _target, o, text) {
      const m = await need(client, 'Slack', 'SLACK_BOT_TOKEN').postMessage({ channel: String(o.channel), text });
      return `${m.channel}/${m.ts}`;
    },
  },
};
