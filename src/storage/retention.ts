import type { Logger } from '../logger.js';
import type { Repositories } from './repositories/index.js';

const DAY_MS = 86_400_000;
/** Events deleted per statement, so a first prune of a large backlog never holds a long transaction. */
const EVENT_BATCH = 5_000;
export const RETENTION_INTERVAL_MS = 3_600_000;

export interface RetentionDeps {
  repos: Repositories;
  log: Logger;
  /** RETENTION_DAYS; 0 keeps everything. */
  days: number;
  /** Prunes directories on disk older than the cutoff (Claude state and workspaces runs left behind); returns how many. */
  pruneFiles?: (cutoff: number) => Promise<number>;
}

export interface Pruned {
  events: number;
  transcripts: number;
  /** Transcript parts (src/storage/transcript-parts.ts) no kept transcript refers to any more. */
  transcript_parts: number;
  /** Webhook deliveries (their payloads and headers), as listed in the inspector. */
  deliveries: number;
  files: number;
}

/**
 * Deletes what only serves looking back — a run's events, its session transcript, its workspace and Claude state on
 * disk, the webhook deliveries kept for the inspector — once older than RETENTION_DAYS. Tasks (with their output), conversations and their messages, session totals and rollups stay:
 * analytics, the ledger and a conversation's history never lose a row. Idempotent, so every worker may run it.
 */
export async function pruneOnce(deps: RetentionDeps, now = Date.now()): Promise<Pruned> {
  const pruned: Pruned = { events: 0, transcripts: 0, transcript_parts: 0, deliveries: 0, files: 0 };
  if (deps.days <= 0) return pruned;
  const cutoff = now - deps.days * DAY_MS;
  for (let n = EVENT_BATCH; n === EVENT_BATCH; pruned.events += n) n = await deps.repos.events.pruneBefore(cutoff, EVENT_BATCH);
  for (let n = EVENT_BATCH; n === EVENT_BATCH; pruned.deliveries += n) n = await deps.repos.webhookEvents.pruneBefore(cutoff, EVENT_BATCH);
  pruned.transcripts = await deps.repos.claudeSessions.pruneTranscripts(cutoff);
  pruned.transcript_parts = await deps.repos.claudeSessions.parts.pruneBefore(cutoff);
  await deps.repos.storms.prune(cutoff); // alert storms long over: nothing can join them
  pruned.files = (await deps.pruneFiles?.(cutoff)) ?? 0;
  return pruned;
}

/** Prunes now and every hour; returns the stop function. */
export function startRetention(deps: RetentionDeps, intervalMs = RETENTION_INTERVAL_MS): () => void {
  if (deps.days <= 0) return () => undefined;
  let running: Promise<unknown> | undefined;
  const run = () => {
    running ??= pruneOnce(deps)
      .then((p) => {
        if (p.events || p.transcripts || p.transcript_parts || p.deliveries || p.files) deps.log.info({ ...p, retention_days: deps.days }, 'pruned data older than RETENTION_DAYS');
      })
      .catch((err) => deps.log.warn({ err }, 'retention pruning failed; tried again at the next interval'))
      .finally(() => (running = undefined));
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
