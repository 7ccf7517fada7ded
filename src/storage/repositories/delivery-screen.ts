// Every read a verified delivery needs before its rules run, in one statement: the stored copy that makes it a
// duplicate, whether it is about a message this service posted (the loop guard), and its route's trigger phrase and
// rules. Four statements before, each a round trip on PostgreSQL (issue 13 item 1).
import { sql } from 'kysely';
import { prepared } from '../prepared.js';
import type { WebhookCommandRow } from '../schema.js';

/** A rule row's columns, named (never `*`: a rolling migration's new column must not change a compiled statement). */
const COMMAND_COLUMNS = [
  'command_id', 'webhook_id', 'name', 'trigger', 'aliases', 'description', 'options', 'conditions', 'action', 'agent', 'template',
  'priority', 'permissions', 'needs_approval', 'stop_after_match', 'enabled', 'schedule', 'created_at', 'updated_at',
] as const satisfies ReadonlyArray<keyof WebhookCommandRow>;

interface ScreenValues {
  dedupKey: string | null;
  bodyKey: string | null;
  provider: string;
  ownPostId: string | null;
  endpoint: string;
}

// One row per rule of the endpoint (one row of nulls when it has none), each carrying the same three lookups; both
// databases evaluate an uncorrelated scalar subquery once per statement. A null key or post id matches nothing.
const screenStatement = prepared<ScreenValues>()((db, value) =>
  db
    .selectFrom(sql<{ one: number }>`(select 1 as one)`.as('one'))
    .leftJoin('webhook_events as seen', (join) =>
      join.on((eb) =>
        eb(
          'seen.event_id',
          '=',
          eb
            .selectFrom('webhook_events')
            .select('event_id')
            .where((w) => w.or([w('dedup_key', '=', value('dedupKey')), w('body_key', '=', value('bodyKey'))]))
            .limit(1),
        ),
      ),
    )
    .leftJoin('webhook_commands as c', (join) => join.on('c.webhook_id', '=', value('endpoint')))
    .select(['seen.event_id as seen_event_id', 'seen.task_id as seen_task_id'])
    .select((eb) => [
      eb
        .selectFrom('outbound_posts')
        .select(sql<number>`1`.as('own'))
        .where('provider', '=', value('provider'))
        .where('external_id', '=', value('ownPostId'))
        .as('own_post'),
      eb.selectFrom('webhook_configs').select('trigger_phrase').where('webhook_id', '=', value('endpoint')).as('trigger_phrase'),
    ])
    .select(COMMAND_COLUMNS.map((c) => `c.${c}` as const))
    .orderBy('c.priority')
    .orderBy('c.created_at')
    .orderBy('c.command_id'),
);

export interface DeliveryScreen {
  /** The stored delivery holding either key: it has its outcome, so this one is a duplicate. */
  seen?: { event_id: string; task_id: string | null };
  /** The delivery is about a message this service posted. */
  ownPost: boolean;
  /** The endpoint's configured trigger phrase (a built-in route's row), null when none is set. */
  triggerPhrase: string | null;
  /** The endpoint's rules, in the order they run. */
  commands: WebhookCommandRow[];
}

export async function screenDelivery(db: Parameters<typeof screenStatement.execute>[0], v: ScreenValues): Promise<DeliveryScreen> {
  const { rows } = await screenStatement.execute(db, v);
  const first = rows[0]!;
  return {
    seen: first.seen_event_id ? { event_id: first.seen_event_id, task_id: first.seen_task_id ?? null } : undefined,
    ownPost: first.own_post !== null && first.own_post !== undefined,
    triggerPhrase: first.trigger_phrase ?? null,
    commands: rows.filter((r) => r.command_id !== null).map((r) => Object.fromEntries(COMMAND_COLUMNS.map((c) => [c, r[c]])) as unknown as WebhookCommandRow),
  };
}
