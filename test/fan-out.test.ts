/**
 * Fan-out never slows a run: with 1,000 WebSocket subscribers a run with 2 MB of output completes with its result,
 * every subscriber that stays connected gets every event and the final one, and /health answers meanwhile.
 * The clients live in a process of their own (test/support/ws-swarm.mjs): what they cost is not the service's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { startSwarm, type Swarm, type SwarmClient } from './support/ws-swarm.js';

const CLIENTS = 1000;
const OUTPUT_KB = 2048;

describe('fan-out to many WebSocket clients', () => {
  let model: ScriptedModel;
  let h: Harness;
  let swarm: Swarm | undefined;

  beforeAll(async () => {
    model = await startScriptedModel();
    h = await startHarness({ model });
    swarm = await startSwarm(h.url.replace('http', 'ws'), CLIENTS);
  }, 180_000);
  afterAll(async () => {
    await swarm?.close();
    await h?.close();
    await model?.close();
  }, 60_000);

  it(`${CLIENTS} subscribers and a ${OUTPUT_KB / 1024} MB run: the run completes with its result, every connected client gets every event and the final one, /health answers meanwhile`, async () => {
    const sent = await h.request('POST', '/api/chat', { message: `[[script:long ${OUTPUT_KB}]] write a long reply` });
    expect(sent.status).toBe(202);
    const taskId: string = sent.body.task_id;

    // /health is asked over and over while the run goes; each answer is noted with the task's status at that time
    // as the database had it just before (so an answer counts only if the run was really going on).
    const answeredWhileRunning: number[] = [];
    let probing = true;
    const probes = (async () => {
      while (probing) {
        const before = (await h.services.repos.tasks.get(taskId))?.status;
        const res = await fetch(`${h.url}/health`).catch(() => undefined);
        const after = (await h.services.repos.tasks.get(taskId))?.status;
        if (res?.status === 200 && before === 'running' && after === 'running') answeredWhileRunning.push(Date.now());
        await res?.text();
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const task = await h.waitForTask(taskId, ['completed', 'failed', 'cancelled'], 300_000);
    probing = false;
    await probes;
    expect(task.error).toBeNull();
    expect(task.status).toBe('completed');
    expect(task.output!.length).toBeGreaterThan(OUTPUT_KB * 1000);
    expect(answeredWhileRunning.length).toBeGreaterThan(0);

    // Every client still connected gets the final event (it may still be on its way when the task row says done).
    let clients: SwarmClient[] = [];
    const deadline = Date.now() + 180_000;
    for (;;) {
      clients = await swarm!.report(taskId);
      if (clients.filter((c) => c.open).every((c) => c.finals.length > 0) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const connected = clients.filter((c) => c.open);
    const cut = clients.filter((c) => !c.open);
    // A client is only ever cut for being too slow (1013), never dropped silently.
    expect(cut.filter((c) => c.closeCode !== 1013)).toEqual([]);
    expect(connected.length).toBeGreaterThan(0);
    for (const c of connected) {
      expect(c.finals).toEqual(['completed']);
      expect(c).toMatchObject({ firstSeq: 1, lastSeq: task.event_count, contiguous: true });
    }
  }, 600_000);
});
