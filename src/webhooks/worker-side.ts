// A worker's webhook side, assembled in one place: services.ts registers what this returns and starts it.
import type { Services } from '../services.js';
import type { TaskObserver } from '../worker/observers.js';
import { ApprovalPoller } from './approval-poller.js';
import { PostBack } from './post-back.js';

/** A worker's webhook side: the post-back that follows each run, and the poller that finds 👍 approvals on GitHub. */
export function webhookWorkerSide(s: Pick<Services, 'config' | 'repos' | 'tasks' | 'clients' | 'log'>): {
  observers: TaskObserver[];
  start(): void;
  stop(): void;
} {
  const { config, repos, tasks, clients, log } = s;
  const approvals = new ApprovalPoller({ repos, tasks, clients, log }, config.APPROVAL_POLL_SECONDS * 1000);
  return {
    observers: [new PostBack(config, clients, repos, log)],
    start: () => approvals.start(),
    stop: () => approvals.stop(),
  };
}
