// Signed deliveries to a running service, one sender per provider, shared by the webhook tests that post many.
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/paths.js';
import { type FakeGithub, type FakeGithubOptions, type FakeProvider, startFakeGithub, startFakeJira, startFakeSentry, startFakeSlack } from './fake-providers.js';
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

export interface FakeProviders {
  github: FakeGithub;
  slack: FakeProvider;
  jira: FakeProvider;
  sentry: FakeProvider;
  /** webhookEnv for all four: the service talks to these fakes and accepts every sender below. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** The fake GitHub, Slack, Jira and Sentry APIs together, for tests that take deliveries from all of them. */
export async function startFakeProviders(github: FakeGithubOptions = {}): Promise<FakeProviders> {
  const fakes = { github: await startFakeGithub(github), slack: await startFakeSlack(), jira: await startFakeJira(), sentry: await startFakeSentry() };
  const all = Object.values(fakes);
  return {
    ...fakes,
    env: webhookEnv({ github: fakes.github.url, slack: fakes.slack.url, jira: fakes.jira.url, sentry: fakes.sentry.url }),
    close: async () => void (await Promise.all(all.map((f) => f.close()))),
  };
}

export const fixture = (p: string) => JSON.parse(fs.readFileSync(path.join(projectRoot, 'test', 'fixtures', p), 'utf8'));

let sequence = 0;
export const nextDeliveryId = (prefix: string) => `${prefix}-${Date.now()}-${++sequence}`;

let comments = 0;
/** GitHub's issue_comment.created example: `text` commented on `issue` by `login`, under a comment id of its own. */
export function githubIssueComment(issue: number, login: string, text: string) {
  const payload = fixture('github/issue_comment.created.json');
  payload.comment.body = text;
  payload.comment.id = 700_000 + ++comments;
  payload.comment.user.login = login;
  payload.sender.login = login;
  payload.issue.number = issue;
  return payload;
}

export interface Answer {
  status: number;
  body: any;
}

/** Sends `body` exactly as given (JSON unless `headers` say otherwise) and parses the answer when it is JSON. */
export async function sendBody(baseUrl: string, p: string, body: string, headers: Record<string, string> = {}, method = 'POST'): Promise<Answer> {
  const res = await fetch(`${baseUrl}${p}`, { method, headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

export interface GithubOptions {
  delivery?: string;
  /** The X-Hub-Signature-256 to send instead of the right one; 'none' sends none. */
  signature?: string;
}

export interface SlackOptions {
  /** X-Slack-Request-Timestamp in seconds (now by default); the signature is made for it. */
  ts?: number;
  contentType?: string;
  /** X-Slack-Retry-Num, sent with the reason http_timeout. */
  retry?: string;
}

/** Senders of signed deliveries to the service at `baseUrl`; the `…Body` ones send a body string byte for byte. */
export function webhookSender(baseUrl: string) {
  const post = (p: string, body: string, headers: Record<string, string>) => sendBody(baseUrl, p, body, headers);
  const githubBody = (event: string, body: string, opts: GithubOptions = {}) =>
    post('/webhooks/github', body, {
      'x-github-event': event,
      'x-github-delivery': opts.delivery ?? nextDeliveryId('gh'),
      ...(opts.signature === 'none' ? {} : { 'x-hub-signature-256': opts.signature ?? signGithub(WEBHOOK_SECRETS.github, body) }),
    });
  const slackBody = (body: string, opts: SlackOptions = {}) => {
    const ts = opts.ts ?? Math.floor(Date.now() / 1000);
    return post('/webhooks/slack', body, {
      'content-type': opts.contentType ?? 'application/json',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signSlack(WEBHOOK_SECRETS.slack, body, ts),
      ...(opts.retry ? { 'x-slack-retry-num': opts.retry, 'x-slack-retry-reason': 'http_timeout' } : {}),
    });
  };
  return {
    post,
    githubBody,
    github: (event: string, payload: unknown, delivery?: string) => githubBody(event, JSON.stringify(payload), { delivery }),
    jira: (payload: unknown, delivery = nextDeliveryId('jira')) => {
      const body = JSON.stringify(payload);
      return post('/webhooks/jira', body, { 'x-atlassian-webhook-identifier': delivery, 'x-hub-signature': signJira(WEBHOOK_SECRETS.jira, body) });
    },
    sentry: (resource: string, payload: unknown, delivery = nextDeliveryId('sentry').replace(/-/g, '')) => {
      const body = JSON.stringify(payload);
      return post('/webhooks/sentry', body, {
        'request-id': delivery,
        'sentry-hook-resource': resource,
        'sentry-hook-timestamp': String(Math.floor(Date.now() / 1000)),
        'sentry-hook-signature': signSentry(WEBHOOK_SECRETS.sentry, body),
      });
    },
    slackBody,
    slack: (payload: unknown, opts?: SlackOptions) => slackBody(JSON.stringify(payload), opts),
    slackForm: (fields: Record<string, string> | URLSearchParams, opts: SlackOptions = {}) =>
      slackBody(new URLSearchParams(fields).toString(), { ...opts, contentType: 'application/x-www-form-urlencoded' }),
  };
}

export type WebhookSender = ReturnType<typeof webhookSender>;
