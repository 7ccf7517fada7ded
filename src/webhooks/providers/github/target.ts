import type { PostBackTarget } from '../types.js';

/** Where replies to a Github delivery go (recorded on its task for the post-back). */
export interface GithubTarget {
  provider: 'github';
  owner: string;
  repo: string;
  issueNumber: number;
  isPullRequest: boolean;
  /** The triggering issue/PR conversation comment (for the 👀 reaction). */
  commentId?: number;
  /** The triggering inline review comment (for the 👀 reaction). */
  reviewCommentId?: number;
  /** Top-level comment of that review thread: GitHub only accepts replies to it, not to replies. */
  replyToReviewCommentId?: number;
  installationId?: number;
}

/**
 * The target of `owner/repo#12` from its id alone, as an issue (a pull request takes issue comments too), with the
 * asking thread's App installation when it is in the same repository.
 */
export function githubThreadTarget(thread: string, asker: PostBackTarget | undefined): GithubTarget | undefined {
  const gh = /^([^/]+)\/([^#]+)#(\d+)$/.exec(thread);
  if (!gh) return undefined;
  const [owner, repo] = [gh[1]!, gh[2]!];
  const installationId = asker?.provider === 'github' && asker.owner === owner && asker.repo === repo ? asker.installationId : undefined;
  return { provider: 'github', owner, repo, issueNumber: Number(gh[3]), isPullRequest: false, ...(installationId ? { installationId } : {}) };
}
