// Issue 13 item 1: a permission lookup that misses the cache never holds the webhook's request. The delivery is
// answered 202 with its tasks stored waiting (status waiting_approval) and a permission_waits row; this decides the
// row off the request: each attempt has the lookup's own deadline (3 s), p-retry tries again, and a sweep (at start
// and periodically) picks up rows left undecided by a restart or a provider that stays down. Once the provider answers:
// allowed → the tasks are queued (or keep waiting, now for a person, with the usual approval request); refused → the
// tasks are cancelled and the sender gets the same refusal as a cached decision; the provider unreachable for
// PERMISSION_WAIT_SECONDS → the tasks fail with an error naming the provider.
import pRetry from 'p-retry';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskService } from '../tasks/task-service.js';
import type { Permission, PermissionChecker } from './permissions.js';
import { needsApprovalOf, type PermissionWaitPlan, refusalText } from './permission-wait-plan.js';
import type { Responder } from './responder.js';

/** How long a process holds a row it decides: longer than one round of attempts, short enough after a crash. */
const CLAIM_MS = 2 * 60_000;

export interface PermissionWaitDeps {
  config: Config;
  repos: Repositories;
  tasks: TaskService;
  permissions: PermissionChecker;
  responder: Responder;
  log: Logger;
  /** p-retry's schedule within one round (tests shorten it). Default: 3 retries from 1 s, doubling. */
  retry?: { retries: number; minTimeoutMs: number };
}

export class PermissionWaits {
  private readonly running = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();
  private timer?: NodeJS.Timeout;

  constructor(private readonly deps: PermissionWaitDeps) {}

  private get waitMs(): number {
    return this.deps.config.PERMISSION_WAIT_SECONDS * 1000;
  }

  /** Sweeps now (what a restart left undecided) and then every so often (a provider that was down). */
  start(): void {
    if (this.timer || this.stopping.signal.aborted) return;
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), Math.min(30_000, Math.max(1_000, this.waitMs / 20)));
    this.timer.unref();
  }

  /** Ends the lookups in flight (their rows are given back for the next process) and waits for them. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort();
    while (this.running.size) await Promise.allSettled([...this.running.values()]);
  }

  /** A delivery just stored waiting: decided now, off its request. */
  decide(eventId: string): void {
    this.track(eventId);
  }

  /** Starts deciding every row nobody holds; resolves when those decisions have ended. */
  async sweep(): Promise<void> {
    const rows = await this.deps.repos.permissionWaits.free(Date.now()).catch((err: unknown) => {
      this.deps.log.warn({ err }, 'could not read the deliveries waiting for a permission');
      return [];
    });
    await Promise.allSettled(rows.map((r) => this.track(r.event_id)));
  }

  private track(eventId: string): Promise<void> {
    const running = this.running.get(eventId);
    if (running || this.stopping.signal.aborted) return running ?? Promise.resolve();
    const p = this.run(eventId)
      .catch((err: unknown) => this.deps.log.error({ err, event_id: eventId }, 'deciding a waiting delivery failed'))
      .finally(() => this.running.delete(eventId));
    this.running.set(eventId, p);
    return p;
  }

  private async run(eventId: string): Promise<void> {
    const { repos, permissions, log } = this.deps;
    const now = Date.now();
    if (!(await repos.permissionWaits.claim(eventId, now, now + CLAIM_MS))) return; // decided, or another process has it
    const row = await repos.permissionWaits.get(eventId);
    if (!row) return;
    const plan = { ...(JSON.parse(row.plan) as Omit<PermissionWaitPlan, 'event'>), event: JSON.parse(row.event) as PermissionWaitPlan['event'] };
    const signal = this.stopping.signal;
    const retry = this.deps.retry ?? { retries: 3, minTimeoutMs: 1_000 };
    let permission: Permission;
    try {
      permission = await pRetry(() => permissions.check(plan.event, { signal }), {
        retries: retry.retries,
        minTimeout: retry.minTimeoutMs,
        signal,
        onFailedAttempt: ({ error, attemptNumber }) => log.warn({ err: error, event_id: eventId, attempt: attemptNumber }, 'permission lookup failed; trying again'),
      });
    } catch (err) {
      const why = (err as Error).message;
      if (signal.aborted) return repos.permissionWaits.release(eventId);
      if (Date.now() - row.created_at < this.waitMs) return repos.permissionWaits.release(eventId, why);
      return this.giveUp(eventId, plan, why);
    }
    await this.settle(eventId, plan, permission);
  }

  /** The provider answered: the same outcome a cached permission would have given at once. */
  private async settle(eventId: string, plan: PermissionWaitPlan, permission: Permission): Promise<void> {
    const { tasks, responder, repos } = this.deps;
    if (!permission.allowed) {
      for (const t of plan.tasks) await tasks.reject(t.taskId, `refused: ${permission.why}`);
      if (plan.asked.length) responder.later(plan.event, refusalText(plan.asked, permission.why));
    } else {
      for (const t of plan.tasks) {
        // Approved, rejected or cancelled by a person meanwhile: that decision stands, and nothing is said.
        if ((await repos.tasks.get(t.taskId))?.status !== 'waiting_approval') continue;
        if (t.ack) responder.acknowledge(plan.event);
        if (!needsApprovalOf(t.approval, permission.maintainer)) await tasks.approve(t.taskId);
        else if (t.ask) responder.later(plan.event, t.ask, { taskId: t.taskId, approvalButtons: true });
      }
    }
    await this.decided(eventId, permission.allowed ? 'allowed' : 'refused', permission.why);
  }

  private async giveUp(eventId: string, plan: PermissionWaitPlan, why: string): Promise<void> {
    const minutes = Math.round(this.deps.config.PERMISSION_WAIT_SECONDS / 6) / 10;
    const who = plan.event.actor?.name ?? 'the sender';
    const error = `${plan.event.provider} could not be asked for ${who}'s permission for ${minutes} min (last error: ${why}); the task did not run`;
    for (const t of plan.tasks) await this.deps.tasks.failWaiting(t.taskId, error);
    await this.decided(eventId, 'failed', error);
  }

  /** Noted on the delivery for the inspector (its outcome stays what the provider was answered: accepted). */
  private async decided(eventId: string, status: 'allowed' | 'refused' | 'failed', detail: string): Promise<void> {
    const { repos, log } = this.deps;
    await repos.webhookEvents.appendAction(eventId, { command: 'permission', action: 'looked up after the answer', status, detail });
    await repos.permissionWaits.remove(eventId);
    log.info({ event_id: eventId, status, detail }, 'a delivery waiting for its permission is decided');
  }
}
