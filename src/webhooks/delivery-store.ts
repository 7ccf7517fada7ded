// The last step of ingest: what a delivery came to is stored — the delivery with its outcome (and, below 500, the
// keys that make later copies duplicates), every task it creates, and the permission it still waits for — in one
// transaction; then the tasks are announced and the replies started.
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskRow, WebhookConfigRow } from '../storage/schema.js';
import { type DeliveryKeys, safeHeaders } from './delivery-record.js';
import type { Decision, RuleDeps } from './delivery-rules.js';
import { type IngestResult, statusOf } from './ingest-result.js';
import { joinStorm } from './storms.js';
import { createThreadTask } from './thread-task.js';

export interface Delivery {
  webhookId: string | null;
  provider: string;
  headers: Record<string, string>;
  rawBody: string;
  config?: WebhookConfigRow;
  replayOf?: string;
}

/** A verified, parsed delivery that is not a copy of a stored one, with the id its row will have. */
export interface Received {
  d: Delivery;
  eventId: string;
  keys: DeliveryKeys;
  deliveryId: string | null;
  eventType: string | null;
}

export interface StoreDeps extends Pick<RuleDeps, 'config' | 'repos' | 'tasks' | 'log'> {
  /** Told each delivery stored waiting for its sender's permission, once committed (permission-wait.ts). */
  permissionWaits?: { decide(eventId: string): void };
}

export class DeliveryStore {
  constructor(private readonly deps: StoreDeps) {}

  /** One transaction: the delivery with its outcome (and, below 500, its keys), and every task it creates. */
  async commit(r: Received, decision: Decision, notes: Record<string, unknown>): Promise<IngestResult> {
    const { repos, tasks, log } = this.deps;
    const verdict = decision.verdict;
    const result = { ...verdict, eventId: r.eventId } as IngestResult;
    const settled = statusOf(result) < 500;
    const reason = 'reason' in verdict ? verdict.reason : 'why' in verdict ? verdict.why : undefined;
    let created: { rows: TaskRow[]; joined: Array<{ taskId: string; count: number }> } | undefined;
    const write = async (tx: Repositories) => {
      const stored = await tx.webhookEvents.insert({
        ...this.row(r, notes, decision.explanation, reason),
        dedup_key: settled ? r.keys.dedup_key : null,
        body_key: settled ? r.keys.body_key : null,
        outcome: verdict.outcome,
        status_code: statusOf(result),
        matched_command: decision.matchedCommand ?? null,
        rendered_prompt: decision.renderedPrompt ?? null,
        task_id: 'taskId' in verdict ? verdict.taskId : null,
      });
      if (!stored) return undefined; // a copy got there first
      const rows: TaskRow[] = [];
      const joined: Array<{ taskId: string; count: number }> = [];
      for (const t of decision.tasks ?? []) {
        const storm = await joinStorm(tx, t, this.deps.config.STORM_WINDOW_SECONDS * 1000);
        if (storm) joined.push(storm);
        else rows.push(await createThreadTask(tx, tasks, t));
      }
      if (joined.length && !rows.length) await tx.webhookEvents.markMerged(r.eventId, joined[0]!.taskId);
      if (decision.wait) {
        const { event, ...plan } = decision.wait;
        await tx.permissionWaits.add({ event_id: r.eventId, provider: r.d.provider, event: JSON.stringify(event), plan: JSON.stringify(plan), created_at: Date.now() });
      }
      return { rows, joined };
    };
    try {
      // A delivery that creates nothing is one INSERT, atomic by itself: no transaction around it (BEGIN and COMMIT
      // would be two more statements, on PostgreSQL two more round trips, for most deliveries a service receives).
      created = decision.tasks?.length || decision.wait ? await repos.transaction(write) : await write(repos);
    } catch (err) {
      return this.failed(r, err, notes, decision);
    }
    if (!created) {
      const first = await repos.webhookEvents.findSettled(r.keys);
      return { outcome: 'duplicate', taskId: first?.task_id ?? null, eventId: first?.event_id ?? r.eventId };
    }
    const { rows, joined } = created;
    // Joined a storm's task, and nothing else: that task answers; this delivery starts nothing and says nothing.
    if (joined.length && !rows.length) return { outcome: 'merged', taskId: joined[0]!.taskId, count: joined[0]!.count, eventId: r.eventId };
    for (const row of rows) {
      // Committed: if the queue is unreachable now, start-up reconciliation enqueues the queued row.
      await tasks.announce(row).catch((err: unknown) => log.warn({ err, task_id: row.task_id }, 'task stored but not yet queued'));
    }
    for (const send of decision.after ?? []) send();
    if (decision.wait) this.deps.permissionWaits?.decide(r.eventId);
    if (result.outcome === 'accepted' && joined.length) {
      const taskIds = [...rows.map((row) => row.task_id), ...joined.map((j) => j.taskId)];
      return { ...result, taskId: taskIds[0]!, taskIds };
    }
    return result;
  }

  /** Something broke before the commit: nothing of the delivery was kept but this keyless note, so a redelivery runs. */
  async failed(r: Received, err: unknown, notes: Record<string, unknown>, decision?: Decision): Promise<IngestResult> {
    this.deps.log.error({ err, event_id: r.eventId }, 'webhook delivery could not be stored');
    const why = 'the delivery could not be processed; it was not kept, so a redelivery will be';
    await this.deps.repos.webhookEvents
      .insert({ ...this.row(r, notes, decision?.explanation, why), dedup_key: null, body_key: null, outcome: 'failed', status_code: 500, matched_command: decision?.matchedCommand ?? null })
      .catch(() => undefined);
    return { outcome: 'failed', why, eventId: r.eventId };
  }

  /** The delivery's row, but for its outcome and keys. */
  private row(r: Received, notes: Record<string, unknown>, explanation: Record<string, unknown> | undefined, reason: string | undefined) {
    const merged = { ...explanation, ...notes, ...(reason ? { reason } : {}) };
    return {
      event_id: r.eventId,
      webhook_id: r.d.webhookId,
      provider: r.d.provider,
      headers: safeHeaders(r.d.headers),
      event_type: r.eventType,
      delivery_id: r.deliveryId,
      payload: r.d.rawBody,
      verified: true,
      verification_error: null,
      replay_of: r.d.replayOf ?? null,
      explanation: Object.keys(merged).length ? merged : null,
    };
  }
}
