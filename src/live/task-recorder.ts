import { createHash } from 'node:crypto';
import type { LiveEvent } from '../contracts/events.js';
import type { StreamItem } from '../contracts/stream-item.js';
import { withRetry } from '../integrations/retry.js';
import type { Logger } from '../logger.js';
import type { Redactor } from '../security/redactor.js';
import type { TaskEventRepository } from '../storage/repositories/task-events.js';
import type { EventBus } from './event-bus.js';

const FLUSH_DELAY_MS = 40;
const MAX_BATCH = 100;
/**
 * Consecutive text deltas are merged into one event of up to this many characters: a 2 MB reply streamed in 256-byte
 * pieces becomes a few hundred events instead of eight thousand, for the database and for every WebSocket client.
 */
const MAX_DELTA_CHARS = 64 * 1024;
/**
 * The text a stored or published item carries at most (a text block, thinking, a result's text): a 50 MB reply must
 * not become 50 MB events and frames. The whole text is the task's output; once the run has ended its final text
 * item and result point at that output (see fold), so the replay of a finished run shows it whole.
 */
export const MAX_ITEM_TEXT_CHARS = 1024 * 1024;
/** A failed write is tried again after these waits; then the run is stopped and fails, rather than leave a gap. */
export const EVENT_WRITE_RETRY_DELAYS_MS: readonly number[] = [250, 1_000, 3_000];

/** Storing a run's events failed for good: the task fails with this, so its record never has a gap. */
export class EventWriteError extends Error {
  override readonly name = 'EventWriteError';
}

export interface TaskRecorderDeps {
  taskId: string;
  sessionId: string;
  /** The task's last stored seq (a retried task continues its numbering). */
  lastSeq: number;
  events: TaskEventRepository;
  bus: EventBus;
  redactor: Redactor;
  log: Logger;
  /** Called once when events could not be stored even after retries; the caller stops the run. */
  onFailure: (err: EventWriteError) => void;
  retryDelaysMs?: readonly number[];
}

type Numbered = { seq: number; item: StreamItem; at: number };
/** An item that may turn out to be the run's final text: its seq and a digest of its whole (uncapped) text. */
type Candidate = { seq: number; digest: string; item: StreamItem };

/**
 * Turns a run's stream items into numbered events: redacted, stored first, published second. Because a published
 * event is always already in the database, a client that subscribes and then replays `after=N` has no gap, and
 * dedups the overlap by seq. A write that fails is retried; one that keeps failing stops the recording and is
 * reported (the task then fails) — events are never silently skipped.
 */
export class TaskRecorder {
  private seq: number;
  /** `digest`: of the whole text of an item that may be the run's final text (a top-level text, the result). */
  private buffer: Array<{ item: StreamItem; at: number; digest?: string }> = [];
  /**
   * The end of the text streamed so far when it could be the beginning of a secret: held back until the next delta
   * shows whether the secret follows (then the joined text is redacted), or until anything else comes.
   */
  private heldDelta = '';
  private timer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private failed?: EventWriteError;
  /** Deltas of the text block being streamed; its final `text` item supersedes them (as the dashboard shows it). */
  private openDeltas: number[] = [];
  /** Deltas whose text is in a stored `text` item: emptied once the run ends. */
  private supersededDeltas: number[] = [];
  private lastText?: Candidate;
  private result?: Candidate;

  constructor(private readonly deps: TaskRecorderDeps) {
    this.seq = deps.lastSeq;
  }

  /** Set when storing events failed for good. */
  get failure(): EventWriteError | undefined {
    return this.failed;
  }

  /** Takes one item; returns it redacted, as observers (post-back) may see it. */
  push(item: StreamItem): StreamItem {
    const at = Date.now();
    if (item.kind === 'text_delta') {
      const last = this.buffer.at(-1);
      if (last?.item.kind === 'text_delta' && last.item.text.length < MAX_DELTA_CHARS) last.item = { kind: 'text_delta', text: last.item.text + item.text };
      else this.buffer.push({ item: { kind: 'text_delta', text: item.text }, at });
      this.schedule();
      return { kind: 'text_delta', text: this.deps.redactor.redact(item.text) };
    }
    const clean = this.deps.redactor.redactDeep(item);
    const whole = clean.kind === 'text' && !clean.parent_tool_use_id ? clean.text : clean.kind === 'result' ? clean.result : undefined;
    this.buffer.push({ item: capped(clean), at, ...(whole !== undefined ? { digest: digest(whole) } : {}) });
    this.schedule();
    return clean;
  }

  private schedule(): void {
    if (this.buffer.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
  }

  /**
   * Writes what is buffered, then publishes it. Calls are serialised, so events stay in seq order. `end` releases
   * delta text held back for a secret that might continue (the run is over, nothing follows).
   */
  flush(end = false): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.number(end);
    if (batch.length === 0) return this.chain;
    this.chain = this.chain.then(() => this.write(batch));
    return this.chain;
  }

  /** Redacts the buffered deltas as one text (a secret split over pieces is found whole) and numbers the items. */
  private number(end: boolean): Numbered[] {
    const taken = this.buffer;
    this.buffer = [];
    const out: Numbered[] = [];
    const { redactor } = this.deps;
    taken.forEach(({ item, at, digest }, i) => {
      if (item.kind !== 'text_delta') {
        if (this.heldDelta) out.push(this.delta(this.heldDelta, at));
        this.heldDelta = '';
        out.push({ seq: ++this.seq, item, at });
        this.track(this.seq, item, digest);
        return;
      }
      let text = redactor.redact(this.heldDelta + item.text);
      this.heldDelta = '';
      const more = i < taken.length - 1 ? taken[i + 1]!.item.kind === 'text_delta' : !end;
      if (more) {
        const keep = redactor.pendingTail(text);
        this.heldDelta = text.slice(text.length - keep);
        text = text.slice(0, text.length - keep);
      }
      if (text) out.push(this.delta(text, at));
    });
    if (end && this.heldDelta) {
      out.push(this.delta(this.heldDelta, Date.now()));
      this.heldDelta = '';
    }
    return out;
  }

  private delta(text: string, at: number): Numbered {
    this.openDeltas.push(++this.seq);
    return { seq: this.seq, item: { kind: 'text_delta', text }, at };
  }

  /** Follows what the dashboard does with deltas: a top-level text replaces them, a tool call or the result ends them. */
  private track(seq: number, item: StreamItem, whole?: string): void {
    if (item.kind === 'text' && !item.parent_tool_use_id) {
      this.supersededDeltas.push(...this.openDeltas);
      this.openDeltas = [];
    } else if (item.kind === 'tool_use' || item.kind === 'result') this.openDeltas = [];
    if (whole === undefined) return;
    if (item.kind === 'text') this.lastText = { seq, digest: whole, item };
    else this.result = { seq, digest: whole, item };
  }

  /**
   * Once the run has ended and its output is stored on the task: superseded deltas lose their text (their rows stay, so
   * the numbering has no hole), and the final text item and the result's text become references to the task's
   * output, which is then stored once. Nothing is changed after a lost batch (the record stops where it failed).
   */
  async fold(output: string | null): Promise<void> {
    await this.flush(true);
    if (this.failed) return;
    const same = output === null ? () => false : ((d) => (c?: Candidate) => c?.digest === d)(digest(output));
    const refs = [this.lastText, this.result].filter((c): c is Candidate => same(c)).map(({ seq, item }) => ({ seq, item }));
    const emptied = this.supersededDeltas;
    // Folded once: a later call finds nothing left to change (and writes nothing).
    this.supersededDeltas = [];
    this.lastText = this.result = undefined;
    try {
      await this.deps.events.fold(this.deps.taskId, emptied, refs);
    } catch (err) {
      this.deps.log.warn({ err }, 'folding the run\'s events failed; they stay as they were');
    }
  }

  private async write(batch: Numbered[]): Promise<void> {
    if (this.failed) return; // after a lost batch nothing more is stored: that would leave a gap
    const { taskId, sessionId, events, bus, log } = this.deps;
    const rows = batch.map((e) => ({ task_id: taskId, seq: e.seq, type: 'task.output', item: e.item, created_at: e.at }));
    const first = batch[0]!.seq;
    const last = batch.at(-1)!.seq;
    try {
      await withRetry(() => events.append(rows), {
        delaysMs: this.deps.retryDelaysMs ?? EVENT_WRITE_RETRY_DELAYS_MS,
        retryIf: () => true,
        onRetry: ({ attempt, delayMs, error }) => log.warn({ err: error, attempt, seq: [first, last] }, `storing task events failed; retrying in ${delayMs} ms`),
      });
    } catch (err) {
      const attempts = 1 + (this.deps.retryDelaysMs ?? EVENT_WRITE_RETRY_DELAYS_MS).length;
      this.failed = new EventWriteError(
        `could not store the run's events ${first}–${last} after ${attempts} attempts (${(err as Error).message}); the run was stopped so its record has no gap`,
        { cause: err },
      );
      this.deps.onFailure(this.failed);
      return;
    }
    // Published in order without waiting for each: the bus keeps the order (one connection), and a slow subscriber
    // never holds up the next write. A lost publish is no gap: the event is stored and a client replays it.
    for (const e of batch) {
      const event: LiveEvent = { type: 'task.output', task_id: taskId, session_id: sessionId, seq: e.seq, item: e.item, ts: new Date(e.at).toISOString() };
      bus.publish(event).catch((err: unknown) => log.warn({ err, seq: e.seq }, 'publishing a task event failed'));
    }
  }
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}

function cut(text: string): string {
  return `${text.slice(0, MAX_ITEM_TEXT_CHARS)}\n… (${text.length - MAX_ITEM_TEXT_CHARS} more characters; the whole text is the task's output)`;
}

/** The item with its text cut to MAX_ITEM_TEXT_CHARS (for storing and publishing). */
function capped(item: StreamItem): StreamItem {
  let out = item;
  if ((item.kind === 'text' || item.kind === 'thinking') && item.text.length > MAX_ITEM_TEXT_CHARS) out = { ...item, text: cut(item.text) };
  if (item.kind === 'result' && item.result !== undefined && item.result.length > MAX_ITEM_TEXT_CHARS) out = { ...item, result: cut(item.result) };
  return out;
}
