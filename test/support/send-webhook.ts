// Signed deliveries to a running service, one sender per provider, shared by the webhook tests that post many.
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/paths.js';
import { signGithub, signJira, signSentry, signSlack } from './signing.js';

export const WEBHOOK_SECRETS = { github: 'gh-secret', slack: 'slack-secret', jira: 'jira-secret', sentry: 'sentry-secret' };

/** The provider env a harness needs so every sender below is accepted. */
export function webhookEnv(urls: { github?: string; slack?: string; jira?: string; sentry?: string }): Record<string, string> {
  return {
    GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRETS.github,
    SLACK_SIGNING_SECRET: WEBHOOK_SECRETS.slack,
    JIRA_WEBHOOK_SECRET: WEBHOOK_SECRETS.jira,
    SENTRY_CLIENT_SECRET: WEBHOOK_SECRETS.sentry,
    ...(urls.github ? { GITHUB_TOKEN: 'ghp_test_token', GITHUB_API_URL: urls.github } : {}),
    ...(urls.slack ? { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: `${urls.slack}/api/` } : {}),
    ...(urls.jira ? { JIRA_BASE_URL: urls.jira, JIRA_EMAIL: 'agent@example.com', JIRA_API_TOKEN: 'jira-token' } : {}),
    ...(urls.sentry ? { SENTRY_AUTH_TOKEN: 'sentry-token', SENTRY_URL: urls.sentry, SENTRY_ORG: 'acme' } : {}),
  };
}

export const fixture = (p: string) => JSON.parse(fs.readFileSync(path.join(projectRoot, 'test', 'fixtures', p), 'utf8'));

let sequence = 0;
export const nextDeliveryId = (prefix: string) => `${prefix}-${Date.now()}-${++sequence}`;

export interface Answer {
  status: number;
  body: any;
}

export function webhookSender(baseUrl: string) {
  const post = async (p: string, body: string, headers: Record<string, string>): Promise<Answer> => {
    const res = await fetch(`${baseUrl}${p}`, { method: 'POST', headers, body });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      return { status: res.status, body: text };
    }
  };
  return {
    github: (event: string, payload: unknown, delivery = nextDeliveryId('gh')) => {
      const body = JSON.stringify(payload);
      return post('/webhooks/github', body, {
        'content-type': 'application/json',
        'x-github-event': event,
        'x-github-delivery': delivery,
        'x-hub-signature-256': signGithub(WEBHOOK_SECRETS.github, body),
      });
    },
    jira: (payload: unknown, delivery = nextDeliveryId('jira')) => {
      const body = JSON.stringify(payload);
      return post('/webhooks/jira', body, {
        'content-type': 'application/json',
        'x-atlassian-webhook-identifier': delivery,
        'x-hub-signature': signJira(WEBHOOK_SECRETS.jira, body),
      });
    },
    sentry: (resource: string, payload: unknown, delivery = nextDeliveryId('sentry').replace(/-/g, '')) => {
      const body = JSON.stringify(payload);
      return post('/webhooks/sentry', body, {
        'content-type': 'application/json',
        'request-id': delivery,
        'sentry-hook-resource': resource,
        'sentry-hook-timestamp': String(Math.floor(Date.now() / 1000)),
        'sentry-hook-signature': signSentry(WEBHOOK_SECRETS.sentry, body),
      });
    },
    slackForm: (fields: Record<string, string>) => {
      const body = new URLSearchParams(fields).toString();
      const ts = Math.floor(Date.now() / 1000);
      return post('/webhooks/slack', body, {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': signSlack(WEBHOOK_SECRETS.slack, body, ts),
      });
    },
  };
}
