import type { Config } from '../config.js';
import { createGithubClient, type GithubClient } from '../integrations/github.js';
import { createJiraClient, type JiraClient } from '../integrations/jira.js';
import { createSentryClient, type SentryClient } from '../integrations/sentry.js';
import { createSlackClient, type SlackClient } from '../integrations/slack.js';
import { slackResponseOrigins } from './outbound-hosts.js';
import type { ProviderRetryOptions } from './providers/adapter.js';

/** The outbound clients the configuration allows; a provider without credentials has none (and says so when used). */
export interface ProviderClients {
  github?: GithubClient;
  slack?: SlackClient;
  jira?: JiraClient;
  sentry?: SentryClient;
}

export type { ProviderRetryOptions };

export function createProviderClients(config: Config, retries: ProviderRetryOptions = {}): ProviderClients {
  const retry = retries.others;
  const clients: ProviderClients = {};
  const githubAuth = config.GITHUB_APP_ID && config.GITHUB_APP_PRIVATE_KEY
    ? { appId: config.GITHUB_APP_ID, privateKey: config.GITHUB_APP_PRIVATE_KEY }
    : config.GITHUB_TOKEN
      ? { token: config.GITHUB_TOKEN }
      : undefined;
  if (githubAuth) clients.github = createGithubClient(githubAuth, { baseUrl: config.GITHUB_API_URL, retry: retries.github });
  if (config.SLACK_BOT_TOKEN) {
    clients.slack = createSlackClient({ token: config.SLACK_BOT_TOKEN, apiUrl: config.SLACK_API_URL, retry, responseUrlOrigins: slackResponseOrigins(config) });
  }
  if (config.JIRA_BASE_URL && config.JIRA_EMAIL && config.JIRA_API_TOKEN) {
    clients.jira = createJiraClient({ baseUrl: config.JIRA_BASE_URL, email: config.JIRA_EMAIL, apiToken: config.JIRA_API_TOKEN, retry });
  }
  if (config.SENTRY_AUTH_TOKEN) {
    clients.sentry = createSentryClient({ baseUrl: config.SENTRY_URL, authToken: config.SENTRY_AUTH_TOKEN, organizationSlug: config.SENTRY_ORG, retry });
  }
  return clients;
}
