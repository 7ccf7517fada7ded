import { createSentryClient, type SentryClient } from '../../../integrations/sentry.js';
import { LINK_SEGMENT, need, type ProviderAdapter } from '../adapter.js';
import type { SentryTarget } from '../types.js';
import { parseDelivery } from './parse.js';
import { verifySentry } from './verify.js';

/** Sentry integration: issue and event alerts and comments; replies as issue comments. */
export const sentry: ProviderAdapter<SentryClient, SentryTarget> = {
  name: 'sentry',
  settings: { secret: 'SENTRY_CLIENT_SECRET', postBackSettings: 'SENTRY_AUTH_TOKEN' },
  enabled: (config) => !!config.SENTRY_CLIENT_SECRET,
  signature: { headers: ['sentry-hook-signature'], describe: 'Sentry-Hook-Signature: <hex>' },
  deliveryHeaders: ['sentry-hook-resource', 'sentry-hook-timestamp', 'request-id'],
  verify: (secret, body, h) => verifySentry(secret, body, h['sentry-hook-signature']),
  parse: parseDelivery,
  dryRunHeaders: (eventType) => ({ 'sentry-hook-resource': eventType.split('.')[0]! }),
  payloadRoots: ['action', 'data', 'actor', 'installation'],
  markup: 'markdown',
  isSelf: () => false,
  selfIds: () => [],
  // A comment.* delivery names the note; notes the service posted are recorded as comment:<id>.
  ownPostId(event) {
    if (!event.eventType.startsWith('comment.')) return undefined;
    const id = (event.payload as { data?: { comment_id?: unknown } } | undefined)?.data?.comment_id;
    return id === undefined || id === null ? undefined : `comment:${String(id)}`;
  },

  createClient(config, retries) {
    if (!config.SENTRY_AUTH_TOKEN) return undefined;
    return createSentryClient({ baseUrl: config.SENTRY_URL, authToken: config.SENTRY_AUTH_TOKEN, organizationSlug: config.SENTRY_ORG, retry: retries.others });
  },

  /** Allowed projects (default all). Nobody is a maintainer: an alert only analyses; edits wait for approval. */
  permissions: (c) => ({
    async check(event) {
      if (!event.actor) return { allowed: false, why: 'the delivery names no user' };
      const project = sentryProject(event.payload);
      if (c.SENTRY_ALLOWED_PROJECTS.length && !(project && c.SENTRY_ALLOWED_PROJECTS.includes(project))) {
        return { allowed: false, why: `Sentry project ${project ?? '(unknown)'} is not in SENTRY_ALLOWED_PROJECTS` };
      }
      return { allowed: true, maintainer: false, why: 'Sentry integration event' };
    },
  }),

  // Sentry has no reactions.
  acknowledge: async () => undefined,

  async reply(client, t, text) {
    const note = await need(client, 'Sentry', 'SENTRY_AUTH_TOKEN').addIssueComment({ issueId: t.issueId, text, organizationSlug: t.organizationSlug });
    return `comment:${note.id}`;
  },

  // Sentry lets a note's author edit it (PUT …/issues/<id>/comments/<note id>/, the endpoint its UI uses).
  async edit(client, t, postId, text) {
    const commentId = postId.slice('comment:'.length);
    await need(client, 'Sentry', 'SENTRY_AUTH_TOKEN').updateIssueComment({ issueId: t.issueId, commentId, text, organizationSlug: t.organizationSlug });
  },

  // What the rest of the service asks of it, where it applies: thread links and targets, code host, actions…
  threadLinks: [
    {
      // https://acme.sentry.io/issues/1117540176/, https://sentry.io/organizations/acme/issues/1117540176/
      pattern: `https?://[A-Za-z0-9.:-]{0,200}sentry[A-Za-z0-9.:-]{0,200}/(?:organizations/${LINK_SEGMENT}/)?issues/([0-9]{1,20})\\b`,
      thread: (g) => `sentry-issue-${g(1)}`,
    },
  ],
};

/** Where a Sentry payload names its project: issue alerts, event alerts and metric alerts differ. */
interface SentryProjectFields {
  issue?: { project?: { slug?: string } };
  event?: { project_slug?: string };
  project_slug?: string;
}

function sentryProject(payload: unknown): string | undefined {
  const data = (payload as { data?: SentryProjectFields } | undefined)?.data;
  return data?.issue?.project?.slug ?? data?.event?.project_slug ?? data?.project_slug ?? undefined;
}
