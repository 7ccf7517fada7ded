import type { Logger } from '../logger.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { ProviderClients } from './clients.js';
import type { PostBackTarget, ProviderEvent } from './providers/types.js';

/**
 * Replies on the provider's side that belong to the delivery itself (the 👀 reaction, help, refusals, "waits for
 * approval"). They are sent after the webhook has been answered and never hold it up; a failure is logged and, when
 * a task exists, recorded on it.
 */
export class Responder {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly clients: ProviderClients,
    private readonly repos: Repositories,
    private readonly log: Logger,
  ) {}

  acknowledge(event: ProviderEvent): void {
    this.track(async () => {
      const t = event.target;
      if (t.provider === 'github' && this.clients.github) {
        const target = t.reviewCommentId
          ? { kind: 'review_comment' as const, id: t.reviewCommentId }
          : t.commentId
            ? { kind: 'issue_comment' as const, id: t.commentId }
            : { kind: 'issue' as const, id: t.issueNumber };
        await this.clients.github.addReaction({ owner: t.owner, repo: t.repo, target, content: 'eyes', installationId: t.installationId });
      } else if (t.provider === 'slack' && this.clients.slack && t.messageTs) {
        await this.clients.slack.addReaction({ channel: t.channel, timestamp: t.messageTs, name: 'eyes' });
      }
    }, 'reaction');
  }

  later(event: ProviderEvent, text: string, opts: { taskId?: string; approvalButtons?: boolean } = {}): void {
    this.track(async () => {
      const id = await postReply(this.clients, event.target, text, opts.approvalButtons ? opts.taskId : undefined);
      if (id) await this.repos.webhookEvents.recordPost(event.provider, id, opts.taskId ?? null);
    }, 'reply', opts.taskId);
  }

  /** Any other provider call that must not hold up the webhook's answer. */
  run(what: string, work: () => Promise<void>, taskId?: string): void {
    this.track(work, what, taskId);
  }

  /** Resolves when every reply sent so far has finished (tests and shutdown wait on it). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private track(work: () => Promise<void>, what: string, taskId?: string): void {
    const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch(async (err: unknown) => {
        this.log.warn({ err, task_id: taskId }, `webhook ${what} failed`);
        if (taskId) await this.repos.tasks.update(taskId, { post_back_error: `${what} failed: ${(err as Error).message}` }).catch(() => undefined);
      })
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }
}

/** Posts a new message in the thread; returns the id the loop guard records ("comment:123", "C1/1700.1"…). */
export async function postReply(clients: ProviderClients, t: PostBackTarget, text: string, approvalTaskId?: string): Promise<string | undefined> {
  switch (t.provider) {
    case 'github': {
      const gh = need(clients.github, 'GitHub', 'GITHUB_TOKEN or GITHUB_APP_ID');
      if (t.replyToReviewCommentId) {
        const c = await gh.replyToReviewComment({ owner: t.owner, repo: t.repo, pullNumber: t.issueNumber, commentId: t.replyToReviewCommentId, body: text, installationId: t.installationId });
        return `review_comment:${c.id}`;
      }
      const c = await gh.createIssueComment({ owner: t.owner, repo: t.repo, issueNumber: t.issueNumber, body: text, installationId: t.installationId });
      return `comment:${c.id}`;
    }
    case 'slack': {
      const slack = need(clients.slack, 'Slack', 'SLACK_BOT_TOKEN');
      if (!t.threadTs && t.responseUrl) {
        await slack.respond(t.responseUrl, { text, response_type: 'in_channel' });
        return undefined;
      }
      const blocks = approvalTaskId ? approvalBlocks(text, approvalTaskId) : undefined;
      const m = await slack.postMessage({ channel: t.channel, text, threadTs: t.threadTs || undefined, blocks });
      return `${m.channel}/${m.ts}`;
    }
    case 'jira': {
      const c = await need(clients.jira, 'Jira', 'JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN').addComment({ issueKey: t.issueKey, text });
      return `comment:${c.id}`;
    }
    case 'sentry': {
      await need(clients.sentry, 'Sentry', 'SENTRY_AUTH_TOKEN').addIssueComment({ issueId: t.issueId, text, organizationSlug: t.organizationSlug });
      return undefined;
    }
  }
}

function approvalBlocks(text: string, taskId: string) {
  return [
    { type: 'section', text: { type: 'mrkdwn', text } },
    {
      type: 'actions',
      block_id: `approval:${taskId}`,
      elements: [
        { type: 'button', action_id: 'approve', style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value: taskId },
        { type: 'button', action_id: 'reject', style: 'danger', text: { type: 'plain_text', text: 'Reject' }, value: taskId },
      ],
    },
  ];
}

export function need<T>(client: T | undefined, provider: string, settings: string): T {
  if (!client) throw new Error(`${provider} is not configured for posting back: set ${settings}`);
  return client;
}
