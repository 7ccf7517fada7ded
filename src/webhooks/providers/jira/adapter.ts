import { createJiraClient, type JiraClient } from '../../../integrations/jira.js';
import { need, type ProviderAdapter } from '../adapter.js';
import { githubCheckoutSource } from '../github/checkout.js';
import type { JiraTarget } from '../types.js';
import { jiraHost } from './code-host.js';
import { parseDelivery } from './parse.js';
import { jiraRepository } from './repository.js';
import { jiraTicketFailed, openJiraTicket } from './ticket.js';
import { verifyJira } from './verify.js';

const POST_BACK = 'JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN';

/** Jira Cloud: issues created, updated, assigned to the agent, and comments; replies as comments. */
export const jira: ProviderAdapter<JiraClient, JiraTarget> = {
  name: 'jira',
  settings: { secret: 'JIRA_WEBHOOK_SECRET', postBackSettings: POST_BACK },
  enabled: (config) => !!config.JIRA_WEBHOOK_SECRET,
  signature: { headers: ['x-hub-signature'], describe: 'X-Hub-Signature: sha256=<hex>' },
  deliveryHeaders: ['x-atlassian-webhook-identifier'],
  verify: (secret, body, h) => verifyJira(secret, body, h['x-hub-signature']),
  parse: parseDelivery,
  dryRunHeaders: () => ({}),
  payloadRoots: [
    'webhookEvent', 'timestamp', 'issue_event_type_name', 'issue', 'comment', 'user', 'changelog',
    'assigneeAccountId', // added by the Jira parser to jira:issue_assigned
  ],
  markup: 'markdown',
  isSelf: (actor, config) => !!config.JIRA_BOT_ACCOUNT_ID && actor.id === config.JIRA_BOT_ACCOUNT_ID,
  selfIds: (config) => (config.JIRA_BOT_ACCOUNT_ID ? [config.JIRA_BOT_ACCOUNT_ID] : []),
  ownPostId(event) {
    const id = (event.payload as { comment?: { id?: unknown } } | undefined)?.comment?.id;
    return id ? `comment:${String(id)}` : undefined;
  },

  createClient(config, retries) {
    if (!(config.JIRA_BASE_URL && config.JIRA_EMAIL && config.JIRA_API_TOKEN)) return undefined;
    return createJiraClient({ baseUrl: config.JIRA_BASE_URL, email: config.JIRA_EMAIL, apiToken: config.JIRA_API_TOKEN, retry: retries.others });
  },

  /** Allowed projects (default all); JIRA_MAINTAINERS need no approval. */
  permissions: (c) => ({
    async check(event) {
      const actor = event.actor;
      if (!actor) return { allowed: false, why: 'the delivery names no user' };
      const project = event.target.issueKey.split('-')[0] ?? '';
      if (c.JIRA_ALLOWED_PROJECTS.length && !c.JIRA_ALLOWED_PROJECTS.includes(project)) return { allowed: false, why: `Jira project ${project} is not in JIRA_ALLOWED_PROJECTS` };
      return { allowed: true, maintainer: c.JIRA_MAINTAINERS.includes(actor.id), why: `Jira project ${project} is allowed` };
    },
  }),

  // Jira has no reactions on comments through its REST API.
  acknowledge: async () => undefined,

  async reply(client, t, text) {
    const c = await need(client, 'Jira', POST_BACK).addComment({ issueKey: t.issueKey, text });
    return `comment:${c.id}`;
  },

  /** The project's repository on GitHub (JIRA_REPOSITORIES), checked out like a GitHub task's. */
  async checkout(_client, t, config) {
    const repository = jiraRepository(config, t.issueKey);
    if (!repository || !config.GITHUB_CHECKOUT) return undefined;
    return githubCheckoutSource(config, { ...repository, issueNumber: 0, isPullRequest: false });
  },

  async edit(client, t, postId, text) {
    await need(client, 'Jira', POST_BACK).updateComment({ issueKey: t.issueKey, commentId: postId.slice('comment:'.length), text });
  },

  // What the rest of the service asks of it, where it applies: thread links and targets, code host, actions…
  codeHost: jiraHost,
  threadTarget: (issueKey) => ({ provider: 'jira', issueKey }),
  afterRunSteps: { jira_issue: { run: openJiraTicket, failed: jiraTicketFailed } },
  threadLinks: [
    {
      // PROJ-5: a Jira key, alone or in a /browse/ URL. Upper-case project keys only, so "utf-8" or "sha-256" are not;
      // not inside a path or word (a repository named PROJ-5 in a URL is not the key).
      pattern: '(?:^|[^A-Za-z0-9_/.-]|/browse/)([A-Z][A-Z0-9_]{1,9}-[0-9]{1,9})\\b',
      thread: (g) => g(1),
    },
  ],
};
