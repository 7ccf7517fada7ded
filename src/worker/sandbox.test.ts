import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasBwrap } from '../../test/support/bwrap.js';
import { projectRoot } from '../paths.js';
import { bwrapArgs, claudePackageOf, detectSandbox, findBwrap, SandboxUnavailableError } from './sandbox.js';

const claudeExecutable = fs.realpathSync(path.join(projectRoot, 'node_modules', '.bin', 'claude'));

describe('choosing the sandbox at start', () => {
  it('runs unsandboxed when the operator says SANDBOX=off, without looking for bwrap', () => {
    expect(detectSandbox('off', { find: () => expect.unreachable() })).toMatchObject({ mode: 'off', reason: 'SANDBOX=off' });
  });

  it('auto falls back to unsandboxed runs, saying why, when bwrap is missing or cannot run', () => {
    expect(detectSandbox('auto', { find: () => undefined })).toMatchObject({ mode: 'off', requested: 'auto', reason: 'bwrap (bubblewrap) is not installed' });
    // A bwrap that exists but fails (e.g. namespaces forbidden in a container): the real probe runs it.
    const broken = detectSandbox('auto', { find: () => '/bin/false' });
    expect(broken.mode).toBe('off');
    expect(broken.reason).toContain('/bin/false cannot run here');
  });

  it('SANDBOX=bwrap refuses to start without a working bwrap, naming the setting and the fix', () => {
    expect(() => detectSandbox('bwrap', { find: () => undefined })).toThrow(SandboxUnavailableError);
    expect(() => detectSandbox('bwrap', { find: () => undefined })).toThrow(/SANDBOX=bwrap, but bwrap \(bubblewrap\) is not installed.*apt-get install bubblewrap/);
    expect(() => detectSandbox('bwrap', { find: () => '/bin/false' })).toThrow('SANDBOX=bwrap, but /bin/false cannot run here');
  });

  it.skipIf(!hasBwrap)('auto and bwrap use the bwrap installed here', () => {
    expect(findBwrap()).toBeDefined();
    expect(detectSandbox('auto')).toMatchObject({ mode: 'bwrap', bwrapPath: findBwrap() });
    expect(detectSandbox('bwrap')).toMatchObject({ mode: 'bwrap' });
  });
});

describe('the Claude Code package a run may read', () => {
  it('is the npm package of the CLI, not the project around it', () => {
    expect(claudePackageOf(claudeExecutable)).toBe(path.join(projectRoot, 'node_modules', '@anthropic-ai', 'claude-code'));
  });

  it('is the executable alone when it is in no Claude Code package (a native install)', () => {
    const lone = path.join(os.tmpdir(), 'claude-native-test-binary');
    expect(claudePackageOf(lone)).toBe(lone);
  });
});

describe.skipIf(!hasBwrap)('what a sandboxed process sees (real bwrap)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-sbx-unit-'));
  const dataDir = path.join(root, 'data');
  const workspace = path.join(dataDir, 'workspaces', 'task_a');
  const otherWorkspace = path.join(dataDir, 'workspaces', 'task_b');
  const stateDir = path.join(dataDir, 'claude-state', 'task_a');
  const agentHome = path.join(dataDir, 'agent-home');
  for (const dir of [workspace, otherWorkspace, stateDir, agentHome]) fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(agentHome, 'agent.md'), 'an agent');
  fs.writeFileSync(path.join(otherWorkspace, 'secret.txt'), 'other run');
  fs.writeFileSync(path.join(dataDir, 'agent.db'), 'database');
  fs.writeFileSync(path.join(root, '.env'), 'TOKEN=operator');
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  function inSandbox(script: string): string {
    const args = bwrapArgs({ workspace, stateDir, agentHome, claudeExecutable });
    const run = spawnSync(findBwrap()!, [...args, '/bin/sh', '-c', script], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
    return `${run.stdout}${run.stderr}`;
  }
  const can = (command: string) => inSandbox(`${command} >/dev/null 2>&1 && echo yes || echo no`).trim();

  it('writes only its workspace, its own state and a private /tmp', () => {
    expect(can(`touch ${workspace}/x`)).toBe('yes');
    expect(can(`touch ${stateDir}/x`)).toBe('yes');
    const probe = `/tmp/cca-sbx-probe-${process.pid}`;
    expect(can(`touch ${probe}`)).toBe('yes');
    expect(fs.existsSync(probe)).toBe(false); // the sandbox's /tmp is its own
    for (const readOnly of [`${agentHome}/x`, '/usr/x', '/x', '/etc/x', `${path.dirname(claudeExecutable)}/x`]) expect(can(`touch ${readOnly}`), readOnly).toBe('no');
  });

  it('reads the system, the agent home and the CLI, and nothing else of the data directory or around it', () => {
    expect(can(`cat ${agentHome}/agent.md`)).toBe('yes');
    expect(can(`test -x ${claudeExecutable}`)).toBe('yes');
    expect(can('test -d /etc/ssl/certs')).toBe('yes');
    expect(can('test -e /etc/resolv.conf')).toBe('yes');
    for (const hidden of [`${dataDir}/agent.db`, `${otherWorkspace}/secret.txt`, `${root}/.env`, '/etc/shadow', '/etc/environment', `${projectRoot}/package.json`, '/root']) {
      expect(can(`test -e ${hidden}`), hidden).toBe('no');
    }
    expect(inSandbox(`ls ${dataDir}`).split('\n').filter(Boolean).sort()).toEqual(['agent-home', 'claude-state', 'workspaces']);
    expect(inSandbox(`ls ${path.join(dataDir, 'workspaces')}`).trim()).toBe('task_a');
  });

  it('sees no process of the host: its own PID namespace, no capabilities', () => {
    const pids = inSandbox("ls /proc | grep -E '^[0-9]+$'").split('\n').filter(Boolean).map(Number);
    expect(pids).not.toContain(process.pid);
    expect(Math.max(...pids)).toBeLessThan(100);
    expect(inSandbox('grep CapEff /proc/self/status')).toMatch(/CapEff:\s+0+\n/);
  });
});
