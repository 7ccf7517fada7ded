import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { credentialReport } from '../src/worker/credentials.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { serviceArgv } from './support/service-process.js';
import { projectRoot } from '../src/paths.js';

// Without a credential a run can only fail; the service says so before the first run (start-up, /health, the
// dashboard's banner) and labels the failed run with what to set, instead of the CLI's "Please run /login".
describe('no Anthropic credential', () => {
  let model: ScriptedModel;
  let h: Harness;

  beforeAll(async () => {
    model = await startScriptedModel();
    h = await startHarness({ model, env: { ANTHROPIC_API_KEY: '' } });
  });
  afterAll(async () => {
    await h?.close();
    await model?.close();
  });

  it('/health names the variable to set and stays ready', async () => {
    const res = await h.request('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body.credential).toMatchObject({ usable: false, source: null });
    expect(res.body.credential.note).toContain('ANTHROPIC_API_KEY');
  });

  it('a run that fails for want of one is labelled so, with the variable to set', async () => {
    const started = await h.request('POST', '/api/chat', { message: 'hello [[script:text never answered]]' });
    expect(started.status).toBe(202);
    const task = await h.waitForTask(started.body.task_id, ['completed', 'failed'], 60_000);
    expect(task?.status).toBe('failed');
    expect(task?.error).toMatch(/^no usable Anthropic credential: set ANTHROPIC_API_KEY/);
    expect(model.requests.some((r) => JSON.stringify(r.body ?? '').includes('never answered'))).toBe(false);
  });
});

describe('credential report', () => {
  const base = { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'cca-cred-')) };

  it('names the source in Claude Code’s order and never the value', () => {
    const secret = 'sk-ant-secret-value-1234';
    const report = credentialReport(loadConfig({ ...base, CLAUDE_CONFIG_DIR: base.DATA_DIR, CLAUDE_CODE_OAUTH_TOKEN: 'oauth-x', ANTHROPIC_API_KEY: secret }));
    expect(report).toMatchObject({ usable: true, source: 'ANTHROPIC_API_KEY' });
    expect(JSON.stringify(report)).not.toContain(secret);
    expect(credentialReport(loadConfig({ ...base, CLAUDE_CONFIG_DIR: base.DATA_DIR, CLAUDE_CODE_OAUTH_TOKEN: 'oauth-x' })).source).toBe('CLAUDE_CODE_OAUTH_TOKEN');
  });

  it('counts a `claude` login of the service’s user', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-login-'));
    expect(credentialReport(loadConfig({ ...base, CLAUDE_CONFIG_DIR: dir })).usable).toBe(false);
    fs.writeFileSync(path.join(dir, '.credentials.json'), '{}');
    expect(credentialReport(loadConfig({ ...base, CLAUDE_CONFIG_DIR: dir }))).toMatchObject({ usable: true, source: 'claude login' });
  });
});

describe('start-up as an operator sees it', () => {
  it('warns of a missing credential, and a port in use is one clear line and exit 1, not a stack trace', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-port-'));
    try {
      // Not startServiceProcess: it polls /health, which the process holding the port would never answer.
      const child = spawn(process.execPath, serviceArgv('start'), {
        cwd: projectRoot,
        env: { PATH: process.env.PATH ?? '', HOME: dir, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dir, CLAUDE_CONFIG_DIR: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code, out).toBe(1);
      expect(out).toContain(`cannot listen on 127.0.0.1:${port}: the port is already in use`);
      expect(out).toContain('set PORT to another port');
      expect(out).toContain('no Anthropic credential: runs will fail until you set ANTHROPIC_API_KEY');
      expect(out).not.toMatch(/\n\s+at /);
    } finally {
      holder.close();
    }
  }, 120_000);
});
