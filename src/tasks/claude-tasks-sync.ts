// CLAUDE_TASKS_SYNC: every task mirrored as `<CLAUDE_TASKS_DIR>/<task_id>.json`, for Claude Code's views of
// background work. The mirror follows the event bus, which carries every status change wherever it happens (the API
// creating or cancelling a queued task, a worker starting and finishing one, on this machine or another), so the
// file stays current through the end. Each write is a temp file renamed over the old one: a reader never sees half
// a file. Only the listed fields go in: no prompt (it may quote a webhook payload), no output, no settings.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { LiveEvent } from '../contracts/events.js';
import type { TaskView } from '../contracts/task.js';
import type { EventBus } from '../live/event-bus.js';
import type { Logger } from '../logger.js';
import { Redactor } from '../security/redactor.js';

export interface ClaudeTaskFile {
  id: string;
  title: string;
  description: string;
  status: string;
  dependencies: string[];
  created_at: string;
  updated_at: string;
  metadata: { task_id: string; flow_id: string | null; conversation_id: string | null; source: string };
}

const TITLE_CHARS = 80;
const DESCRIPTION_CHARS = 2_000;
// waiting_approval/queued < running < final: an event that arrives late never moves a file back.
const RANK: Record<string, number> = { waiting_approval: 0, queued: 0, running: 1, completed: 2, failed: 2, cancelled: 2 };

export function claudeTaskFile(task: TaskView, redact: (text: string) => string = (t) => t): ClaudeTaskFile {
  const message = redact(task.input_message.trim());
  const firstLine = message.split('\n')[0] ?? '';
  return {
    id: task.task_id,
    title: firstLine.length > TITLE_CHARS ? `${firstLine.slice(0, TITLE_CHARS - 1)}…` : firstLine || task.task_id,
    description: message.length > DESCRIPTION_CHARS ? `${message.slice(0, DESCRIPTION_CHARS - 1)}…` : message,
    status: task.status,
    dependencies: task.parent_task_id ? [task.parent_task_id] : [],
    created_at: task.created_at,
    updated_at: task.updated_at,
    metadata: { task_id: task.task_id, flow_id: task.flow_id, conversation_id: task.conversation_id, source: task.source },
  };
}

export class ClaudeTasksSync {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly ranks = new Map<string, number>();
  private unsubscribe?: () => void;

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
    /** Every known secret; any that a user pasted into a message is masked. */
    private readonly redactor: Redactor = new Redactor(),
  ) {}

  start(bus: EventBus): void {
    this.unsubscribe = bus.subscribe((event) => this.onEvent(event));
  }

  private onEvent(event: LiveEvent): void {
    if (event.type === 'task.output') return;
    const task = event.task;
    const rank = RANK[task.status] ?? 0;
    if ((this.ranks.get(task.task_id) ?? -1) > rank) return;
    if (rank === 2) this.ranks.delete(task.task_id);
    else this.ranks.set(task.task_id, rank);
    // One write at a time per task, in event order.
    const previous = this.chains.get(task.task_id) ?? Promise.resolve();
    const next = previous
      .then(() => this.write(task))
      .catch((err) => this.log.warn({ err, task_id: task.task_id }, 'could not mirror the task into CLAUDE_TASKS_DIR'))
      .finally(() => {
        if (this.chains.get(task.task_id) === next) this.chains.delete(task.task_id);
      });
    this.chains.set(task.task_id, next);
  }

  private async write(task: TaskView): Promise<void> {
    if (!/^[A-Za-z0-9_-]+$/.test(task.task_id)) return;
    await fs.mkdir(this.dir, { recursive: true });
    const target = path.join(this.dir, `${task.task_id}.json`);
    const tmp = path.join(this.dir, `.${task.task_id}.${randomBytes(4).toString('hex')}.tmp`);
    const redact = (text: string) => this.redactor.redact(text);
    await fs.writeFile(tmp, `${JSON.stringify(claudeTaskFile(task, redact), null, 2)}\n`, { mode: 0o600 });
    await fs.rename(tmp, target);
  }

  /** Waits for the writes under way (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.chains.size) await Promise.all([...this.chains.values()]);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.idle();
  }
}
