import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_MODELS } from '../src/domain/models.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';

// Issue 14 items 1 and 2 through the API, with the real CLI (and bwrap when the machine has it): a conversation's
// turns share one workspace, its files are served without ever leaving it, and the composer's choices (agent,
// model, permission mode) are kept on the conversation, the model validated and resolved.
describe('conversation workspace and run settings', () => {
  let model: ScriptedModel;
  let h: Harness;
  let outside: string;
  let root: string;

  beforeAll(async () => {
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-outside-'));
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'not for the dashboard');
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-roots-'));
    fs.mkdirSync(path.join(root, 'project'));
    fs.symlinkSync(outside, path.join(root, 'escape'));
    model = await startScriptedModel();
    h = await startHarness({ model, env: { WORKSPACE_ROOTS: root } });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await model?.close();
    for (const dir of [outside, root]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const chat = async (body: Record<string, unknown>) => {
    const res = await h.request('POST', '/api/chat', body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const task = await h.waitForTask(res.body.task_id, ['completed', 'failed'], 90_000);
    expect(task.status, task.error ?? '').toBe('completed');
    return { ...task, conversation_id: res.body.conversation_id as string };
  };
  const conversationCount = async () => (await h.request('GET', '/api/conversations?limit=200')).body.conversations.length as number;
  const archiveOf = async (conversationId: string): Promise<Map<string, { type: string; body: string; linkname?: string | null }>> => {
    const res = await fetch(`${h.url}/api/conversations/${conversationId}/workspace.tar.gz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/gzip');
    const entries = new Map<string, { type: string; body: string; linkname?: string | null }>();
    const extract = tar.extract();
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => void chunks.push(c as Buffer));
      stream.on('end', () => {
        entries.set(header.name.split('/').slice(1).join('/'), { type: header.type ?? 'file', body: Buffer.concat(chunks).toString('utf8'), linkname: header.linkname });
        next();
      });
    });
    await pipeline(Readable.fromWeb(res.body as never), zlib.createGunzip(), extract);
    return entries;
  };

  it('a file one turn writes is there for the next turn, in the Files API and in the archive', async () => {
    const first = await chat({ message: '[[script:tool]] write it', permission_mode: 'acceptEdits' });
    const second = await chat({ message: '[[script:bash cat hello.txt]] read it', conversation_id: first.conversation_id });
    expect(second.output).toContain('hello from the scripted model');

    const files = await h.request('GET', `/api/conversations/${first.conversation_id}/workspace/files`);
    expect(files.status).toBe(200);
    expect(files.body.entries).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'hello.txt', path: 'hello.txt', type: 'file' })]));
    const file = await h.request('GET', `/api/conversations/${first.conversation_id}/workspace/file?path=hello.txt`);
    expect(file.body).toMatchObject({ path: 'hello.txt', content: 'hello from the scripted model', binary: false, truncated: false });

    const archive = await archiveOf(first.conversation_id);
    expect(archive.get('hello.txt')?.body).toBe('hello from the scripted model');
    // The registry links in .claude lead out of the workspace: not in the archive.
    expect([...archive.keys()].filter((k) => k.startsWith('.claude/agents'))).toEqual([]);
  }, 180_000);

  it('refuses paths and symlinks that lead out of the workspace, and the archive leaves such links out', async () => {
    const { conversation_id: id } = await chat({ message: '[[script:tool]] write it' });
    const dir = path.join(h.dataDir, 'workspaces', id);
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(dir, 'leak.txt'));
    fs.symlinkSync(outside, path.join(dir, 'leakdir'));
    fs.symlinkSync('/nonexistent-cca/escape', path.join(dir, 'dangling'));
    fs.symlinkSync('hello.txt', path.join(dir, 'alias.txt'));
    const base = `/api/conversations/${id}/workspace`;
    for (const bad of ['../../../../etc/passwd', '/etc/passwd', 'a/../../x', '..', 'leak.txt', 'leakdir/secret.txt', 'dangling', '%2e%2e/%2e%2e/etc/passwd', 'hello.txt%00']) {
      const res = await h.request('GET', `${base}/file?path=${bad.includes('%') ? bad : encodeURIComponent(bad)}`);
      expect(res.status, `${bad}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.field).toBe('path');
      expect(JSON.stringify(res.body)).not.toContain('not for the dashboard');
    }
    expect((await h.request('GET', `${base}/files?path=leakdir`)).status).toBe(400);
    expect((await h.request('GET', `${base}/files?path=..`)).status).toBe(400);
    // A link that stays inside is followed.
    expect((await h.request('GET', `${base}/file?path=alias.txt`)).body.content).toBe('hello from the scripted model');
    expect((await h.request('GET', `${base}/file?path=missing.txt`)).status).toBe(404);

    const archive = await archiveOf(id);
    expect(archive.has('leak.txt')).toBe(false);
    expect(archive.has('leakdir')).toBe(false);
    expect(archive.has('dangling')).toBe(false);
    expect(archive.get('alias.txt')).toMatchObject({ type: 'symlink', linkname: 'hello.txt' });
    expect([...archive.values()].some((e) => e.body.includes('not for the dashboard'))).toBe(false);
  }, 120_000);

  it('starts a conversation in a folder under WORKSPACE_ROOTS, and refuses any other folder with a 400', async () => {
    const before = await conversationCount();
    for (const bad of [outside, path.join(root, 'escape'), path.join(root, 'project', '..', '..'), 'project', path.join(root, 'missing')]) {
      const res = await h.request('POST', '/api/chat', { message: 'hi', workspace: { kind: 'path', path: bad } });
      expect(res.status, bad).toBe(400);
      expect(res.body.field).toBe('workspace');
      expect(res.body.error).toContain('WORKSPACE_ROOTS');
    }
    for (const url of ['file:///etc', '/srv/repo', 'ssh://git@example.com/x.git', 'https://user:pw@example.com/x.git']) {
      expect((await h.request('POST', '/api/conversations', { workspace: { kind: 'repository', url } })).status, url).toBe(400);
    }
    expect(await conversationCount()).toBe(before);

    const project = path.join(root, 'project');
    const turn = await chat({ message: '[[script:tool]] write it', workspace: { kind: 'path', path: project } });
    expect(fs.readFileSync(path.join(project, 'hello.txt'), 'utf8')).toBe('hello from the scripted model');
    const conversation = (await h.request('GET', `/api/conversations/${turn.conversation_id}`)).body;
    expect(conversation.workspace).toEqual({ kind: 'path', ref: fs.realpathSync(project) });
    // The workspace is chosen once, when the conversation starts.
    const again = await h.request('POST', '/api/chat', { message: 'hi', conversation_id: turn.conversation_id, workspace: { kind: 'empty' } });
    expect(again.status).toBe(400);
    expect(again.body.field).toBe('workspace');
  }, 120_000);

  it('keeps agent, model and permission mode on the conversation across turns, models resolved to their full name', async () => {
    const first = await chat({ message: '[[script:text one]] one', agent: 'planning', model: 'opus', permission_mode: 'plan' });
    expect(first).toMatchObject({ assigned_agent: 'planning', model: 'claude-opus-5-5', permission_mode: 'plan' });
    const second = await chat({ message: '[[script:text two]] two', conversation_id: first.conversation_id });
    expect(second).toMatchObject({ assigned_agent: 'planning', model: 'claude-opus-5-5', permission_mode: 'plan' });
    expect(model.requests.filter((r) => r.script === 'text').map((r) => r.body.model)).toContain('claude-opus-5-5');
    const conversation = (await h.request('GET', `/api/conversations/${first.conversation_id}`)).body;
    expect(conversation).toMatchObject({ agent: 'planning', model: 'claude-opus-5-5', permission_mode: 'plan' });

    // Changed in the composer (or by PATCH): later turns follow; null goes back to the default.
    const patched = await h.request('PATCH', `/api/conversations/${first.conversation_id}`, { model: 'haiku', agent: null });
    expect(patched.body).toMatchObject({ agent: null, model: 'claude-haiku-5-5', permission_mode: 'plan' });
    const third = await chat({ message: '[[script:text three]] three', conversation_id: first.conversation_id, permission_mode: 'acceptEdits' });
    expect(third).toMatchObject({ assigned_agent: null, model: 'claude-haiku-5-5', permission_mode: 'acceptEdits' });
  }, 180_000);

  it('refuses an unknown model with a 400 naming the known ones, and changes nothing', async () => {
    const before = await conversationCount();
    const res = await h.request('POST', '/api/chat', { message: 'hi', model: 'gpt-4o' });
    expect(res.status).toBe(400);
    expect(res.body.field).toBe('model');
    expect(res.body.error).toContain('"gpt-4o"');
    for (const known of ['sonnet', 'opus', 'haiku', ...KNOWN_MODELS]) expect(res.body.error).toContain(known);
    expect(await conversationCount()).toBe(before);
    const { conversation_id } = await chat({ message: '[[script:text x]] x' });
    const patch = await h.request('PATCH', `/api/conversations/${conversation_id}`, { model: 'gpt-4o' });
    expect(patch.status).toBe(400);
    expect((await h.request('GET', `/api/conversations/${conversation_id}`)).body.model).toBeNull();
    const options = (await h.request('GET', '/api/chat/options')).body;
    expect(options).toMatchObject({ aliases: { sonnet: 'claude-sonnet-5-5' }, workspace_roots: [root] });
    expect(options.models).toEqual(KNOWN_MODELS);
  }, 120_000);
});
