import { z } from 'zod';
import { bool, list, optionalString, url } from './fields.js';

/** Each provider's webhook secret, API credentials and allow-lists; then the Anthropic credentials runs are handed. */
export const providerSettings = {
  GITHUB_WEBHOOK_SECRET: optionalString,
  /** The service's own GitHub login: its comments never trigger it. */
  GITHUB_BOT_LOGIN: optionalString,
  /** Logins that may trigger commands without write permission on the repository. */
  GITHUB_ALLOWED_USERS: list,
  GITHUB_TOKEN: optionalString,
  GITHUB_APP_ID: optionalString,
  GITHUB_APP_PRIVATE_KEY: optionalString,
  GITHUB_API_URL: url(['http', 'https']),
  /** Clone tasks' repositories into their workspaces before the run (GitHub tasks only). */
  GITHUB_CHECKOUT: bool(true),
  /** Base URL to clone from (`<base>/<owner>/<repo>.git`); default: derived from GITHUB_API_URL, else github.com. */
  GITHUB_CLONE_URL: optionalString,
  /**
   * A run that changed files in its checkout ends with the service committing them, pushing `agent/<flow>-<n>` and
   * opening a draft pull request (a follow-up in that pull request pushes to the same branch).
   */
  GITHUB_PULL_REQUESTS: bool(true),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_BOT_TOKEN: optionalString,
  SLACK_API_URL: url(['http', 'https']),
  SLACK_NOTIFY_CHANNEL: optionalString,
  /** Hosts a slash command's response_url may name besides hooks.slack.com and SLACK_API_URL's host. */
  SLACK_RESPONSE_URL_HOSTS: list,
  /** The bot's user id: `<@ID>` in a message addresses the agent, and its own messages never trigger it. */
  SLACK_BOT_USER_ID: optionalString,
  /** Empty: everyone in the workspace may trigger commands. */
  SLACK_ALLOWED_USERS: list,
  SLACK_ALLOWED_CHANNELS: list,
  /** Users whose edit commands need no approval (Slack has no repository permissions to ask). */
  SLACK_MAINTAINERS: list,
  JIRA_WEBHOOK_SECRET: optionalString,
  JIRA_BASE_URL: url(['http', 'https']),
  JIRA_EMAIL: optionalString,
  JIRA_API_TOKEN: optionalString,
  /** The agent's Jira account: issues assigned to it trigger it, and its own comments never do. */
  JIRA_BOT_ACCOUNT_ID: optionalString,
  /** Project keys that may trigger the agent; empty: all. */
  JIRA_ALLOWED_PROJECTS: list,
  JIRA_MAINTAINERS: list,
  /** Where the `ticket` command opens Jira issues (a project key); unset, `ticket` answers that it is not set up. */
  JIRA_TICKET_PROJECT: optionalString,
  /** The issue type of those issues. */
  JIRA_TICKET_ISSUE_TYPE: z.string().trim().min(1).default('Task'),
  /**
   * The GitHub repository each Jira project's code lives in, `PROJ=owner/repo` comma list: a Jira task checks it out,
   * and a run that changed files there ends with a draft pull request, as from GitHub.
   */
  JIRA_REPOSITORIES: list.pipe(
    z.array(z.string().regex(/^[A-Z][A-Z0-9_]{1,9}=[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/, 'each entry is PROJECT=owner/repo, e.g. OPS=acme/api')),
  ),
  SENTRY_CLIENT_SECRET: optionalString,
  SENTRY_AUTH_TOKEN: optionalString,
  SENTRY_URL: url(['http', 'https']),
  SENTRY_ORG: optionalString,
  /** Project slugs that may trigger the agent; empty: all. */
  SENTRY_ALLOWED_PROJECTS: list,
  /** GitLab: the token every webhook sends in X-Gitlab-Token; unset, POST /webhooks/gitlab is refused (fail closed). */
  GITLAB_WEBHOOK_SECRET: optionalString,
  /** Access token (api scope) for notes, award emoji, member lookups and cloning; held by the service, never a run. */
  GITLAB_TOKEN: optionalString,
  /** The GitLab instance (without /api/v4). */
  GITLAB_URL: url(['http', 'https']).transform((v) => (v ?? 'https://gitlab.com').replace(/\/+$/, '')),
  /** The token's own username: its notes never trigger it. */
  GITLAB_BOT_USERNAME: optionalString,
  /** Base URL to clone from (`<base>/<group>/<project>.git`); default GITLAB_URL. */
  GITLAB_CLONE_URL: optionalString,
  /**
   * A GitLab run that changed files ends with the service pushing `agent/<flow>-<n>` (with GITLAB_TOKEN) and opening a
   * draft merge request (a follow-up in that merge request pushes to the same branch).
   */
  GITLAB_MERGE_REQUESTS: bool(true),

  // Anthropic credentials: handed to Claude Code children, never used or logged by the service itself.
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_AUTH_TOKEN: optionalString,
  CLAUDE_CODE_OAUTH_TOKEN: optionalString,
  ANTHROPIC_BASE_URL: url(['http', 'https']),

  /** Demo mode: the service runs against its own scripted model; every screen says so. */
  DEMO_MODE: bool(false),
};
