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
