import { type Kysely, sql } from 'kysely';
import { newId } from '../../domain/ids.js';
import { prepared, row } from '../prepared.js';
import type { Database, WebhookEventRow, WebhookEventTable } from '../schema.js';
import { type DeliveryScreen, screenDelivery } from './delivery-screen.js';
import { transact } from './transact.js';

export interface NewWebhookEvent {
  /** Minted by the caller when it needs the id before the row exists. */
  event_id?: string;
  webhook_id: string | null;
  provider: string;
  event_type: string | null;
  delivery_id: string | null;
  /** Set only once the delivery has its outcome; see WebhookEventTable.dedup_key. */
  dedup_key: string | null;
  body_key?: string | null;
  headers: Record<string, string>;
  payload: string;
  verified: boolean;
  verification_error: string | null;
  outcome: string;
  status_code: number;
  replay_of?: string | null;
  matched_command?: string | null;
  explanation?: unknown;
  rendered_prompt?: string | null;
  task_id?: string | null;
}

/** An unsigned post: what is kept of it (a head of the body, a few headers) and why it was refused. */
export interface UnverifiedPost {
  webhook_id: string | null;
  provider: string;
  headers: Record<string, string>;
  head: string;
  size: number;
  why: string;
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

/** A row as the inspector lists it: the payload cut to a head, with its full size. */
export type WebhookEventHead = Omit<WebhookEventRow, 'payload'> & { payload: string; payload_size: number; payload_truncated: boolean };

const DAY_MS = 24 * 3600_000;
const UNVERIFIED = sql<boolean>`verified = 0`;

// The statements every delivery runs, compiled once (../prepared.ts).
const EVENT_COLUMNS = [
  'event_id', 'webhook_id', 'provider', 'event_type', 'delivery_id', 'dedup_key', 'body_key', 'headers', 'payload', 'verified',
  'verification_error', 'matched_command', 'explanation', 'rendered_prompt', 'task_id', 'outcome', 'status_code', 'replay_of', 'created_at',
] as const;
const insertEvent = prepared<WebhookEventTable>()((db, value) =>
  db.insertInto('webhook_events').values(row(value, EVENT_COLUMNS)).onConflict((oc) => oc.doNothing()),
);
const settledByEither = prepared<{ dedup_key: string; body_key: string }>()((db, value) =>
  db
    .selectFrom('webhook_events')
    .select(['event_id', 'task_id'])
    .where((eb) => eb.or([eb('dedup_key', '=', value('dedup_key')), eb('body_key', '=', value('body_key'))]))
    .limit(1),
);
const settledByDedupKey = prepared<{ dedup_key: string }>()((db, value) =>
  db.selectFrom('webhook_events').select(['event_id', 'task_id']).where('dedup_key', '=', value('dedup_key')).limit(1),
);
const settledByBodyKey = prepared<{ body_key: string }>()((db, value) =>
  db.selectFrom('webhook_events').select(['event_id', 'task_id']).where('body_key', '=', value('body_key')).limit(1),
);
const ownPost = prepared<{ provider: string; external_id: string }>()((db, value) =>
  db.selectFrom('outbound_posts').select('external_id').where('provider', '=', value('provider')).where('external_id', '=', value('external_id')),
);

export class WebhookEventRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Stores a delivery with its outcome; true once stored. Returns false, storing nothing, when its dedup key or body
   * key was seen before: the unique indexes decide, so of two racing copies of one delivery exactly one is stored.
   * Nothing is read back (the row holds the whole payload, which the caller has).
   */
  async insert(e: NewWebhookEvent, now = Date.now()): Promise<boolean> {
    const result = await insertEvent.execute(this.db, {
      event_id: e.event_id ?? newId('whe'),
      webhook_id: e.webhook_id,
      provider: e.provider,
      event_type: e.event_type,
      delivery_id: e.delivery_id,
      dedup_key: e.dedup_key,
      body_key: e.body_key ?? null,
      headers: JSON.stringify(e.headers),
      payload: e.payload,
      verified: e.verified ? 1 : 0,
      verification_error: e.verification_error,
      matched_command: e.matched_command ?? null,
      explanation: e.explanation === undefined || e.explanation === null ? null : JSON.stringify(e.explanation),
      rendered_prompt: e.rendered_prompt ?? null,
      task_id: e.task_id ?? null,
      outcome: e.outcome,
      status_code: e.status_code,
      replay_of: e.replay_of ?? null,
      created_at: now,
    });
    return Number(result.numAffectedRows ?? 0) > 0;
  }

  /** A delivery that joined a storm's task (issue 15 item 4): answered 200, by that task. */
  async markMerged(eventId: string, taskId: string): Promise<void> {
    await this.db.updateTable('webhook_events').set({ outcome: 'merged', status_code: 200, task_id: taskId }).where('event_id', '=', eventId).execute();
  }

  /** The stored delivery holding either key: it has its outcome, so a copy of it is a duplicate. */
  async findSettled(keys: { dedup_key: string | null; body_key: string | null }): Promise<Pick<WebhookEventRow, 'event_id' | 'task_id'> | undefined> {
    const { dedup_key, body_key } = keys;
    if (dedup_key && body_key) return (await settledByEither.execute(this.db, { dedup_key, body_key })).rows[0];
    if (dedup_key) return (await settledByDedupKey.execute(this.db, { dedup_key })).rows[0];
    if (body_key) return (await settledByBodyKey.execute(this.db, { body_key })).rows[0];
    return undefined;
  }

  /**
   * Counts an unsigned post and keeps a small record of it, with retention: the newest `keep` such rows, none older
   * than a day. Anyone can send these, so nothing about them may grow without bound.
   */
  async insertUnverified(post: UnverifiedPost, keep: number, now = Date.now()): Promise<void> {
    await transact(this.db, async (trx) => {
      await trx
        .insertInto('webhook_unverified_counts')
        .values({ provider: post.provider, n: 1, last_at: now })
        .onConflict((oc) => oc.column('provider').doUpdateSet({ n: sql`webhook_unverified_counts.n + 1`, last_at: now }))
        .execute();
      if (keep > 0) {
        await new WebhookEventRepository(trx).insert(
          {
            webhook_id: post.webhook_id,
            provider: post.provider,
            event_type: null,
            delivery_id: null,
            dedup_key: null,
            headers: post.headers,
            payload: post.head,
            verified: false,
            verification_error: post.why,
            outcome: 'verification_failed',
            status_code: 401,
            explanation: { size: post.size },
          },
          now,
        );
      }
      // `verified = 0` as a literal: the partial index of unsigned rows (migration 0014) covers only that.
      await trx.deleteFrom('webhook_events').where(UNVERIFIED).where('created_at', '<', now - DAY_MS).execute();
      const beyond = trx
        .selectFrom('webhook_events')
        .select('event_id')
        .where(UNVERIFIED)
        .orderBy('created_at', 'desc')
        .orderBy('event_id', 'desc')
        .offset(keep)
        .limit(1000);
      await trx.deleteFrom('webhook_events').where('event_id', 'in', beyond).execute();
    });
  }

  /**
   * Deletes up to `limit` deliveries received before `cutoff` (RETENTION_DAYS); returns how many. A provider's
   * redelivery of one this old is then taken as new.
   */
  async pruneBefore(cutoff: number, limit: number): Promise<number> {
    const old = this.db.selectFrom('webhook_events').select('event_id').where('created_at', '<', cutoff).limit(limit);
    const res = await this.db.deleteFrom('webhook_events').where('event_id', 'in', old).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  /** Unsigned posts ever received, per provider (their rows are pruned; the count is not). */
  async unverifiedCounts(): Promise<Array<{ provider: string; n: number }>> {
    const rows = await this.db.selectFrom('webhook_unverified_counts').select(['provider', 'n']).execute();
    return rows.map((r) => ({ provider: r.provider, n: Number(r.n) }));
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
    await transact(this.db, async (trx) => {
      const row = await trx.selectFrom('webhook_events').select('explanation').where('event_id', '=', eventId).executeTakeFirst();
      if (!row) return;
      const explanation = (row.explanation ? JSON.parse(row.explanation) : {}) as { sent?: unknown[] };
      explanation.sent = [...(explanation.sent ?? []), result];
      await trx.updateTable('webhook_events').set({ explanation: JSON.stringify(explanation) }).where('event_id', '=', eventId).execute();
    });
  }

  /** Whose a delivery is, without its payload. */
  getSummary(eventId: string): Promise<Pick<WebhookEventRow, 'event_id' | 'webhook_id' | 'provider'> | undefined> {
    return this.db.selectFrom('webhook_events').select(['event_id', 'webhook_id', 'provider']).where('event_id', '=', eventId).executeTakeFirst();
  }

  get(eventId: string): Promise<WebhookEventRow | undefined> {
    return this.db.selectFrom('webhook_events').selectAll().where('event_id', '=', eventId).executeTakeFirst();
  }

  /**
   * Deliveries newest first, each payload cut to its first `payloadChars` characters in the database (a page of
   * 25 MB deliveries must not be read into memory), with its full size.
   */
  async list(filter: { provider?: string; webhook_id?: string | null; limit: number; before?: number; payloadChars?: number }): Promise<WebhookEventHead[]> {
    const cap = filter.payloadChars ?? 64 * 1024;
    let q = this.db
      .selectFrom('webhook_events')
      .select(['event_id', 'webhook_id', 'provider', 'event_type', 'delivery_id', 'dedup_key', 'body_key', 'headers', 'verified', 'verification_error'])
      .select(['matched_command', 'explanation', 'rendered_prompt', 'task_id', 'outcome', 'status_code', 'replay_of', 'created_at'])
      .select([sql<string>`substr(payload, 1, ${sql.lit(cap)})`.as('payload'), sql<number>`length(payload)`.as('payload_size')]);
    if (filter.provider) q = q.where('provider', '=', filter.provider);
    if (filter.webhook_id === null) q = q.where('webhook_id', 'is', null);
    else if (filter.webhook_id) q = q.where('webhook_id', '=', filter.webhook_id);
    if (filter.before) q = q.where('created_at', '<', filter.before);
    const rows = await q.orderBy('created_at', 'desc').orderBy('event_id', 'desc').limit(filter.limit).execute();
    // Sizes in characters as the database counts them, so the comparison agrees with substr's cut.
    return rows.map((r) => ({ ...r, payload_size: Number(r.payload_size), payload_truncated: Number(r.payload_size) > cap }));
  }

  /** One delivery's whole stored body (the inspector's list shows only a head). */
  async payload(eventId: string): Promise<string | undefined> {
    return (await this.db.selectFrom('webhook_events').select('payload').where('event_id', '=', eventId).executeTakeFirst())?.payload;
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

  /** What a verified delivery reads before its rules run, in one statement (delivery-screen.ts). */
  screen(v: { keys: { dedup_key: string | null; body_key: string | null }; provider: string; ownPostId: string | null; endpoint: string }): Promise<DeliveryScreen> {
    return screenDelivery(this.db, { dedupKey: v.keys.dedup_key, bodyKey: v.keys.body_key, provider: v.provider, ownPostId: v.ownPostId, endpoint: v.endpoint });
  }

  async isOwnPost(provider: string, externalId: string): Promise<boolean> {
    return (await ownPost.execute(this.db, { provider, external_id: externalId })).rows.length > 0;
  }
}
