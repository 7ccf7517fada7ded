import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface SessionTotals {
  total_cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
}

export const ZERO_TOTALS: SessionTotals = { total_cost_usd: 0, input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0 };

/** Claude Code session transcripts and running totals, so any worker machine can resume and cost a conversation. */
export class ClaudeSessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async save(sessionId: string, conversationId: string | null, transcript: string | null, totals: SessionTotals, now = Date.now()): Promise<void> {
    const values = { ...totals, updated_at: now, ...(transcript !== null ? { transcript } : {}) };
    await this.db
      .insertInto('claude_sessions')
      .values({ session_id: sessionId, conversation_id: conversationId, transcript: transcript ?? '', ...totals, updated_at: now })
      .onConflict((oc) => oc.column('session_id').doUpdateSet(values))
      .execute();
  }

  async get(sessionId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('claude_sessions').select('transcript').where('session_id', '=', sessionId).executeTakeFirst();
    return row?.transcript || undefined;
  }

  async totals(sessionId: string): Promise<SessionTotals> {
    const row = await this.db
      .selectFrom('claude_sessions')
      .select(['total_cost_usd', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens'])
      .where('session_id', '=', sessionId)
      .executeTakeFirst();
    if (!row) return ZERO_TOTALS;
    return {
      total_cost_usd: Number(row.total_cost_usd),
      input_tokens: Number(row.input_tokens),
      output_tokens: Number(row.output_tokens),
      cache_read_tokens: Number(row.cache_read_tokens),
      cache_creation_tokens: Number(row.cache_creation_tokens),
    };
  }
}
