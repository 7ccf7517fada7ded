// Scheduled rules (issue 15 item 7): a rule with a cron `schedule` fires on it, e.g. a nightly triage. Every worker
// runs a scheduler; a slot fires once across all of them because its task is written in the transaction that claims
// the slot's key in schedule_firings (rule, slot), and only one insert of a key succeeds.
import { externalThreadId, newId } from '../domain/ids.js';
import type { Logger } from '../logger.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskRow, WebhookCommandRow } from '../storage/schema.js';
import type { TaskService } from '../tasks/task-service.js';
import { ruleOf } from './engine.js';
import { dueSlots } from './rules/schedule.js';
import { renderTemplate } from './rules/template.js';
import { brainFor, createThreadTask, type ThreadTaskInput } from './thread-task.js';

export interface SchedulerDeps {
  repos: Repositories;
  tasks: TaskService;
  log: Logger;
  /** How often to look (ms); 0: never on its own (tests call tick). */
  tickMs: number;
  /** WEBHOOK_BRAIN_WRAP, as for a delivery's task. */
  brainWrap: boolean;
}

/** The source of a scheduled firing's task, and the provider of its thread (one flow per rule). */
export const SCHEDULE_SOURCE = 'schedule';

export class RuleScheduler {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(private readonly deps: SchedulerDeps) {}

  start(): void {
    if (this.deps.tickMs <= 0) return;
    this.timer = setInterval(() => void this.tick().catch((err: unknown) => this.deps.log.warn({ err }, 'scheduled rules: tick failed')), this.deps.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * Fires every slot that has come since the last look and that no scheduler has fired yet; returns the tasks this one
   * created. A slot missed for longer than the catch-up window (a stopped cluster) is skipped, not fired late.
   */
  async tick(now = Date.now()): Promise<TaskRow[]> {
    if (this.running) return [];
    this.running = true;
    const created: TaskRow[] = [];
    try {
      const catchUpMs = Math.max(3 * this.deps.tickMs, 60_000);
      for (const row of await this.deps.repos.webhooks.scheduledCommands()) {
        const after = Math.max(Number(row.updated_at), now - catchUpMs);
        let slots: number[];
        try {
          slots = dueSlots(row.schedule!, after, now);
        } catch (err) {
          this.deps.log.warn({ err, command_id: row.command_id }, 'scheduled rule has a schedule that no longer parses');
          continue;
        }
        for (const slot of slots) {
          const task = await this.fire(row, slot, now);
          if (task) created.push(task);
        }
      }
    } finally {
      this.running = false;
    }
    for (const task of created) {
      await this.deps.tasks.announce(task).catch((err: unknown) => this.deps.log.warn({ err, task_id: task.task_id }, 'scheduled task stored but not yet queued'));
    }
    return created;
  }

  /** The slot's task, when this scheduler is the one that claimed the slot. */
  private async fire(row: WebhookCommandRow & { provider: string }, slot: number, now: number): Promise<TaskRow | undefined> {
    const { repos, tasks } = this.deps;
    const input = await this.taskInput(row, slot);
    return repos.transaction(async (tx) => {
      if (!(await tx.scheduleFirings.claim(row.command_id, slot, input.taskId, now))) return undefined;
      return createThreadTask(tx, tasks, input);
    });
  }

  private async taskInput(row: WebhookCommandRow & { provider: string }, slot: number): Promise<ThreadTaskInput> {
    const rule = ruleOf(row);
    const taskId = newId('task');
    const slotIso = new Date(slot).toISOString();
    const payload = { schedule: { expression: rule.schedule, slot: slotIso, rule: rule.name, webhook_id: row.webhook_id } };
    const thread = `rule/${row.command_id}`;
    return {
      event: {
        provider: SCHEDULE_SOURCE,
        eventType: 'schedule',
        deliveryId: null,
        thread,
        threadTitle: `${rule.name} (scheduled: ${rule.schedule})`,
        text: '',
        actor: null,
        payload,
        headers: {},
      },
      taskId,
      prompt: renderTemplate(rule.template, { payload, user_content: '', provider: row.provider, task_id: taskId }),
      userContent: `${rule.name}: scheduled run for ${slotIso} (${externalThreadId(SCHEDULE_SOURCE, thread)})`,
      command: rule.name,
      rule: `schedule:${row.webhook_id}:${rule.name}`,
      agent: rule.agent,
      permissions: rule.permissions,
      needsApproval: rule.needs_approval === true,
      // Each firing is a run of its own in the rule's flow, not one session growing night after night.
      newConversation: true,
      webhookEventId: null,
      brain: await brainFor(this.deps.repos, this.deps.brainWrap && rule.options.wrap_with_brain !== false),
    };
  }
}
