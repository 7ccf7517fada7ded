import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasBwrap } from './support/bwrap.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';

const LOGIN = '{"marker":"operator-login-3f9a"}';
const OPERATOR_SETTING = 'operator-setting-7c1d';

/** The operator's Claude config dir as a logged-in `claude` leaves it: a login, settings, other sessions. */
function fillOperatorConfig(dir: string): void {
  fs.mkdirSync(path.join(dir, 'projects', '-elsewhere'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.credentials.json'), LOGIN);
  fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({ env: { NOTE: OPERATOR_SETTING } }));
  fs.writeFileSync(path.join(dir, 'projects', '-elsewhere', 'old-session.jsonl'), '{"secret":"old-session"}\n');
}

async function until<T>(probe: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const PROBE = 'echo "home=$HOME"; echo "config=$CLAUDE_CONFIG_DIR"; echo "tmp=$TMPDIR"; ls -A "$CLAUDE_CONFIG_DIR"; cat "$CLAUDE_CONFIG_DIR/.credentials.json"; echo; echo "== operator"; ls -A OPERATOR 2>&1';

describe('each run keeps its Claude state to itself', () => {
  let model: ScriptedModel;
  beforeAll(async () => {
    model = await startScriptedModel();
  });
  afterAll(async () => {
    await model?.close();
  });

  async function probeRun(h: Harness) {
    fs.mkdirSync(h.claudeConfigDir, { recursive: true });
    fillOperatorConfig(h.claudeConfigDir);
    // In a conversation, so its transcript is kept to resume (a task outside one keeps none).
    const conversation = (await h.request('POST', '/api/conversations', { title: 'probe' })).body;
    const task = await h.services.tasks.create({
      session_id: 's',
      source: 'test',
      conversation_id: conversation.conversation_id,
      input_message: `[[script:bash ${PROBE.replace('OPERATOR', h.claudeConfigDir)}]] where am I`,
      allowed_tools: ['Bash'],
    });
    const done = await h.waitForTask(task.task_id, undefined, 90_000);
    expect(done.status).toBe('completed');
    const out = done.output ?? '';
    const value = (name: string) => out.match(new RegExp(`^${name}=(.*)$`, 'm'))?.[1];
    const [own = '', operator = ''] = out.split('== operator');
    return { task: done, own, operator, value, stateDir: path.join(h.dataDir, 'claude-state', task.task_id) };
  }

  describe.skipIf(!hasBwrap)('sandboxed (the default)', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ model });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('has a HOME and config dir of its own holding only a copy of the login, and nothing of the operator config dir', async () => {
      expect((await h.request('GET', '/health')).body.sandbox).toEqual({ mode: 'bwrap', sandboxed: true, network: 'shared' });
      const { task, own, operator, value, stateDir } = await probeRun(h);
      expect(value('home')).toBe(path.join(stateDir, 'home'));
      expect(value('config')).toBe(path.join(stateDir, 'home', '.claude'));
      expect(value('tmp')).toBe('/tmp');
      expect(own).toContain(LOGIN);
      expect(own).not.toContain('settings.json');
      expect(operator).toContain('No such file or directory');

      // When the run is over its state goes; its transcript was kept in the database first.
      await until(() => (fs.existsSync(stateDir) ? undefined : true), 'the run state to be removed');
      expect(await h.services.repos.claudeSessions.get(task.claude_session_id!)).toContain('where am I');
      // The operator's files are untouched.
      expect(fs.readFileSync(path.join(h.claudeConfigDir, '.credentials.json'), 'utf8')).toBe(LOGIN);
    });
  });

  describe('unsandboxed (SANDBOX=off)', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ model, env: { SANDBOX: 'off' } });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('says so on /health, and still gives each run a Claude config dir of its own', async () => {
      const health = (await h.request('GET', '/health')).body;
      expect(health.sandbox).toEqual({ mode: 'off', sandboxed: false, note: 'runs are not sandboxed: SANDBOX=off' });
      const { own, value, stateDir } = await probeRun(h);
      expect(value('config')).toBe(path.join(stateDir, 'home', '.claude'));
      expect(value('home')).toBe(process.env.HOME); // the service user's HOME, as an unsandboxed `claude` has
      expect(own).toContain(LOGIN);
      expect(own).not.toContain('settings.json');
      await until(() => (fs.existsSync(stateDir) ? undefined : true), 'the run state to be removed');
    });
  });
});
