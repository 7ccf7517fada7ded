// @vitest-environment jsdom
import { cleanup, act, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamItem } from './contracts';
import { TestLiveProvider, useTaskFeed } from './live-context';
import { contiguousEnd, type FeedSource, mergeBySeq, type OutputEvent, type ReplayPage, TaskFeed } from './task-feed';

// Testing Library cleans up by itself only with vitest globals on; this config keeps them off.
afterEach(cleanup);

const ev = (seq: number, text = `t${seq}`): OutputEvent => ({ seq, item: { kind: 'text_delta', text } });
const seqs = (events: readonly OutputEvent[]) => events.map((e) => e.seq);

/** A replay API over a server-side list of events, whose answers the test releases one by one. */
class FakeSource implements FeedSource {
  server: OutputEvent[] = [];
  calls: number[] = [];
  pending: Array<() => void> = [];
  autoRespond = true;
  pageSize = 1000;
  private live = new Set<(e: OutputEvent) => void>();
  private reconnect = new Set<() => void>();

  fetchAfter(_taskId: string, after: number): Promise<ReplayPage> {
    this.calls.push(after);
    const answer = () => {
      const rest = this.server.filter((e) => e.seq > after);
      return { events: rest.slice(0, this.pageSize), has_more: rest.length > this.pageSize };
    };
    if (this.autoRespond) return Promise.resolve(answer());
    // The answer reflects the server at the moment it is released, like a slow request would.
    return new Promise((resolve) => this.pending.push(() => resolve(answer())));
  }
  subscribe(_taskId: string, listener: (e: OutputEvent) => void) {
    this.live.add(listener);
    return () => this.live.delete(listener);
  }
  onReconnect(listener: () => void) {
    this.reconnect.add(listener);
    return () => this.reconnect.delete(listener);
  }
  /** The service records an event, then publishes it. */
  publish(e: OutputEvent, deliver = true) {
    this.server.push(e);
    if (deliver) for (const l of this.live) l(e);
  }
  reconnected() {
    for (const l of this.reconnect) l();
  }
  async release() {
    const next = this.pending.shift();
    next?.();
    await flush();
  }
}

const flush = () => act(async () => void (await new Promise((r) => setTimeout(r, 0))));

describe('mergeBySeq', () => {
  it('orders by seq, keeps one copy of each seq, and returns the same array when nothing is new', () => {
    const a = [ev(1), ev(2), ev(4)];
    const merged = mergeBySeq(a, [ev(3), ev(2, 'dup'), ev(5)]);
    expect(seqs(merged)).toEqual([1, 2, 3, 4, 5]);
    expect(merged[1]!.item).toEqual({ kind: 'text_delta', text: 't2' });
    expect(mergeBySeq(merged, [ev(1), ev(5)])).toBe(merged);
    expect(mergeBySeq(merged, [])).toBe(merged);
  });

  it('finds the end of the gapless prefix', () => {
    expect(contiguousEnd([])).toBe(0);
    expect(contiguousEnd([ev(1), ev(2), ev(3)])).toBe(3);
    expect(contiguousEnd([ev(1), ev(2), ev(5), ev(6)])).toBe(2);
    expect(contiguousEnd([ev(2), ev(3)])).toBe(0);
  });
});

describe('TaskFeed: replay then live, merged by seq', () => {
  it('keeps live events that arrive while the replay is in flight, without duplicates', async () => {
    const source = new FakeSource();
    source.autoRespond = false;
    for (const s of [1, 2, 3]) source.publish(ev(s), false);
    const feed = new TaskFeed('task_1', source);
    feed.start();
    // Published after the socket subscribed: both live and (later) in the replay answer.
    source.publish(ev(4));
    source.publish(ev(5));
    expect(seqs(feed.getSnapshot().events)).toEqual([4, 5]);
    expect(feed.getSnapshot().loading).toBe(true);
    await source.release();
    expect(seqs(feed.getSnapshot().events)).toEqual([1, 2, 3, 4, 5]);
    expect(feed.getSnapshot().loading).toBe(false);
    source.publish(ev(6));
    expect(seqs(feed.getSnapshot().events)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(source.calls).toEqual([0]);
    feed.stop();
  });

  it('fills a gap before a live event from the replay API', async () => {
    const source = new FakeSource();
    const feed = new TaskFeed('task_1', source);
    feed.start();
    await flush();
    source.publish(ev(1));
    source.publish(ev(2), false); // missed by the socket
    source.publish(ev(3), false);
    source.publish(ev(4));
    await flush();
    expect(seqs(feed.getSnapshot().events)).toEqual([1, 2, 3, 4]);
    expect(source.calls).toEqual([0, 1]);
    feed.stop();
  });

  it('pages through a long replay', async () => {
    const source = new FakeSource();
    source.pageSize = 2;
    for (let s = 1; s <= 5; s++) source.publish(ev(s), false);
    const feed = new TaskFeed('task_1', source);
    feed.start();
    await flush();
    expect(seqs(feed.getSnapshot().events)).toEqual([1, 2, 3, 4, 5]);
    expect(source.calls).toEqual([0, 2, 4]);
    feed.stop();
  });

  it('catches up after the socket reconnects', async () => {
    const source = new FakeSource();
    source.publish(ev(1), false);
    const feed = new TaskFeed('task_1', source);
    feed.start();
    await flush();
    source.publish(ev(2), false);
    source.publish(ev(3), false);
    source.reconnected();
    await flush();
    expect(seqs(feed.getSnapshot().events)).toEqual([1, 2, 3]);
    expect(source.calls).toEqual([0, 1]);
    feed.stop();
  });

  it('reports a failed replay and recovers on refresh', async () => {
    const source = new FakeSource();
    source.publish(ev(1), false);
    let fail = true;
    const original = source.fetchAfter.bind(source);
    source.fetchAfter = (id, after) => (fail ? Promise.reject(new Error('GET /api/tasks/task_1/events answered 503')) : original(id, after));
    const feed = new TaskFeed('task_1', source);
    feed.start();
    await flush();
    expect(feed.getSnapshot().error).toContain('503');
    fail = false;
    await act(() => feed.refresh());
    expect(feed.getSnapshot()).toMatchObject({ error: null, loading: false });
    expect(seqs(feed.getSnapshot().events)).toEqual([1]);
  });

  it('drives a component through useTaskFeed', async () => {
    const source = new FakeSource();
    source.publish({ seq: 1, item: { kind: 'text_delta', text: 'Hello' } }, false);
    function Probe() {
      const feed = useTaskFeed('task_1');
      return <p data-testid="probe">{feed.events.map((e) => (e.item as Extract<StreamItem, { kind: 'text_delta' }>).text).join('')}</p>;
    }
    render(
      <TestLiveProvider source={source}>
        <Probe />
      </TestLiveProvider>,
    );
    await flush();
    expect(screen.getByTestId('probe').textContent).toBe('Hello');
    act(() => source.publish({ seq: 2, item: { kind: 'text_delta', text: ', world' } }));
    expect(screen.getByTestId('probe').textContent).toBe('Hello, world');
  });
});
