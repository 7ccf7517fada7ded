import type { Logger } from '../../../logger.js';
import type { Repositories } from '../../../storage/repositories/index.js';
import type { TaskService } from '../../../tasks/task-service.js';
import type { ProviderClients } from '../../clients.js';
import { threadMetadata } from '../../thread-task.js';

/**
 * GitHub sends no webhook for reactions, so a 👍 on the "waits for approval" comment is found by polling: a +1 from
 * a person with write access (or more) to the repository approves the task, exactly like `@agent approve`.
 */
export class ApprovalPoller {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly deps: { repos: Repositories; tasks: TaskService; clients: ProviderClients; log: Logger },
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (!this.deps.clients.github || this.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async poll(): Promise<string[]> {
    const github = this.deps.clients.github;
    if (!github || this.running) return [];
    this.running = true;
    const approved: string[] = [];
    try {
      for (const task of await this.deps.repos.tasks.idsWithStatus('waiting_approval')) {
        if (task.source !== 'github') continue;
        const target = threadMetadata(task)?.target;
        if (target?.provider !== 'github') continue;
        const repo = { owner: target.owner, repo: target.repo, installationId: target.installationId };
        const posts = await this.deps.repos.webhookEvents.postsForTask(task.task_id);
        for (const post of posts.filter((p) => p.provider === 'github' && p.external_id.startsWith('comment:'))) {
          const reactions = await github.listCommentReactions({ ...repo, commentId: Number(post.external_id.slice('comment:'.length)) });
          let approver: string | undefined;
          for (const r of reactions.filter((x) => x.content === '+1' && !x.isBot)) {
            const permission = await github.getPermission({ ...repo, username: r.login });
            if (permission === 'admin' || permission === 'maintain' || permission === 'write') {
              approver = r.login;
              break;
            }
          }
          if (!approver) continue;
          if (await this.deps.tasks.approve(task.task_id)) {
            approved.push(task.task_id);
            const c = await github.createIssueComment({ ...repo, issueNumber: target.issueNumber, body: `Approved by ${approver} (👍); starting.` });
            await this.deps.repos.webhookEvents.recordPost('github', `comment:${c.id}`, task.task_id);
          }
          break;
        }
      }
    } catch (err) {
      this.deps.log.warn({ err }, 'polling GitHub approval reactions failed');
    } finally {
      this.running = false;
    }
    return approved;
  }
}
