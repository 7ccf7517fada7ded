import type { Config } from '../config.js';
import type { StreamItem } from '../contracts/stream-item.js';
import type { Logger } from '../logger.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskRow } from '../storage/schema.js';
import { taskView } from '../storage/views.js';
import { changeRequestName } from '../delivery/code-host.js';
import type { TaskObserver } from '../worker/worker.js';
import { clientOf, type ProviderClients } from './clients.js';
import { adapterFor, notifier } from './providers/index.js';
import type { PostBackTarget } from './providers/types.js';
import { postReply } from './responder.js';
import { threadMetadata } from './thread-task.js';

interface Progress {
  task: TaskRow;
  target: PostBackTarget;
  command: string;
  /** The message edited in place: "comment:12", "review_comment:7", "C1/1700.1". */
  messageId?: string;
  steps: string[];
  startedAt: number;
  lastEdit: number;
  timer?: NodeJS.Timeout;
  chain: Promise<void>;
}

const MAX_STEPS_SHOWN = 8;
const MAX_RESULT_CHARS = 60_000; // GitHub comments hold 65,536 characters

/**
 * Follows webhook tasks from the worker that runs them and reports back where the request came from: a provider whose
 * API can edit messages gets one message the service edits as the run goes (driven by tool events,
 * throttled to PROGRESS_UPDATE_SECONDS) and that ends with the result, cost, duration and a link; one that cannot
 * gets a message with the result. A failed post never fails the task: it is logged and kept in the task's post_back_error.
 */
export class PostBack implements TaskObserver {
  private readonly runs = new Map<string, Progress>();

  constructor(
    private readonly config: Config,
    private readonly clients: ProviderClients,
    private readonly repos: Repositories,
    private readonly log: Logger,
  ) {}

  async onStart(task: TaskRow): Promise<void> {
    const meta = threadMetadata(task);
    if (meta?.target) {
      const progress: Progress = { task, target: meta.target, command: meta.command ?? 'task', steps: [], startedAt: Date.now(), lastEdit: 0, chain: Promise.resolve() };
      this.runs.set(task.task_id, progress);
      // A provider that can edit gets one message now, rewritten as the run goes; the others get the result only.
      if (adapterFor(meta.target.provider).edit) {
        this.enqueue(progress, async () => {
          progress.messageId = await postReply(this.clients, progress.target, this.render(progress, 'running'));
          if (progress.messageId) await this.repos.webhookEvents.recordPost(task.source, progress.messageId, task.task_id);
          progress.lastEdit = Date.now();
        });
      }
    }
    if (task.source !== 'dashboard') await this.notify(`▶️ Started \`${meta?.command ?? 'task'}\` from ${task.source} (${task.requester ?? 'unknown'}): ${this.link(task)}`);
  }

  onItem(task: TaskRow, item: StreamItem): void {
    const progress = this.runs.get(task.task_id);
    if (!progress || item.kind !== 'tool_use') return;
    progress.steps.push(describeTool(item.name, item.input));
    this.scheduleEdit(progress);
  }

  async onFinish(task: TaskRow): Promise<void> {
    const progress = this.runs.get(task.task_id);
    this.runs.delete(task.task_id);
    if (progress) {
      if (progress.timer) clearTimeout(progress.timer);
      progress.task = task;
      this.enqueue(progress, () => this.finalPost(progress));
      await progress.chain;
    }
    if (task.source !== 'dashboard') {
      const icon = task.status === 'completed' ? '✅' : task.status === 'cancelled' ? '🚫' : '❌';
      await this.notify(`${icon} ${task.status} \`${threadMetadata(task)?.command ?? 'task'}\` from ${task.source} in ${seconds(task.duration_ms)} · $${task.cost_usd.toFixed(4)}: ${this.link(task)}`);
    }
  }

  private scheduleEdit(progress: Progress): void {
    if (progress.timer) return;
    const interval = this.config.PROGRESS_UPDATE_SECONDS * 1000;
    const wait = Math.max(0, progress.lastEdit + interval - Date.now());
    progress.timer = setTimeout(() => {
      progress.timer = undefined;
      this.enqueue(progress, async () => {
        if (!progress.messageId || !this.runs.has(progress.task.task_id)) return;
        if (adapterFor(progress.target.provider).finalEditOnly?.(progress.messageId)) return;
        await this.edit(progress, this.render(progress, 'running'));
        progress.lastEdit = Date.now();
      });
    }, wait);
  }

  private async finalPost(progress: Progress): Promise<void> {
    const task = progress.task;
    const text = this.render(progress, 'final');
    if (progress.messageId) await this.edit(progress, text);
    else {
      const id = await postReply(this.clients, progress.target, text);
      if (id) await this.repos.webhookEvents.recordPost(task.source, id, task.task_id);
    }
  }

  private async edit(progress: Progress, text: string): Promise<void> {
    const t = progress.target;
    await adapterFor(t.provider).edit?.(clientOf(this.clients, t.provider), t, progress.messageId!, text);
  }

  /** Runs post-back work for one task in order; a failure is recorded on the task and does not stop the rest. */
  private enqueue(progress: Progress, work: () => Promise<void>): void {
    progress.chain = progress.chain.then(work).catch(async (err: unknown) => {
      const message = `posting back to ${progress.target.provider} failed: ${(err as Error).message}`;
      this.log.warn({ err, task_id: progress.task.task_id }, message);
      await this.repos.tasks.update(progress.task.task_id, { post_back_error: message }).catch(() => undefined);
    });
  }

  private render(progress: Progress, phase: 'running' | 'final'): string {
    const task = progress.task;
    const mrkdwn = adapterFor(progress.target.provider).markup === 'mrkdwn';
    const code = (s: string) => (mrkdwn ? `\`${s}\`` : `\`${s.replaceAll('`', "'")}\``);
    const bold = (s: string) => (mrkdwn ? `*${s}*` : `**${s}**`);
    const link = this.link(task);
    if (phase === 'running') {
      const elapsed = Math.round((Date.now() - progress.startedAt) / 1000);
      const shown = progress.steps.slice(-MAX_STEPS_SHOWN);
      const lines = shown.map((s, i) => `${i === shown.length - 1 ? '⏳' : '✔️'} ${s}`);
      const more = progress.steps.length > shown.length ? [`… ${progress.steps.length - shown.length} earlier steps`] : [];
      return [`🤖 ${bold('Claude Code Agent')} is working on ${code(progress.command)} · ${elapsed} s`, ...more, ...lines, '', link].join('\n');
    }
    const figures = `${seconds(task.duration_ms)} · $${task.cost_usd.toFixed(4)} · ${task.input_tokens + task.output_tokens} tokens`;
    const header =
      task.status === 'completed'
        ? `✅ ${bold('Claude Code Agent')} finished ${code(progress.command)} · ${figures}`
        : task.status === 'cancelled'
          ? `🚫 ${bold('Claude Code Agent')}: ${code(progress.command)} was cancelled${task.error ? ` (${task.error})` : ''}`
          : `❌ ${bold('Claude Code Agent')}: ${code(progress.command)} failed · ${figures}\n\n${task.error ?? 'unknown error'}`;
    const body = task.status === 'completed' ? `\n\n${truncate(task.output?.trim() || '(the run produced no text)')}` : '';
    const pr = taskView(task).pull_request;
    // A failure of the post-run step (the changes could not be delivered) is the only post_back_error by now.
    const changes = pr
      ? `\n\n🔀 The changes are in ${changeRequestName(pr)} (branch ${code(pr.branch)}): ${pr.url}`
      : task.post_back_error
        ? `\n\n⚠️ ${task.post_back_error}`
        : '';
    return `${header}${body}${changes}\n\n${link}`;
  }

  private link(task: TaskRow): string {
    return this.config.PUBLIC_URL ? `Task ${task.task_id}: ${this.config.PUBLIC_URL.replace(/\/$/, '')}/tasks/${task.task_id}` : `Task ${task.task_id}`;
  }

  /** A notice in the notify channel (SLACK_NOTIFY_CHANNEL, through the adapter that keeps it), when one is set. */
  private async notify(text: string): Promise<void> {
    const keeper = notifier();
    const channel = keeper?.channel.configured(this.config);
    if (!keeper || !channel) return;
    try {
      await keeper.channel.post(clientOf(this.clients, keeper.adapter.name), channel, text);
    } catch (err) {
      this.log.warn({ err }, `${keeper.adapter.name} notification failed`);
    }
  }
}


/** "Bash: `npm test`", "Edit src/app.ts": what a tool call is doing, in a few words. */
export function describeTool(name: string, input: unknown): string {
  const i = (input ?? {}) as Record<string, unknown>;
  const short = (v: unknown) => String(v).replace(/\s+/g, ' ').slice(0, 80);
  if (typeof i.command === 'string') return `${name}: \`${short(i.command).replaceAll('`', "'")}\``;
  if (typeof i.file_path === 'string') return `${name} ${short(i.file_path)}`;
  if (typeof i.pattern === 'string') return `${name} ${short(i.pattern)}`;
  if (typeof i.description === 'string') return `${name}: ${short(i.description)}`;
  return name;
}

function seconds(ms: number | null): string {
  return ms === null ? '?' : `${Math.round(ms / 100) / 10} s`;
}

function truncate(text: string): string {
  return text.length > MAX_RESULT_CHARS ? `${text.slice(0, MAX_RESULT_CHARS)}\n\n… (truncated; the whole result is on the task)` : text;
}
