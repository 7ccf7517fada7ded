// Alert storms (issue 15 item 4): a Sentry issue firing ten events in a minute, or one comment delivered twice by two
// hooks, asks for the same run. Such deliveries join the queued or running task of the first instead of starting
// their own; the task counts them (delivery_count). The decision is the database's (TaskStormRepository), so two API
// processes receiving the same storm agree.
import { createHash } from 'node:crypto';
import type { Repositories } from '../storage/repositories/index.js';
import type { ThreadTaskInput } from './thread-task.js';

/**
 * Deliveries with one key ask for the same thing: one thread, one rule, the same request. None for a replay (asked
 * for on purpose), a new conversation, or a task that waits for approval (a person decides each of those).
 */
export function stormKey(t: ThreadTaskInput): string | undefined {
  if (t.replayOf || t.newConversation || t.needsApproval) return undefined;
  const request = createHash('sha256').update(t.userContent.trim()).digest('hex').slice(0, 24);
  return `${t.event.provider}\0${t.event.thread}\0${t.rule}\0${request}`;
}

/**
 * In the delivery's transaction, before its task is written: the live task this delivery joins (now counting it), or
 * undefined when it starts a storm of its own, answered by the task it is about to create.
 */
export async function joinStorm(repos: Repositories, t: ThreadTaskInput, windowMs: number, now = Date.now()): Promise<{ taskId: string; count: number } | undefined> {
  const key = windowMs > 0 ? stormKey(t) : undefined;
  if (!key) return undefined;
  // One write when no storm is live (the common case): the INSERT opens it. A few rounds settle any race: each lost
  // step means another delivery committed a storm, which the next round sees.
  for (let round = 0; round < 4; round++) {
    const holder = await repos.storms.openOrTouch(key, t.taskId, now, windowMs);
    if (holder === t.taskId) return undefined;
    const count = await repos.storms.countDelivery(holder);
    if (count !== undefined) return { taskId: holder, count };
    if (await repos.storms.replaceEnded(key, t.taskId, now)) return undefined;
  }
  return undefined; // never seen: start a task of its own rather than drop the delivery
}
