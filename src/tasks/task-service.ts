import type { Config } from '../config.js';
import { newId } from '../domain/ids.js';
import { isFinal, type TaskStatus } from '../domain/task-status.js';
import type { EventBus } from '../live/event-bus.js';
import type { Logger } from '../logger.js';
import { QueueUnavailableError, type TaskQueue } from '../queue/queue.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskRow } from '../storage/schema.js';
import { taskView } from '../storage/views.js';
import { replyInConversation } from './conversation-reply.js';

export interface CreateTaskInput {
  /** Minted by the caller when it needs the id before the row exists (a template's {{task_id}}). */
  task_id?: string;
  session_id: string;
  source: string;
  input_message: string;
  prompt?: string | null;
  conversation_id?: string | null;
  flow_id?: string | null;
  parent_task_id?: string | null;
  external_id?: string | null;
  source_metadata?: unknown;
  requester?: string | null;
  rule?: string | null;
  agent?: string | null;
  model?: string | null;
  system_prompt_append?: string | null;
  permission_mode?: string | null;
  allowed_tools?: string[] | null;
  disallowed_tools?: string[] | null;
  max_turns?: number | null;
  budget_usd?: number | null;
  webhook_event_id?: string | null;
  needs_approval?: boolean;
  /** Messages the caller added to the conversation uncounted (addMessage's `counted: false`): counted with the task. */
  conversation_messages?: number;
}

export type CancelResult =
  | { outcome: 'cancelled'; task: TaskRow }
  | { outcome: 'cancelling'; task: TaskRow }
  | { outcome: 'not_found' }
  | { outcome: 'already_finished'; status: TaskStatus };

export class TaskService {
  constructor(
    private readonly deps: { config: Config; repos: Repositories; queue: TaskQueue; bus: EventBus; log: Logger },
  ) {}

  /** The row first, then the queue entry: a crash between the two leaves a queued row that start-up enqueues. */
  async create(input: CreateTaskInput): Promise<TaskRow> {
    const row = await this.insert(input);
    await this.announce(row);
    return row;
  }

  /**
   * Only the row, written through `repos` — those of a caller's transaction (Repositories.transaction) when the task
   * must commit together with other rows. The caller calls announce() once that has committed.
   */
  async insert(input: CreateTaskInput, repos: Repositories = this.deps.repos): Promise<TaskRow> {
    return repos.tasks.create({
      task_id: input.task_id ?? newId('task'),
      session_id: input.session_id,
      source: input.source,
      input_message: input.input_message,
      prompt: input.prompt ?? null,
      status: input.needs_approval ? 'waiting_approval' : 'queued',
      conversation_id: input.conversation_id ?? null,
      flow_id: input.flow_id ?? null,
      parent_task_id: input.parent_task_id ?? null,
      external_id: input.external_id ?? null,
      source_metadata: input.source_metadata === undefined ? null : JSON.stringify(input.source_metadata),
      requester: input.requester ?? null,
      rule: input.rule ?? null,
      assigned_agent: input.agent ?? null,
      model: input.model ?? null,
      system_prompt_append: input.system_prompt_append ?? null,
      permission_mode: input.permission_mode ?? null,
      allowed_tools: input.allowed_tools ? JSON.stringify(input.allowed_tools) : null,
      disallowed_tools: input.disallowed_tools ? JSON.stringify(input.disallowed_tools) : null,
      max_turns: input.max_turns ?? null,
      budget_usd: input.budget_usd ?? null,
      output: null,
      error: null,
      outcome: null,
      duration_ms: null,
      claude_session_id: null,
      resume_session_id: null,
      working_dir: null,
      worker_id: null,
      child_pid: null,
      heartbeat_at: null,
      webhook_event_id: input.webhook_event_id ?? null,
      post_back_error: null,
      started_at: null,
      completed_at: null,
    }, undefined, input.conversation_messages ?? 0);
  }

  /**
   * Tells the dashboards and queues a committed task. A crash just before this, or a queue that cannot be reached
   * (Redis down), leaves a queued row that reconciliation enqueues: the task is accepted either way.
   */
  async announce(row: TaskRow): Promise<void> {
    await this.deps.bus.publish({ type: 'task.created', task_id: row.task_id, session_id: row.session_id, task: taskView(row) });
    if (row.status === 'queued') await this.enqueue(row.task_id);
  }

  private async enqueue(taskId: string): Promise<void> {
    try {
      await this.deps.queue.enqueue(taskId);
    } catch (err) {
      if (!(err instanceof QueueUnavailableError)) throw err;
      this.deps.log.warn({ task_id: taskId, reason: err.message }, 'task stored as queued; it is enqueued when the queue is reachable again');
    }
  }

  /**
   * Moves a task waiting for approval into the queue, only from `waiting_approval`: a second approval (another
   * worker's poller, another API process, a late click) finds the task queued or running and changes nothing.
   * Returns undefined when the task was not waiting.
   */
  async approve(taskId: string): Promise<TaskRow | undefined> {
    const row = await this.deps.repos.tasks.transition(taskId, 'approve', { queued_at: Date.now() });
    if (row) await this.enqueue(taskId);
    return row;
  }

  /** Turns down a task waiting for approval. Returns undefined when it was not waiting (approved or gone meanwhile). */
  async reject(taskId: string, reason: string): Promise<TaskRow | undefined> {
    const row = await this.deps.repos.tasks.transition(taskId, 'reject', { error: reason, outcome: 'cancelled', completed_at: Date.now() });
    if (row) await this.cancelled(row, reason);
    return row;
  }

  /** Fails a task that waits (for its sender's permission): undefined when it was no longer waiting. */
  async failWaiting(taskId: string, error: string): Promise<TaskRow | undefined> {
    const row = await this.deps.repos.tasks.transition(taskId, 'failWaiting', { error, outcome: 'failed', completed_at: Date.now() });
    if (!row) return undefined;
    await replyInConversation(this.deps.repos, row, 'failed');
    await this.deps.bus.publish({ type: 'task.failed', task_id: row.task_id, session_id: row.session_id, task: taskView(row), error });
    return row;
  }

  /**
   * The request is recorded on the row first, whatever the task is doing. A worker's claim is conditional on no
   * recorded cancel, so against a claim exactly one of the two wins: either the task is still waiting or queued and
   * is cancelled here, or a worker holds it, and the worker stops the run — told by a control message, and in any
   * case by the flag, which it reads before it spawns the child and at every heartbeat.
   */
  async cancel(taskId: string, reason: string): Promise<CancelResult> {
    const { repos, bus } = this.deps;
    if (!(await repos.tasks.requestCancel(taskId, reason))) return this.notCancellable(taskId);
    for (let attempt = 0; ; attempt++) {
      const row = await repos.tasks.transition(taskId, 'cancelPending', { error: reason, outcome: 'cancelled', completed_at: Date.now() });
      if (row) {
        await this.cancelled(row, reason);
        return { outcome: 'cancelled', task: row };
      }
      const task = await repos.tasks.get(taskId);
      if (!task || isFinal(task.status as TaskStatus)) return this.notCancellable(taskId);
      // Running, or requeued after an interruption and still flagged (recovery cancels such a task if we give up).
      if (task.status === 'running' || attempt === 2) {
        await bus.publishControl({ type: 'cancel', task_id: taskId, reason });
        return { outcome: 'cancelling', task };
      }
    }
  }

  private async cancelled(row: TaskRow, reason: string): Promise<void> {
    await this.deps.queue.remove(row.task_id);
    await replyInConversation(this.deps.repos, row, 'cancelled');
    await this.deps.bus.publish({ type: 'task.cancelled', task_id: row.task_id, session_id: row.session_id, task: taskView(row), error: reason });
  }

  private async notCancellable(taskId: string): Promise<CancelResult> {
    const task = await this.deps.repos.tasks.get(taskId);
    return task ? { outcome: 'already_finished', status: task.status as TaskStatus } : { outcome: 'not_found' };
  }
}
