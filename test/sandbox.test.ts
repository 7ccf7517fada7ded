import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/paths.js';
import { hasBwrap } from './support/bwrap.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { freePort, startServiceProcess, type ServiceProcess } from './support/service-process.js';

// Real settings of the service under test: they sit in its environment (/proc/<pid>/environ) and its config.
const SECRETS = {
  API_TOKEN: 'sbx-api-token-51c2e7',
  GITHUB_TOKEN: 'ghp_sbxgithubtoken9a8b7c',
  GITHUB_WEBHOOK_SECRET: 'sbx-gh-hook-secret-3e4f',
  SLACK_BOT_TOKEN: 'xoxb-sbx-slack-token-77aa',
  SLACK_SIGNING_SECRET: 'sbx-slack-signing-88bb',
  JIRA_WEBHOOK_SECRET: 'sbx-jira-hook-99cc',
  JIRA_API_TOKEN: 'sbx-jira-api-token-00dd',
  SENTRY_CLIENT_SECRET: 'sbx-sentry-client-11ee',
  SENTRY_AUTH_TOKEN: 'sbx-sentry-auth-22ff',
};
// Files of other runs and of the operator: their contents must never reach a run either.
const OTHER_WORKSPACE_SECRET = 'other-workspace-secret-4d1a';
const OTHER_TRANSCRIPT_SECRET = 'other-transcript-secret-6b2c';
const OPERATOR_FILE_SECRET = 'operator-env-secret-8e3f';
const SERVICE_HOME_SECRET = 'service-home-secret-0a5b';
const EVERY_SECRET = [...Object.values(SECRETS), OTHER_WORKSPACE_SECRET, OTHER_TRANSCRIPT_SECRET, OPERATOR_FILE_SECRET, SERVICE_HOME_SECRET];

/** A pattern for grep that finds VALUE without the probe's own command line containing VALUE literally. */
const grepPattern = (value: string) => `${value.slice(0, -1)}[${value.slice(-1)}]`;

describe.skipIf(!hasBwrap)('a run cannot reach the service, its data or other runs (sandbox)', () => {
  let model: ScriptedModel;
  let root: string;
  let dataDir: string;
  let operatorConfigDir: string;
  let serviceHome: string;
  let service: ServiceProcess;

  async function api(method: string, p: string, body?: unknown) {
    const res = await fetch(`${service.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${SECRETS.API_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  }
  async function waitForStatus(taskId: string, statuses: string[], timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    let last: any;
    while (Date.now() < deadline) {
      last = (await api('GET', `/api/tasks/${taskId}`)).body;
      if (statuses.includes(last.status)) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`task ${taskId} did not reach ${statuses.join('|')}: ${JSON.stringify(last)}`);
  }
  async function run(message: string) {
    const res = await api('POST', '/api/chat', { message });
    expect(res.status).toBe(202);
    return waitForStatus(res.body.task_id, ['completed', 'failed', 'cancelled']);
  }
  async function storedEvents(taskId: string): Promise<string> {
    return JSON.stringify((await api('GET', `/api/tasks/${taskId}/events?after=0&limit=1000`)).body);
  }

  beforeAll(async () => {
    model = await startScriptedModel();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-sandbox-'));
    dataDir = path.join(root, 'data');
    operatorConfigDir = path.join(root, 'claude-config');
    serviceHome = path.join(root, 'home');
    fs.mkdirSync(serviceHome);
    // An operator's .env beside the data directory, and a credential in the service user's HOME.
    fs.writeFileSync(path.join(root, 'operator.env'), `SECRET=${OPERATOR_FILE_SECRET}\n`);
    fs.writeFileSync(path.join(serviceHome, '.netrc'), `machine example.com password ${SERVICE_HOME_SECRET}\n`);
    service = await startServiceProcess(
      {
        ...SECRETS,
        JIRA_BASE_URL: 'http://127.0.0.1:9',
        JIRA_EMAIL: 'bot@example.com',
        HOME: serviceHome,
        DATA_DIR: dataDir,
        CLAUDE_CONFIG_DIR: operatorConfigDir,
        ANTHROPIC_BASE_URL: model.url,
        ANTHROPIC_API_KEY: 'test',
        DEFAULT_MODEL: 'claude-sonnet-4-5',
        MAX_CONCURRENT_TASKS: '2',
        SHUTDOWN_GRACE_SECONDS: '2',
        // The strongest run there is: every tool allowed without asking. Only the sandbox stands in its way.
        DEFAULT_PERMISSION_MODE: 'bypassPermissions',
        IS_SANDBOX: '1',
      },
      await freePort(),
    );
  }, 120_000);
  afterAll(async () => {
    if (service) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    await model?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('sees none of the service environment, database, other workspaces, transcripts or operator files, with Bash or Read', async () => {
    // Another conversation: it leaves a file in its workspace…
    const other = await run(`[[script:bash echo ${OTHER_WORKSPACE_SECRET} > notes.txt; echo saved]] keep this`);
    expect(other.status).toBe('completed');
    const otherNotes = path.join(dataDir, 'workspaces', other.conversation_id, 'notes.txt');
    expect(fs.readFileSync(otherNotes, 'utf8')).toContain(OTHER_WORKSPACE_SECRET);
    // …and a third conversation is still running, its transcript (holding its prompt) on disk while the probe runs.
    const running = await api('POST', '/api/chat', { message: `[[script:slow 90000 still going]] ${OTHER_TRANSCRIPT_SECRET}` });
    const runningTask = await waitForStatus(running.body.task_id, ['running']);
    const transcript = await (async () => {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const hit = findFileContaining([dataDir, operatorConfigDir], OTHER_TRANSCRIPT_SECRET, '.jsonl');
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error('the running task wrote no transcript');
    })();
    const servicePid = service.child.pid!;

    const probe = [
      `echo "== environ"; cat /proc/${servicePid}/environ | head -c 300`,
      `echo "== all environ"; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n' | grep -E 'TOKEN|SECRET|_KEY' | sort -u`,
      `echo "== pids"; ls /proc | grep -E '^[0-9]+$' | tr '\\n' ' '`,
      `echo "== cmdlines"; cat /proc/*/cmdline 2>/dev/null | tr '\\0' ' ' | head -c 3000`,
      `echo "== data dir"; ls -a ${dataDir}`,
      `echo "== database"; head -c 64 ${dataDir}/agent.db`,
      `echo "== workspaces"; ls ${path.join(dataDir, 'workspaces')}`,
      `echo "== other notes"; cat ${otherNotes}`,
      `echo "== transcript"; cat ${transcript}`,
      `echo "== grep"; grep -rl -e ${grepPattern(OTHER_TRANSCRIPT_SECRET)} -e ${grepPattern(OTHER_WORKSPACE_SECRET)} ${dataDir} ${operatorConfigDir} 2>&1 | head -5`,
      `echo "== operator file"; cat ${path.join(root, 'operator.env')}`,
      `echo "== service home"; cat ${path.join(serviceHome, '.netrc')}`,
      `echo "== project"; cat ${path.join(projectRoot, 'package.json')}`,
      `echo "== own workspace"; echo mine > own.txt && cat own.txt`,
      `echo "== system"; touch /usr/cca-sandbox-probe 2>&1 && rm /usr/cca-sandbox-probe && echo wrote-usr; echo end`,
    ].join('; ');
    const bash = await run(`[[script:bash ${probe}]] probe`);
    expect(bash.status).toBe('completed');
    const out: string = bash.output;
    const section = (name: string) => out.split(`== ${name}\n`)[1]?.split('\n== ')[0] ?? '';

    expect.soft(section('environ')).toContain(`/proc/${servicePid}/environ: No such file or directory`);
    expect.soft(section('pids').split(' ')).not.toContain(String(servicePid));
    expect.soft(section('cmdlines')).not.toContain('main.ts');
    expect.soft(section('data dir')).not.toContain('agent.db');
    expect.soft(section('database')).toContain('No such file or directory');
    expect.soft(section('workspaces').split('\n')).not.toContain(other.conversation_id);
    expect.soft(section('other notes')).toContain('No such file or directory');
    expect.soft(section('transcript')).toContain('No such file or directory');
    expect.soft(section('grep')).not.toMatch(/\.(txt|jsonl)/);
    expect.soft(section('operator file')).toContain('No such file or directory');
    expect.soft(section('service home')).toContain('No such file or directory');
    expect.soft(section('project')).toContain('No such file or directory');
    // The sandbox still lets the run work: its own workspace is writable, the system is read-only.
    expect.soft(section('own workspace')).toContain('mine');
    expect.soft(section('system')).toContain('Read-only file system');
    expect.soft(section('system')).not.toContain('wrote-usr');

    // The Read tool, too (it refuses /proc and binary files such as agent.db on its own; text files are what it read).
    const readPaths = [otherNotes, transcript, path.join(root, 'operator.env'), path.join(serviceHome, '.netrc')];
    const read = await run(`[[script:read ${readPaths.join(' ')}]] read`);
    expect(read.status).toBe('completed');
    for (const p of readPaths) expect.soft(read.output, p).toContain(`== ${p}\n(error) File does not exist.`);

    await api('POST', `/api/tasks/${runningTask.task_id}/cancel`);
    await waitForStatus(runningTask.task_id, ['cancelled', 'failed', 'completed']);

    // Nothing secret in what the probing runs produced, nor in what the service stored of them.
    for (const task of [bash, read]) {
      const stored = await storedEvents(task.task_id);
      for (const secret of EVERY_SECRET) {
        expect.soft(task.output, secret).not.toContain(secret);
        expect.soft(stored, secret).not.toContain(secret);
      }
    }
  }, 300_000);
});

/** The first file under `dirs` (recursively) whose name ends with `suffix` and whose content holds `needle`. */
function findFileContaining(dirs: string[], needle: string, suffix: string): string | undefined {
  for (const dir of dirs.filter((d) => fs.existsSync(d))) {
    try {
      for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())) {
        const file = path.join(entry.parentPath, entry.name);
        if (file.endsWith(suffix) && fs.readFileSync(file, 'utf8').includes(needle)) return file;
      }
    } catch (err) {
      // A run that ended meanwhile had its directories removed under the walk: the caller looks again.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return undefined;
}
