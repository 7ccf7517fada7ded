import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { compressTranscript, expandTranscript } from '../transcripts.js';

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

  /** `transcript` null keeps what the row has (none for a new row): a run that cannot be resumed keeps only totals. */
  async save(sessionId: string, conversationId: string | null, transcript: string | Buffer | null, totals: SessionTotals, now = Date.now()): Promise<void> {
    const compressed = transcript === null ? null : await compressTranscript(transcript);
    const values = { ...totals, updated_at: now, ...(compressed ? { transcript: '', transcript_br: compressed } : {}) };
    await this.db
      .insertInto('claude_sessions')
      .values({ session_id: sessionId, conversation_id: conversationId, transcript: '', transcript_br: compressed, ...totals, updated_at: now })
      .onConflict((oc) => oc.column('session_id').doUpdateSet(values))
      .execute();
  }

  async get(sessionId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('claude_sessions').select(['transcript', 'transcript_br']).where('session_id', '=', sessionId).executeTakeFirst();
    if (row?.transcript_br) return expandTranscript(row.transcript_br);
    return row?.transcript || undefined; // saved before transcripts were compressed
  }

  /** Drops the transcripts of sessions last used before `cutoff` (their totals stay); returns how many. */
  async pruneTranscripts(cutoff: number): Promise<number> {
    const res = await this.db
      .updateTable('claude_sessions')
      .set({ transcript: '', transcript_br: null })
      .where('updated_at', '<', cutoff)
      .where((eb) => eb.or([eb('transcript_br', 'is not', null), eb('transcript', '!=', '')]))
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
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
