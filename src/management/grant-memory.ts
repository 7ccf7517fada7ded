import { createHash } from 'node:crypto';

/** How long this process believes a grant it made or checked before it reads the database again. */
export const GRANT_MEMORY_MS = 10_000;

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * The management tools' grants this process made (a worker granting a dashboard run its token) or checked (the /mcp
 * endpoint reading the database), so a run's MCP handshake — `server/discover`, then `tools/list`, which Claude Code
 * waits for before it reads the prompt — costs no database round trip. A grant is believed for GRANT_MEMORY_MS at
 * most, then checked in the database again (which also says whether its task still runs); one this process revokes
 * (its run ended) is forgotten at once. Kept by the token's hash, as the database keeps it.
 */
export class GrantMemory {
  private readonly byHash = new Map<string, { taskId: string; until: number }>();

  constructor(private readonly ttlMs = GRANT_MEMORY_MS) {}

  remember(token: string, taskId: string, now = Date.now()): void {
    for (const [key, entry] of this.byHash) if (entry.until <= now) this.byHash.delete(key);
    this.byHash.set(hash(token), { taskId, until: now + this.ttlMs });
  }

  /** The task `token` was granted to, if this process knows it and its time is not up. */
  recall(token: string, now = Date.now()): string | undefined {
    const key = hash(token);
    const entry = this.byHash.get(key);
    if (entry && entry.until > now) return entry.taskId;
    this.byHash.delete(key);
    return undefined;
  }

  /** The run ended: its grants are no longer believed here, whatever the database says. */
  forgetTask(taskId: string): void {
    for (const [key, entry] of this.byHash) if (entry.taskId === taskId) this.byHash.delete(key);
  }
}
