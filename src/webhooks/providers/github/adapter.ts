import { createGithubClient, type GithubClient } from '../../../integrations/github.js';
import { LINK_SEGMENT, need, type ProviderAdapter } from '../adapter.js';
import type { GithubTarget } from '../types.js';
import { GITHUB_ACTIONS } from './actions.js';
import { ApprovalPoller } from './approval-poller.js';
import { githubCheckoutSource } from './checkout.js';
import { githubHost, PULL_REQUESTS } from './code-host.js';
import { parseDelivery } from './parse.js';
import { githubPermissions } from './permission.js';
import { githubThreadTarget } from './target.js';
import { verifyGithub } from './verify.js';

const POST_BACK = 'GITHUB_TOKEN or GITHUB_APP_ID';

/** GitHub issues and pull requests: comments, review comments, labels; App or token auth. */
export const github: ProviderAdapter<GithubClient, GithubTarget> = {
  name: 'github',
  settings: { secret: 'GITHUB_WEBHOOK_SECRET', postBackSettings: POST_BACK },
  enabled: (config) => !!config.GITHUB_WEBHOOK_SECRET,
  // X-Hub-Signature (SHA-1) is sent too; it is never checked, only kept out of logs.
  signature: { headers: ['x-hub-signature-256', 'x-hub-signature'], describe: 'X-Hub-Signature-256: sha256=<hex>' },
  deliveryHeaders: ['x-github-event', 'x-github-delivery', 'x-github-hook-id'],
  verify: (secret, body, h) => verifyGithub(secret, body, h['x-hub-signature-256']),
  parse: parseDelivery,
  dryRunHeaders: (eventType) => ({ 'x-github-event': eventType.split('.')[0]! }),
  payloadRoots: [
    'action', 'repository', 'issue', 'pull_request', 'comment', 'review', 'sender', 'label', 'installation',
    'organization', 'enterprise', 'number', 'changes', 'assignee', 'milestone', 'requested_reviewer',
  ],
  markup: 'markdown',
  isSelf: (actor, config) => !!config.GITHUB_BOT_LOGIN && actor.name.toLowerCase() === config.GITHUB_BOT_LOGIN.toLowerCase(),
  selfIds: () => [],
  ownPostId: ({ target: t }) => (t.commentId ? `comment:${t.commentId}` : t.reviewCommentId ? `review_comment:${t.reviewCommentId}` : undefined),

  createClient(config, retries) {
    const auth = config.GITHUB_APP_ID && config.GITHUB_APP_PRIVATE_KEY
      ? { appId: config.GITHUB_APP_ID, privateKey: config.GITHUB_APP_PRIVATE_KEY }
      : config.GITHUB_TOKEN
        ? { token: config.GITHUB_TOKEN }
        : undefined;
    return auth ? createGithubClient(auth, { baseUrl: config.GITHUB_API_URL, retry: retries.github }) : undefined;
  },
  permissions: githubPermissions,

  async acknowledge(client, { target: t }) {
    if (!client) return;
    const target = t.reviewCommentId
      ? { kind: 'review_comment' as const, id: t.reviewCommentId }
      : t.commentId
        ? { kind: 'issue_comment' as const, id: t.commentId }
        : { kind: 'issue' as const, id: t.issueNumber };
    await client.addReaction({ owner: t.owner, repo: t.repo, target, content: 'eyes', installationId: t.installationId });
  },

  async reply(client, t, text) {
    const gh = need(client, 'GitHub', POST_BACK);
    const where = { owner: t.owner, repo: t.repo, body: text, installationId: t.installationId };
    if (t.replyToReviewCommentId) {
      const c = await gh.replyToReviewComment({ ...where, pullNumber: t.issueNumber, commentId: t.replyToReviewCommentId });
      return `review_comment:${c.id}`;
    }
    const c = await gh.createIssueComment({ ...where, issueNumber: t.issueNumber });
    return `comment:${c.id}`;
  },

  async edit(client, t, postId, text) {
    const gh = need(client, 'GitHub', POST_BACK);
    const [kind, raw] = postId.split(':');
    const where = { owner: t.owner, repo: t.repo, commentId: Number(raw), body: text, installationId: t.installationId };
    if (kind === 'review_comment') await gh.updateReviewComment(where);
    else await gh.updateIssueComment(where);
  },

  // The repository (a PR at its head), with an App installation token minted for it or GITHUB_TOKEN.
  checkout: async (_client, t, config) => (config.GITHUB_CHECKOUT ? githubCheckoutSource(config, t) : undefined),

  // What the rest of the service asks of it, where it applies: thread links and targets, code host, actions…
  threadTarget: githubThreadTarget,
  background: (deps) => new ApprovalPoller(deps, deps.config.APPROVAL_POLL_SECONDS * 1000),
  changeRequests: PULL_REQUESTS,
  codeHost: (deps, t) => githubHost(deps, { owner: t.owner, repo: t.repo, installationId: t.installationId }, t.isPullRequest ? t.issueNumber : undefined),
  threadLinks: [
    {
      // https://github.com/owner/repo/issues/12, …/pull/12 (GitHub Enterprise hosts too: the path is what names it;
      // Sentry's /organizations/<org>/issues/<id> has the same shape and is read by its own pattern)
      pattern: `https?://([A-Za-z0-9.:-]{1,200})/(${LINK_SEGMENT})/(${LINK_SEGMENT})/(?:issues|pull)/([0-9]{1,10})\\b`,
      thread: (g) => (/sentry/i.test(g(1)) ? undefined : `${g(2)}/${g(3)}#${g(4)}`),
    },
  ],
  actions: GITHUB_ACTIONS,
};
