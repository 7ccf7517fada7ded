import type { Kysely } from 'kysely';
import { newId } from '../../domain/ids.js';
import type { Database, WebhookEventRow } from '../schema.js';

export interface NewWebhookEvent {
  webhook_id: string | null;
  provider: string;
  event_type: string | null;
  delivery_id: string | null;
  dedup_key: string | null;
  headers: Record<string, string>;
  payload: string;
  verified: boolean;
  verification_error: string | null;
  outcome: string;
  status_code: number;
  replay_of?: string | null;
}

export interface WebhookEventPatch {
  event_type?: string | null;
  matched_command?: string | null;
  explanation?: unknown;
  rendered_prompt?: string | null;
  task_id?: string | null;
  outcome?: string;
  status_code?: number;
}

export class WebhookEventRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Stores a delivery. A delivery whose dedup key was seen before is not stored again: the first one is returned
   * with `duplicate: true` (the unique index decides, so two racing redeliveries cannot both pass).
   */
  async insert(e: NewWebhookEvent, now = Date.now()): Promise<{ row: WebhookEventRow; duplicate: boolean }> {
    const values = {
      event_id: newId('whe'),
      webhook_id: e.webhook_id,
      provider: e.provider,
      event_type: e.event_type,
      delivery_id: e.delivery_id,
      dedup_key: e.dedup_key,
      headers: JSON.stringify(e.headers),
      payload: e.payload,
      verified: e.verified ? 1 : 0,
      verification_error: e.verification_error,
      matched_command: null,
      explanation: null,
      rendered_prompt: null,
      task_id: null,
      outcome: e.outcome,
      status_code: e.status_code,
      replay_of: e.replay_of ?? null,
      created_at: now,
    };
    const inserted = await this.db
      .insertInto('webhook_events')
      .values(values)
      .onConflict((oc) => oc.column('dedup_key').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { row: inserted, duplicate: false };
    const first = await this.db.selectFrom('webhook_events').selectAll().where('dedup_key', '=', e.dedup_key).executeTakeFirstOrThrow();
    return { row: first, duplicate: true };
  }

  async update(eventId: string, patch: WebhookEventPatch): Promise<void> {
    const { explanation, ...rest } = patch;
    await this.db
      .updateTable('webhook_events')
      .set({ ...rest, ...(explanation !== undefined ? { explanation: JSON.stringify(explanation) } : {}) })
      .where('event_id', '=', eventId)
      .execute();
  }

  /** Adds the result of an action sent after the webhook was answered to the delivery's explanation. */
  async appendAction(eventId: string, result: Record<string, unknown>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('webhook_events').select('explanation').where('event_id', '=', eventId).executeTakeFirst();
      if (!row) return;
      const explanation = (row.explanation ? JSON.parse(row.explanation) : {}) as { sent?: unknown[] };
      explanation.sent = [...(explanation.sent ?? []), result];
      await trx.updateTable('webhook_events').set({ explanation: JSON.stringify(explanation) }).where('event_id', '=', eventId).execute();
    });
  }

  get(eventId: string): Promise<WebhookEventRow | undefined> {
    return this.db.selectFrom('webhook_events').selectAll().where('event_id', '=', eventId).executeTakeFirst();
  }

  async list(filter: { provider?: string; webhook_id?: string | null; limit: number; before?: number }): Promise<WebhookEventRow[]> {
    let q = this.db.selectFrom('webhook_events').selectAll();
    if (filter.provider) q = q.where('provider', '=', filter.provider);
    if (filter.webhook_id === null) q = q.where('webhook_id', 'is', null);
    else if (filter.webhook_id) q = q.where('webhook_id', '=', filter.webhook_id);
    if (filter.before) q = q.where('created_at', '<', filter.before);
    return q.orderBy('created_at', 'desc').orderBy('event_id', 'desc').limit(filter.limit).execute();
  }

  async recordPost(provider: string, externalId: string, taskId: string | null, now = Date.now()): Promise<void> {
    await this.db
      .insertInto('outbound_posts')
      .values({ provider, external_id: externalId, task_id: taskId, created_at: now })
      .onConflict((oc) => oc.columns(['provider', 'external_id']).doNothing())
      .execute();
  }

  async postsForTask(taskId: string): Promise<Array<{ provider: string; external_id: string }>> {
    return this.db.selectFrom('outbound_posts').select(['provider', 'external_id']).where('task_id', '=', taskId).execute();
  }

  async isOwnPost(provider: string, externalId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('outbound_posts')
      .select('external_id')
      .where('provider', '=', provider)
      .where('external_id', '=', externalId)
      .executeTakeFirst();
    return row !== undefined;
  }
}
