import type { Config } from '../config.js';
import { PROVIDER_NAMES, type ProviderName } from '../contracts/webhook-commands.js';
import * as github from './providers/github.js';
import * as jira from './providers/jira.js';
import * as sentry from './providers/sentry.js';
import * as slack from './providers/slack.js';
import type { ParsedDelivery, RawDelivery } from './providers/types.js';
import { type Verification, verifyGithub, verifyJira, verifySentry, verifySlack } from './signatures.js';

export { PROVIDER_NAMES, type ProviderName };

type SecretSetting = 'GITHUB_WEBHOOK_SECRET' | 'SLACK_SIGNING_SECRET' | 'JIRA_WEBHOOK_SECRET' | 'SENTRY_CLIENT_SECRET';

/** Providers described as data: which setting holds the secret, which header signs, how a body becomes an event. */
export interface ProviderSpec {
  secretSetting: SecretSetting & keyof Config;
  verify(secret: string, rawBody: string, headers: Record<string, string>, nowMs: number): Promise<Verification> | Verification;
  parse(delivery: RawDelivery): ParsedDelivery;
}

export const PROVIDERS: Record<ProviderName, ProviderSpec> = {
  github: {
    secretSetting: 'GITHUB_WEBHOOK_SECRET',
    verify: (secret, body, h) => verifyGithub(secret, body, h['x-hub-signature-256']),
    parse: github.parseDelivery,
  },
  slack: {
    secretSetting: 'SLACK_SIGNING_SECRET',
    verify: (secret, body, h, now) => verifySlack(secret, body, h['x-slack-signature'], h['x-slack-request-timestamp'], now),
    parse: slack.parseDelivery,
  },
  jira: {
    secretSetting: 'JIRA_WEBHOOK_SECRET',
    verify: (secret, body, h) => verifyJira(secret, body, h['x-hub-signature']),
    parse: jira.parseDelivery,
  },
  sentry: {
    secretSetting: 'SENTRY_CLIENT_SECRET',
    verify: (secret, body, h) => verifySentry(secret, body, h['sentry-hook-signature']),
    parse: sentry.parseDelivery,
  },
};

export function isProvider(name: string): name is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(name);
}
