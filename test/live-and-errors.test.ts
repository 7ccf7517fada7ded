import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScriptedHarness, startScriptedHarness } from './support/harness.js';

// Claude Code retries API errors 10 times over ~3 minutes by default; one retry keeps these runs short. The variable
// reaches the child through the service's environment allowlist, as an operator's would.
process.env.CLAUDE_CODE_MAX_RETRIES = '1';

describe('live replay and API errors', () => {
  let h: ScriptedHarness;

  beforeAll(async () => {
    h = await startScriptedHarness();
  });
  afterAll(() => h?.close());

  it('a client that joins mid-run gets replay then live: every seq once, in order, none missing', async () => {
    const sent = await h.request('POST', '/api/chat', { message: '[[script:steps 6 250]] work slowly', session_id: 'someone-else' });
    const taskId = sent.body.task_id;
    // Join once a few events exist.
    await waitUntil(async () => (await h.request('GET', `/api/tasks/${taskId}`)).body.event_count >= 3);
    const live = await h.connect('late-viewer');
    live.send({ type: 'subscribe', task_id: taskId });
    await live.waitFor((e) => e.type === 'subscribed');
    const replay = await h.request('GET', `/api/tasks/${taskId}/events?after=0`);
    await live.waitFor((e) => e.type === 'task.completed' && e.task_id === taskId);
    const replayed = replay.body.events.map((e: any) => e.seq);
    const streamed = live.events.filter((e: any) => e.type === 'task.output').map((e: any) => e.seq);
    expect(replayed.length).toBeGreaterThanOrEqual(3);
    const merged = [...new Set([...replayed, ...streamed])].sort((a, b) => a - b);
    const final = await h.request('GET', `/api/tasks/${taskId}`);
    expect(merged).toEqual(Array.from({ length: final.body.event_count }, (_, i) => i + 1));
    // Live events continue exactly where they were when the socket subscribed: no duplicates within the stream.
    expect(new Set(streamed).size).toBe(streamed.length);
    expect(streamed).toEqual([...streamed].sort((a, b) => a - b));
    live.close();
  });

  it('only sends a session its own tasks unless it subscribes', async () => {
    const mine = await h.connect('mine');
    const other = await h.request('POST', '/api/chat', { message: '[[script:text for others]] x', session_id: 'not-mine' });
    const own = await h.request('POST', '/api/chat', { message: '[[script:text for me]] x', session_id: 'mine' });
    await mine.waitFor((e) => e.type === 'task.completed' && e.task_id === own.body.task_id);
    await h.waitForTask(other.body.task_id);
    expect(mine.events.some((e: any) => e.task_id === other.body.task_id)).toBe(false);
    mine.send({ type: 'nonsense' });
    expect((await mine.waitFor((e) => e.type === 'error')).error).toContain('subscribe');
    mine.close();
  });

  for (const status of [429, 500, 529]) {
    it(`a run whose API calls keep failing with ${status} ends failed with the API's error`, async () => {
      const task = await h.services.tasks.create({ session_id: 's', source: 'test', input_message: `[[script:error ${status}]] try` });
      const done = await h.waitForTask(task.task_id, ['completed', 'failed'], 60_000);
      expect(done.status).toBe('failed');
      expect(done.outcome).toBe('error');
      expect(done.error).toContain(String(status));
      const events = await h.request('GET', `/api/tasks/${task.task_id}/events`);
      expect(events.body.events.some((e: any) => e.item.kind === 'status' && e.item.message.includes('retrying'))).toBe(true);
    });
  }

  it('a run that recovers after a transient 529 completes', async () => {
    const task = await h.services.tasks.create({ session_id: 's', source: 'test', input_message: '[[script:error 529 1]] try' });
    const done = await h.waitForTask(task.task_id);
    expect(done.status).toBe('completed');
  });

  it('long output is kept whole', async () => {
    const task = await h.services.tasks.create({ session_id: 's', source: 'test', input_message: '[[script:long 200]] write a lot' });
    const done = await h.waitForTask(task.task_id);
    expect(done.status).toBe('completed');
    expect(done.output!.length).toBeGreaterThan(190_000);
  });
});

async function waitUntil(probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}
