import type { EventsPage, OutputEvent as StoredEvent } from './contracts';

/** One recorded step of a run: what the replay API and `task.output` live events both carry. */
export type OutputEvent = Pick<StoredEvent, 'seq' | 'item'> & { ts?: string };

export type ReplayPage = Pick<EventsPage, 'has_more'> & { events: OutputEvent[] };

/** Where a feed gets events: the replay API and the shared WebSocket. */
export interface FeedSource {
  fetchAfter(taskId: string, after: number): Promise<ReplayPage>;
  subscribe(taskId: string, listener: (event: OutputEvent) => void): () => void;
  onReconnect?(listener: () => void): () => void;
}

/**
 * `current` and `incoming` merged by seq, oldest first, each seq once (the first copy wins: a seq's event never
 * changes). Returns `current` itself when nothing new arrived, so React can skip the render.
 */
export function mergeBySeq(current: readonly OutputEvent[], incoming: readonly OutputEvent[]): readonly OutputEvent[] {
  if (incoming.length === 0) return current;
  const last = current.at(-1)?.seq ?? 0;
  // The common live case: one event right after the last one.
  if (incoming.length === 1 && incoming[0]!.seq > last) return [...current, incoming[0]!];
  const bySeq = new Map<number, OutputEvent>();
  for (const e of current) bySeq.set(e.seq, e);
  let added = false;
  for (const e of incoming) {
    if (!bySeq.has(e.seq)) {
      bySeq.set(e.seq, e);
      added = true;
    }
  }
  if (!added) return current;
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** The highest n such that seqs 1..n are all present (0 when seq 1 is missing). `events` is sorted. */
export function contiguousEnd(events: readonly OutputEvent[]): number {
  let n = 0;
  for (const e of events) {
    if (e.seq === n + 1) n = e.seq;
    else if (e.seq > n + 1) break;
  }
  return n;
}

export function hasGap(events: readonly OutputEvent[]): boolean {
  return (events.at(-1)?.seq ?? 0) > contiguousEnd(events);
}

export interface FeedSnapshot {
  events: readonly OutputEvent[];
  /** The first replay has not come back yet. */
  loading: boolean;
  error: string | null;
}

/**
 * Replay then live, with no gap and no duplicate: it subscribes to the task's live events first, then pages through
 * `GET /api/tasks/{id}/events?after=N`, and merges both by seq. A live event that skips ahead (missed while the
 * socket was down, or published while the replay was in flight) makes it fetch from the end of the gapless prefix
 * again; so does a reconnect.
 */
export class TaskFeed {
  private snapshot: FeedSnapshot = { events: [], loading: true, error: null };
  private readonly listeners = new Set<() => void>();
  private readonly cleanups: Array<() => void> = [];
  private filling = false;
  private fillAgain = false;
  private stopped = false;

  constructor(
    readonly taskId: string,
    private readonly source: FeedSource,
  ) {}

  getSnapshot = (): FeedSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  start(): void {
    this.stopped = false;
    this.cleanups.push(this.source.subscribe(this.taskId, (e) => this.receive([e])));
    if (this.source.onReconnect) this.cleanups.push(this.source.onReconnect(() => void this.fill()));
    void this.fill();
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.cleanups.splice(0)) c();
  }

  /** Fetch again from the end of the gapless prefix (the retry button, a reconnect). */
  refresh(): Promise<void> {
    return this.fill();
  }

  private set(patch: Partial<FeedSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const l of this.listeners) l();
  }

  private receive(incoming: readonly OutputEvent[]): void {
    const merged = mergeBySeq(this.snapshot.events, incoming);
    if (merged !== this.snapshot.events) this.set({ events: merged });
    // A hole before a live event is filled from the replay API (unless the first replay is still on its way).
    if (!this.snapshot.loading && hasGap(this.snapshot.events)) void this.fill();
  }

  private async fill(): Promise<void> {
    if (this.filling) {
      this.fillAgain = true;
      return;
    }
    this.filling = true;
    try {
      for (;;) {
        this.fillAgain = false;
        const after = contiguousEnd(this.snapshot.events);
        const page = await this.source.fetchAfter(this.taskId, after);
        if (this.stopped) return;
        this.receiveQuietly(page.events);
        const progressed = contiguousEnd(this.snapshot.events) > after;
        if (this.snapshot.loading || this.snapshot.error) this.set({ loading: false, error: null });
        const more = page.has_more || (hasGap(this.snapshot.events) && progressed) || this.fillAgain;
        if (!more) break;
      }
    } catch (err) {
      if (!this.stopped) this.set({ loading: false, error: (err as Error).message });
    } finally {
      this.filling = false;
    }
  }

  private receiveQuietly(incoming: readonly OutputEvent[]): void {
    const merged = mergeBySeq(this.snapshot.events, incoming);
    if (merged !== this.snapshot.events) this.set({ events: merged });
  }
}
