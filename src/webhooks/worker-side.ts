// A worker's webhook side, assembled in one place: services.ts registers what this returns and starts it.
import type { Services } from '../services.js';
import type { TaskObserver } from '../worker/observers.js';
import { FlowAfterRun } from '../flows/after-run.js';
import { ApprovalPoller } from './approval-poller.js';
import { PostBack } from './post-back.js';
import { RuleScheduler } from './scheduler.js';

/**
 * A worker's webhook side: the post-back that follows each run, then what a flow does with the result (a Jira issue
 * opened, the notify channel told), the poller that finds 👍 approvals on GitHub, and the scheduler of rules with a
 * cron schedule (every worker runs one; each slot fires once across them).
 */
export function webhookWorkerSide(s: Pick<Services, 'config' | 'repos' | 'tasks' | 'clients' | 'log'>): {
  observers: TaskObserver[];
  start(): void;
  stop(): void;
} {
  const { config, repos, tasks, clients, log } = s;
  const approvals = new ApprovalPoller({ repos, tasks, clients, log }, config.APPROVAL_POLL_SECONDS * 1000);
  const scheduler = new RuleScheduler({ repos, tasks, log, tickMs: config.SCHEDULER_TICK_SECONDS * 1000, brainWrap: config.WEBHOOK_BRAIN_WRAP });
  return {
    observers: [new PostBack(config, clients, repos, log), new FlowAfterRun({ config, repos, clients, log })],
    start: () => {
      approvals.start();
      scheduler.start();
    },
    stop: () => {
      approvals.stop();
      scheduler.stop();
    },
  };
}
