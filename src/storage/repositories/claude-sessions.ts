import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** Claude Code session transcripts, so a conversation can be resumed by a worker on any machine. */
export class ClaudeSessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async save(sessionId: string, conversationId: string | null, transcript: string, now = Date.now()): Promise<void> {
    await this.db
      .insertInto('claude_sessions')
      .values({ session_id: sessionId, conversation_id: conversationId, transcript, updated_at: now })
      .onConflict((oc) => oc.column('session_id').doUpdateSet({ transcript, updated_at: now }))
      .execute();
  }

  async get(sessionId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('claude_sessions').select('transcript').where('session_id', '=', sessionId).executeTakeFirst();
    return row?.transcript;
  }
}
