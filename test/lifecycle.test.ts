import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandLine, descendants, isAlive } from '../src/worker/process-tree.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value as T;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('task lifecycle on the real CLI', () => {
  let model: ScriptedModel;
  let h: Harness;

  beforeAll(async () => {
    model = await startScriptedModel();
    h = await startHarness({ model, env: { MAX_CONCURRENT_TASKS: '3' } });
  });
  afterAll(async () => {
    await h?.close();
    await model?.close();
  });

  it('never runs more than MAX_CONCURRENT_TASKS children at once, with a burst of 20', async () => {
    model.reset();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await h.request('POST', '/api/chat', { message: `[[script:slow 600 burst ${i}]] go` });
      expect(res.status).toBe(202);
      ids.push(res.body.task_id);
    }
    const status = await h.request('GET', '/api/dashboard/status');
    expect(status.body.running).toBeLessThanOrEqual(3);
    const finished = await Promise.all(ids.map((id) => h.waitForTask(id, ['completed', 'failed'], 120_000)));
    expect(finished.map((t) => t.status)).toEqual(Array(20).fill('completed'));
    expect(h.services.worker!.peakConcurrency).toBe(3); // the limit was reached…
    expect(model.maxConcurrent).toBeLessThanOrEqual(3); // …and the model never saw more than three runs at once
    expect(model.maxConcurrent).toBeGreaterThanOrEqual(2);
  }, 180_000);

  it('cancels a running task and leaves no process of its tree behind', async () => {
    const task = await h.services.tasks.create({
      session_id: 's',
      source: 'test',
      input_message: '[[script:bash node -e "setInterval(() => {}, 1000)"]] wait',
      allowed_tools: ['Bash(node:*)'],
    });
    // Wait until the Bash tool's long command runs under the child (Claude Code refuses a standalone long sleep, and tail outside the workspace).
    const tree = await until(async () => {
      const row = await h.services.repos.tasks.get(task.task_id);
      if (!row?.child_pid) return undefined;
      const below = descendants(row.child_pid);
      return below.length > 0 && below.some((pid) => /setInterval/.test(safeCmd(pid))) ? [row.child_pid, ...below] : undefined;
    }, 'the tool command to start');
    const res = await h.request('POST', `/api/tasks/${task.task_id}/cancel`);
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('cancelling');
    const done = await h.waitForTask(task.task_id);
    expect(done).toMatchObject({ status: 'cancelled', outcome: 'cancelled', error: 'cancelled by a user' });
    expect(tree.filter(isAlive)).toEqual([]);
    // Cancelling twice is a conflict, not a 500.
    const again = await h.request('POST', `/api/tasks/${task.task_id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error).toContain('already finished');
  });

  it('cancels a queued task at once and it never runs', async () => {
    // Fill the three slots, then queue one more.
    const busy = await Promise.all(
      [1, 2, 3].map((i) => h.services.tasks.create({ session_id: 's', source: 'test', input_message: `[[script:slow 1500 busy ${i}]] x` })),
    );
    const waiting = await h.services.tasks.create({ session_id: 's', source: 'test', input_message: '[[script:text never]] x' });
    const res = await h.request('POST', `/api/tasks/${waiting.task_id}/cancel`);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('cancelled');
    await Promise.all(busy.map((t) => h.waitForTask(t.task_id)));
    const row = await h.request('GET', `/api/tasks/${waiting.task_id}`);
    expect(row.body).toMatchObject({ status: 'cancelled', started_at: null, num_turns: 0 });
  });

  it('answers bad input with a 4xx naming the problem', async () => {
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', '/api/chat', {}, 400, 'message'],
      ['POST', '/api/chat', { message: 'x', agent: '../etc' }, 400, 'agent'],
      ['POST', '/api/chat', { message: 'x', conversation_id: 'conv_missing' }, 404, 'conv_missing'],
      ['GET', '/api/tasks?limit=0', undefined, 400, 'limit'],
      ['GET', '/api/tasks?status=exploded', undefined, 400, 'status'],
      ['GET', '/api/tasks?cursor=nonsense', undefined, 400, 'cursor'],
      ['GET', '/api/tasks/task_missing', undefined, 404, 'task_missing'],
      ['GET', '/api/tasks/task_missing/events', undefined, 404, 'task_missing'],
      ['POST', '/api/tasks/task_missing/cancel', undefined, 404, 'task_missing'],
      ['PATCH', '/api/conversations/conv_missing', { title: 'x' }, 404, 'conv_missing'],
      ['PATCH', '/api/conversations/conv_missing', {}, 400, 'nothing to change'],
      ['GET', '/api/nowhere', undefined, 404, '/api/nowhere'],
    ];
    for (const [method, url, body, status, mention] of cases) {
      const res = await h.request(method, url, body);
      expect({ url, status: res.status }).toEqual({ url, status });
      expect(JSON.stringify(res.body)).toContain(mention);
    }
    const raw = await fetch(`${h.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message": ' });
    expect(raw.status).toBe(400);
    const wrongType = await fetch(`${h.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(wrongType.status).toBe(400);
    const unsupported = await fetch(`${h.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<a/>' });
    expect(unsupported.status).toBe(415);
  });

  it('finds conversations by title, and lists chats apart from webhook threads', async () => {
    const tag = `t${Date.now().toString(36)}`;
    const made = [`Deploy ${tag} plan`, `deploy ${tag.toUpperCase()} notes`, `100%_${tag} sure`, `Other ${tag}x`];
    const ids = [];
    for (const title of made) ids.push((await h.request('POST', '/api/conversations', { title })).body.conversation_id as string);
    const titles = async (query: string) => ((await h.request('GET', `/api/conversations?${query}`)).body.conversations as Array<{ title: string }>).map((c) => c.title).sort();
    // Case-insensitive, anywhere in the title; % and _ are letters here, not wildcards.
    expect(await titles(`q=${encodeURIComponent(`deploy ${tag}`)}`)).toEqual([made[0], made[1]].sort());
    expect(await titles(`q=${encodeURIComponent(`%_${tag}`)}`)).toEqual([made[2]]);
    expect(await titles(`q=${encodeURIComponent(`_${tag}`)}&kind=chat`)).toEqual([made[2]]);
    expect(await titles(`q=${tag}&kind=thread`)).toEqual([]);
    expect((await h.request('GET', '/api/conversations?kind=nonsense')).status).toBe(400);
    for (const id of ids) await h.request('DELETE', `/api/conversations/${id}`);
  });

  it('manages conversations: create, list, rename, archive, delete', async () => {
    const created = await h.request('POST', '/api/conversations', { title: 'Planning' });
    expect(created.status).toBe(201);
    const id = created.body.conversation_id;
    expect((await h.request('GET', '/api/conversations')).body.conversations.map((c: any) => c.conversation_id)).toContain(id);
    expect((await h.request('PATCH', `/api/conversations/${id}`, { title: 'Renamed', archived: true })).body).toMatchObject({ title: 'Renamed', archived: true });
    expect((await h.request('GET', `/api/conversations?archived=true`)).body.conversations.map((c: any) => c.conversation_id)).toContain(id);
    expect((await h.request('DELETE', `/api/conversations/${id}`)).status).toBe(204);
    expect((await h.request('GET', `/api/conversations/${id}`)).status).toBe(404);
  });

  it('stops a run at TASK_TIMEOUT_SECONDS and marks it failed with outcome timeout', async () => {
    const t = await startHarness({ model, env: { TASK_TIMEOUT_SECONDS: '3' } });
    const task = await t.services.tasks.create({ session_id: 's', source: 'test', input_message: '[[script:slow 20000]] take your time' });
    const pid = await until(async () => (await t.services.repos.tasks.get(task.task_id))?.child_pid ?? undefined, 'the child to start');
    const done = await t.waitForTask(task.task_id, ['completed', 'failed', 'cancelled'], 20_000);
    expect(done).toMatchObject({ status: 'failed', outcome: 'timeout' });
    expect(done.error).toContain('timed out after 3 s');
    expect(isAlive(pid)).toBe(false);
    await t.close();
  });
});

function safeCmd(pid: number): string {
  return commandLine(pid) ?? '';
}
