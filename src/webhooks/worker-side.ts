// A worker's webhook side, assembled in one place: services.ts registers what this returns and starts it.
import type { Services } from '../services.js';
import type { TaskObserver } from '../worker/observers.js';
import { FlowAfterRun } from '../flows/after-run.js';
import { AfterRunSteps } from '../flows/after-run-steps.js';
import { PostBack } from './post-back.js';
import { allAdapters } from './providers/index.js';
import { RuleScheduler } from './scheduler.js';

/**
 * A worker's webhook side: the post-back that follows each run, then what a flow does with the result (a Jira issue
 * opened, the flow's other threads and the notify channel told; durable steps, swept at start and every
 * RECONCILE_SECONDS), each provider's background work (its adapter's `background`: GitHub's poller of 👍 approvals), and the scheduler of rules with a cron schedule
 * (every worker runs one; each slot fires once across them).
 */
export function webhookWorkerSide(s: Pick<Services, 'config' | 'repos' | 'tasks' | 'clients' | 'log'>): {
  observers: TaskObserver[];
  start(): void;
  stop(): void;
} {
  const { config, repos, tasks, clients, log } = s;
  const background = allAdapters().flatMap((adapter) => adapter.background?.({ config, repos, tasks, clients, log }) ?? []);
  const scheduler = new RuleScheduler({ repos, tasks, log, tickMs: config.SCHEDULER_TICK_SECONDS * 1000, brainWrap: config.WEBHOOK_BRAIN_WRAP });
  const steps = new AfterRunSteps({ config, repos, clients, log });
  let sweeping: Promise<unknown> | undefined;
  const sweep = (ignoreBackoff: boolean) => {
    sweeping ??= steps.sweep({ ignoreBackoff }).catch((err) => log.warn({ err }, 'the sweep of after-run steps failed')).finally(() => (sweeping = undefined));
  };
  let sweepTimer: NodeJS.Timeout | undefined;
  return {
    observers: [new PostBack(config, clients, repos, log), new FlowAfterRun({ repos, steps })],
    start: () => {
      for (const b of background) b.start();
      scheduler.start();
      // A restart takes up at once what a crash or a provider's outage left pending.
      sweep(true);
      sweepTimer = setInterval(() => sweep(false), config.RECONCILE_SECONDS * 1000);
      sweepTimer.unref();
    },
    stop: () => {
      for (const b of background) b.stop();
      scheduler.stop();
      clearInterval(sweepTimer);
    },
  };
}
