import { type Kysely, sql } from 'kysely';
import { newId } from '../../domain/ids.js';
import { prepared, preparedByShape, row } from '../prepared.js';
import type { ConversationMessageRow, ConversationRow, Database, WorkspaceKind } from '../schema.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { transact } from './transact.js';

/** Conversations started in the dashboard's chat; every other source is a provider's thread. */
export const DASHBOARD_SOURCE = 'dashboard';

export interface NewConversation {
  conversation_id?: string;
  title: string;
  user_id?: string | null;
  flow_id?: string | null;
  source: string;
  agent?: string | null;
  model?: string | null;
  permission_mode?: string | null;
  workspace_kind?: WorkspaceKind;
  workspace_ref?: string | null;
}

/** What a conversation's turns run with; undefined keeps the current value, null clears it. */
export interface ConversationSettingsPatch {
  agent?: string | null;
  model?: string | null;
  permission_mode?: string | null;
}

// The conversation a webhook task joins, looked up for each one: compiled once (../prepared.ts).
const latestOfFlow = prepared<{ flowId: string }>()((db, value) =>
  db.selectFrom('conversations').selectAll().where('flow_id', '=', value('flowId')).orderBy('created_at', 'desc').orderBy('conversation_id', 'desc').limit(1),
);

export class ConversationRepository {
  constructor(private readonly db: Kysely<Database>) {}

  row(input: NewConversation, now: number) {
    return {
      conversation_id: input.conversation_id ?? newId('conv'),
      title: input.title,
      user_id: input.user_id ?? null,
      flow_id: input.flow_id ?? null,
      source: input.source,
      claude_session_id: null,
      agent: input.agent ?? null,
      model: input.model ?? null,
      permission_mode: input.permission_mode ?? null,
      workspace_kind: input.workspace_kind ?? 'empty',
      workspace_ref: input.workspace_ref ?? null,
      created_at: now,
      updated_at: now,
    };
  }

  async create(input: NewConversation, now = Date.now()): Promise<ConversationRow> {
    return (await insertConversation.execute(this.db, this.row(input, now))).rows[0]!;
  }

  /** The conversation with this id, created if it does not exist yet (external threads name theirs up front). */
  async ensure(input: NewConversation & { conversation_id: string }, now = Date.now()): Promise<ConversationRow> {
    // Read back only when it was there already (inserted, the row comes back from the INSERT).
    const inserted = await this.db
      .insertInto('conversations')
      .values(this.row(input, now))
      .onConflict((oc) => oc.column('conversation_id').doNothing())
      .returningAll()
      .executeTakeFirst();
    return inserted ?? (await this.get(input.conversation_id))!;
  }

  /** The conversation a thread is currently in: the newest of its flow ("new conversation" starts another). */
  async latestForFlow(flowId: string): Promise<ConversationRow | undefined> {
    return (await latestOfFlow.execute(this.db, { flowId })).rows[0];
  }

  async get(id: string): Promise<ConversationRow | undefined> {
    return (await conversationById.execute(this.db, { id })).rows[0];
  }

  async list(opts: { limit: number; cursor?: string; archived?: boolean; source?: string; kind?: 'chat' | 'thread'; q?: string }) {
    let q = this.db.selectFrom('conversations').selectAll();
    if (opts.archived !== undefined) q = q.where('archived', '=', opts.archived ? 1 : 0);
    if (opts.source) q = q.where('source', '=', opts.source);
    if (opts.kind) q = q.where('source', opts.kind === 'chat' ? '=' : '<>', DASHBOARD_SOURCE);
    if (opts.q) {
      const pattern = `%${opts.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where(sql<boolean>`lower(title) like ${pattern} escape '\\'`);
    }
    if (opts.cursor) {
      const [at, id] = decodeCursor(opts.cursor);
      q = q.where((eb) => eb.or([eb('updated_at', '<', at), eb.and([eb('updated_at', '=', at), eb('conversation_id', '<', id)])]));
    }
    const rows = await q.orderBy('updated_at', 'desc').orderBy('conversation_id', 'desc').limit(opts.limit + 1).execute();
    const page = rows.slice(0, opts.limit);
    const last = page.at(-1);
    return {
      conversations: page,
      next_cursor: rows.length > opts.limit && last ? encodeCursor([last.updated_at, last.conversation_id]) : null,
    };
  }

  async update(id: string, patch: { title?: string; archived?: boolean; claude_session_id?: string | null } & ConversationSettingsPatch, now = Date.now()) {
    return this.db
      .updateTable('conversations')
      .set({
        ...(patch.agent !== undefined ? { agent: patch.agent } : {}),
        ...(patch.model !== undefined ? { model: patch.model } : {}),
        ...(patch.permission_mode !== undefined ? { permission_mode: patch.permission_mode } : {}),
        ...(patch.title !== undefined ? { title: patch.title } : {}),
        ...(patch.archived !== undefined ? { archived: patch.archived ? 1 : 0 } : {}),
        ...(patch.claude_session_id !== undefined ? { claude_session_id: patch.claude_session_id } : {}),
        updated_at: now,
      })
      .where('conversation_id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  /** Deletes the conversation and its messages; its tasks stay (they are the ledger) but lose the link. */
  async delete(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('conversation_messages').where('conversation_id', '=', id).execute();
      await trx.updateTable('tasks').set({ conversation_id: null }).where('conversation_id', '=', id).execute();
      const res = await trx.deleteFrom('conversations').where('conversation_id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  async addMessage(msg: NewMessage, now = Date.now()): Promise<ConversationMessageRow> {
    return transact(this.db, async (trx) => {
      const row = await insertMessage(trx, msg, now);
      if (msg.counted !== false) await countMessage(trx, msg.conversation_id, now);
      return row;
    });
  }

  /**
   * addMessage, unless the conversation is gone (deleted while its task ran): then nothing is written. Its counter is
   * moved first, which says whether it is there (no read before) and, on PostgreSQL, holds off a delete until COMMIT.
   */
  async addMessageIfPresent(msg: NewMessage, now = Date.now()): Promise<ConversationMessageRow | undefined> {
    return transact(this.db, async (trx) => ((await countMessage(trx, msg.conversation_id, now)) ? insertMessage(trx, msg, now) : undefined));
  }

  /** Messages oldest first; `before` pages back through long histories. */
  async messages(conversationId: string, opts: { limit: number; before?: string }) {
    // A message that is its task's output reads it from the task (kept there once). Every task without a session to
    // resume reads its conversation's last messages: compiled once per shape.
    const [at, id] = opts.before ? decodeCursor(opts.before) : [0, ''];
    const found = await messagesPage.execute(this.db, opts.before ? 'before' : 'latest', { conversationId, limit: opts.limit + 1, at, id });
    const rows = found.rows.map(({ output, ...row }) => (row.content_is_output ? { ...row, content: output ?? '' } : row));
    const page = rows.slice(0, opts.limit);
    const oldest = page.at(-1);
    return {
      messages: page.reverse(),
      before_cursor: rows.length > opts.limit && oldest ? encodeCursor([oldest.created_at, oldest.message_id]) : null,
    };
  }
}

export interface NewMessage {
  conversation_id: string;
  task_id?: string | null;
  role: 'user' | 'assistant' | 'system';
  content: string;
  metadata?: unknown;
  /** The content is the task's output (already stored on the task): the message refers to it instead of copying it. */
  content_is_output?: boolean;
  /** False: the conversation's message count is left to the caller (TaskRepository.create counts it with its task). */
  counted?: boolean;
}

async function insertMessage(db: Kysely<Database>, msg: NewMessage, now: number): Promise<ConversationMessageRow> {
  const byRef = !!msg.content_is_output && !!msg.task_id;
  const values = {
    message_id: newId('msg'),
    conversation_id: msg.conversation_id,
    task_id: msg.task_id ?? null,
    role: msg.role,
    content: byRef ? '' : msg.content,
    content_is_output: byRef ? 1 : 0,
    metadata: msg.metadata === undefined ? null : JSON.stringify(msg.metadata),
    created_at: now,
  };
  const stored = (await insertMessageRow.execute(db, values)).rows[0]!;
  if (byRef) stored.content = msg.content;
  return stored;
}

/** Counts a message in its conversation; false when there is no such conversation. */
async function countMessage(db: Kysely<Database>, conversationId: string, now: number): Promise<boolean> {
  const res = await countMessageIn.execute(db, { id: conversationId, now });
  return Number(res.numAffectedRows ?? 0) > 0;
}

// Every task's question and answer are written with these: compiled once (../prepared.ts).
const MESSAGE_COLUMNS = ['message_id', 'conversation_id', 'task_id', 'role', 'content', 'content_is_output', 'metadata', 'created_at'] as const;
const insertMessageRow = prepared<ConversationMessageRow>()((db, value) => db.insertInto('conversation_messages').values(row(value, MESSAGE_COLUMNS)).returningAll());
const countMessageIn = prepared<{ id: string; now: number }>()((db, value) =>
  db
    .updateTable('conversations')
    .set((eb) => ({ message_count: eb('message_count', '+', 1), updated_at: value('now') }))
    .where('conversation_id', '=', value('id')),
);

type NewConversationRow = ReturnType<ConversationRepository['row']>;
const CONVERSATION_COLUMNS = ['conversation_id', 'title', 'user_id', 'flow_id', 'source', 'claude_session_id', 'agent', 'model', 'permission_mode', 'workspace_kind', 'workspace_ref', 'created_at', 'updated_at'] as const;
const insertConversation = prepared<NewConversationRow>()((db, value) => db.insertInto('conversations').values(row(value, CONVERSATION_COLUMNS)).returningAll());
const conversationById = prepared<{ id: string }>()((db, value) => db.selectFrom('conversations').selectAll().where('conversation_id', '=', value('id')));
const messagesPage = preparedByShape<{ conversationId: string; limit: number; at: number; id: string }>()((db, value, shape) => {
  let q = db
    .selectFrom('conversation_messages as m')
    .leftJoin('tasks as t', (join) => join.onRef('t.task_id', '=', 'm.task_id').on('m.content_is_output', '=', 1))
    .selectAll('m')
    .select('t.output')
    .where('m.conversation_id', '=', value('conversationId'));
  if (shape === 'before') {
    q = q.where((eb) => eb.or([eb('m.created_at', '<', value('at')), eb.and([eb('m.created_at', '=', value('at')), eb('m.message_id', '<', value('id'))])]));
  }
  return q.orderBy('m.created_at', 'desc').orderBy('m.message_id', 'desc').limit(value('limit'));
});
