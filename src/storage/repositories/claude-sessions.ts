import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { joinTranscript, skeletonRefs, splitTranscript } from '../transcript-parts.js';
import { compressTranscript, expandTranscript } from '../transcripts.js';
import { TranscriptPartRepository } from './transcript-parts.js';

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
  /** The large values transcripts share, stored once; retention prunes them with the transcripts. */
  readonly parts: TranscriptPartRepository;

  constructor(private readonly db: Kysely<Database>) {
    this.parts = new TranscriptPartRepository(db);
  }

  /**
   * `transcript` null keeps what the row has (none for a new row): a run that cannot be resumed keeps only totals.
   * A transcript is kept as its compressed skeleton here and its large values once in transcript_parts (stored
   * first, so a skeleton never refers to a part not there yet). `updated_at` is when the transcript was saved: what
   * retention measures it by, and what its parts' `used_at` matches.
   */
  async save(sessionId: string, conversationId: string | null, transcript: string | Buffer | null, totals: SessionTotals, now = Date.now()): Promise<void> {
    let kept: { transcript: string; transcript_br: Buffer; transcript_split: number; updated_at: number } | undefined;
    if (transcript !== null) {
      const { skeleton, parts } = splitTranscript(typeof transcript === 'string' ? transcript : transcript.toString('utf8'));
      await this.parts.keep(parts, now);
      kept = { transcript: '', transcript_br: await compressTranscript(skeleton), transcript_split: 1, updated_at: now };
    }
    await this.db
      .insertInto('claude_sessions')
      .values({ session_id: sessionId, conversation_id: conversationId, transcript: '', transcript_br: null, ...totals, updated_at: now, ...kept })
      .onConflict((oc) => oc.column('session_id').doUpdateSet({ ...totals, ...kept }))
      .execute();
    // A conversation resumes its latest session only: the transcripts of the ones before it are no longer needed.
    if (kept && conversationId) {
      await this.db
        .updateTable('claude_sessions')
        .set({ transcript: '', transcript_br: null })
        .where('conversation_id', '=', conversationId)
        .where('session_id', '!=', sessionId)
        .where((eb) => eb.or([eb('transcript_br', 'is not', null), eb('transcript', '!=', '')]))
        .execute();
    }
  }

  /** The transcript as Claude Code wrote it; undefined when none is kept (or a part of it is no longer). */
  async get(sessionId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('claude_sessions')
      .select(['transcript', 'transcript_br', 'transcript_split'])
      .where('session_id', '=', sessionId)
      .executeTakeFirst();
    if (!row?.transcript_br) return row?.transcript || undefined; // saved before transcripts were compressed
    const text = await expandTranscript(row.transcript_br);
    if (!Number(row.transcript_split)) return text; // saved whole, before migration 0012
    const parts = await this.parts.loadAll(skeletonRefs(text));
    return parts && joinTranscript(text, (hash) => parts.get(hash));
  }

  /** Drops the transcripts saved before `cutoff` (their totals stay; their parts go by used_at); returns how many. */
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
