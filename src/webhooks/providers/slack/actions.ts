// Slack's rule action: a message to a channel, from a delivery of any provider.
import type { SlackClient } from '../../../integrations/slack.js';
import { need, type ProviderAction } from '../adapter.js';
import type { SlackTarget } from './target.js';

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
