// Issue 15, item 5: `GET /api/tasks/{id}/session` hands a task's Claude session off. The proof is the real CLI on
// "someone's machine" (a fresh HOME and directory): the answer's `install` line files the transcript, its
// `resume_command` continues the session, and the scripted model sees the earlier turns.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/paths.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';

const run = promisify(execFile);
const TOKEN = 'handoff-test-token-5b1e';

describe('GET /api/tasks/{id}/session: the Claude session, to resume locally', () => {
  let model: ScriptedModel;
  let h: Harness;
  const auth = { authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    model = await startScriptedModel();
    h = await startHarness({ model, env: { API_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await h?.close();
    await model?.close();
  });

  it('answers the transcript and the exact claude --resume command, which continues the session on another machine', async () => {
    const chat = await h.request('POST', '/api/chat', { message: 'remember the word avocado [[script:text Noted: avocado.]]' }, auth);
    expect(chat.status).toBe(202);
    const task = await h.waitForTask(chat.body.task_id);
    expect(task.status).toBe('completed');

    expect((await h.request('GET', `/api/tasks/${task.task_id}/session`, undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
    const res = await h.request('GET', `/api/tasks/${task.task_id}/session`, undefined, auth);
    expect(res.status).toBe(200);
    const session = task.claude_session_id!;
    expect(res.body).toMatchObject({ task_id: task.task_id, session_id: session, conversation_id: task.conversation_id, file_name: `${session}.jsonl`, resume_command: `claude --resume ${session}` });
    const lines = (res.body.transcript as string).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { sessionId?: string });
    expect(lines.some((l) => l.sessionId === session)).toBe(true);
    expect(res.body.transcript).toContain('Noted: avocado.');

    // Someone else's machine: a fresh HOME, a directory of their own, the downloaded file in it.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-home-'));
    const cwd = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cca-local-')));
    fs.writeFileSync(path.join(cwd, res.body.file_name), res.body.transcript);
    const env = { PATH: process.env.PATH!, HOME: home, ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: 'test', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' };
    await run('bash', ['-c', res.body.install], { cwd, env });
    const claude = path.join(projectRoot, 'node_modules', '.bin', 'claude');
    const [, ...args] = (res.body.resume_command as string).split(' ');
    model.reset();
    const out = await run(claude, [...args, '-p', 'what was the word? [[script:text It was avocado.]]', '--output-format', 'json'], { cwd, env, timeout: 120_000 });
    expect(JSON.parse(out.stdout)).toMatchObject({ session_id: session, result: 'It was avocado.' });
    const asked = model.requests.find((r) => r.script === 'text');
    expect(JSON.stringify(asked?.body.messages)).toContain('remember the word avocado');
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('404 for an unknown task, 409 for a task that never ran Claude Code', async () => {
    const unknown = await h.request('GET', '/api/tasks/task_nope/session', undefined, auth);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toContain('task_nope');
    const waiting = await h.services.tasks.create({ session_id: 's', source: 'test', input_message: 'needs a yes', needs_approval: true });
    const none = await h.request('GET', `/api/tasks/${waiting.task_id}/session`, undefined, auth);
    expect(none.status).toBe(409);
    expect(none.body.error).toContain('has no Claude session');
  });
});
