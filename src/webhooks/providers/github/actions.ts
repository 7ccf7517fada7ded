// GitHub's rule actions: a reaction on the triggering comment (or the issue), labels on the issue or pull request.
import type { GithubClient } from '../../../integrations/github.js';
import { need, type ProviderAction } from '../adapter.js';
import type { GithubTarget } from './target.js';

const REACTIONS = ['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes'] as const;
const THREAD = 'a GitHub issue or pull request';
const POST_BACK = 'GITHUB_TOKEN or GITHUB_APP_ID';

type GithubAction = ProviderAction<GithubClient, GithubTarget>;

const repoOf = (t: GithubTarget) => ({ owner: t.owner, repo: t.repo, installationId: t.installationId });
const onThread = (t: GithubTarget | undefined): GithubTarget => {
  if (!t) throw new Error(`this delivery is not about ${THREAD}`);
  return t;
};

export const GITHUB_ACTIONS: { github_reaction: GithubAction; github_label: GithubAction } = {
  github_reaction: {
    onItsThread: THREAD,
    posts: false,
    problems: (o) => (o?.reaction !== undefined && !REACTIONS.includes(o.reaction as never) ? [`options.reaction: must be one of ${REACTIONS.join(', ')}`] : []),
    describe: (o) => `react ${String(o.reaction ?? 'eyes')}`,
    async send(client, target, o) {
      const t = onThread(target);
      const on = t.reviewCommentId ? { kind: 'review_comment' as const, id: t.reviewCommentId } : t.commentId ? { kind: 'issue_comment' as const, id: t.commentId } : { kind: 'issue' as const, id: t.issueNumber };
      await need(client, 'GitHub', POST_BACK).addReaction({ ...repoOf(t), target: on, content: (o.reaction as 'eyes' | undefined) ?? 'eyes' });
      return undefined;
    },
  },
  github_label: {
    onItsThread: THREAD,
    posts: false,
    problems(o) {
      const labels = o?.labels;
      const ok = Array.isArray(labels) && labels.length > 0 && labels.every((l) => typeof l === 'string' && l.length > 0 && l.length <= 50);
      return ok ? [] : ['options.labels: github_label needs a list of label names'];
    },
    describe: (o) => `add labels ${(o.labels as string[]).join(', ')}`,
    async send(client, target, o) {
      const t = onThread(target);
      await need(client, 'GitHub', POST_BACK).addLabels({ ...repoOf(t), issueNumber: t.issueNumber, labels: o.labels as string[] });
      return undefined;
    },
  },
};
