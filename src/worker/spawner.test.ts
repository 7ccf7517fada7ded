import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { loadConfig } from '../config.js';
import { HelperSpawner, type Launch } from './spawner.js';

const spawner = new HelperSpawner(createLogger(loadConfig({ LOG_LEVEL: 'silent' })));
afterAll(() => spawner.close());

const readAll = async (stream: Readable) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const sh = (script: string, prompt = '', env: Record<string, string> = {}): Launch => ({ command: '/bin/sh', args: ['-c', script], cwd: '/', env, prompt });

async function run(launch: Launch) {
  const child = await spawner.launch(launch);
  const [stdout, stderr, exit] = await Promise.all([readAll(child.stdout), readAll(child.stderr), child.exit]);
  return { pid: child.pid, stdout, stderr, exit };
}

describe('children started by the spawn helper', () => {
  it('hand every byte of their output to the service, from many children at once that write as soon as they start', async () => {
    const prompts = Array.from({ length: 40 }, (_, i) => `${i}:`.padEnd(50_000 + i * 100, String.fromCharCode(97 + (i % 26))));
    const runs = await Promise.all(prompts.map((prompt) => run(sh('printf early; cat; printf "to stderr" >&2', prompt))));
    runs.forEach((r, i) => {
      expect(r.stdout).toBe(`early${prompts[i]}`);
      expect(r.stderr).toBe('to stderr');
      expect(r.exit).toEqual({ exitCode: 0, signal: null });
    });
  });

  it('get exactly the environment given, and a process group and session of their own', async () => {
    const r = await run({ command: '/usr/bin/env', args: [], cwd: '/', env: { ONLY: 'this' }, prompt: '' });
    expect(r.stdout).toBe('ONLY=this\n');
    const stat = await run(sh('exec cat /proc/self/stat'));
    const [pgrp, session] = stat.stdout.slice(stat.stdout.lastIndexOf(')') + 2).split(' ').slice(2, 4).map(Number);
    expect([pgrp, session]).toEqual([stat.pid, stat.pid]);
  });

  it('report exit codes and signals', async () => {
    expect((await run(sh('exit 7'))).exit).toEqual({ exitCode: 7, signal: null });
    expect((await run(sh('kill -TERM $$'))).exit).toEqual({ exitCode: null, signal: 'SIGTERM' });
  });

  it('that cannot be started: the launch fails with the reason', async () => {
    await expect(spawner.launch({ ...sh(''), command: '/nonexistent/claude' })).rejects.toThrow(/ENOENT/);
    expect((await run(sh('printf still'))).stdout).toBe('still');
  });

  it('keep a process with nothing else to do alive until they are started and have ended, and not after', () => {
    // The service compiled for the tests (test/support/service-build.ts): a plain node process with only the spawner.
    const compiled = path.join(path.dirname(process.env.CCA_TEST_SERVICE_MAIN!), 'worker', 'spawner.js');
    const script = `import { HelperSpawner } from ${JSON.stringify(compiled)};
      const child = await new HelperSpawner({ error() {} }).launch({ command: '/bin/echo', args: ['said'], cwd: '/', env: {}, prompt: '' });
      child.stdout.pipe(process.stdout);
      console.error(JSON.stringify(await child.exit));`;
    const ran = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect({ status: ran.status, stdout: ran.stdout, stderr: ran.stderr.trim() }).toEqual({ status: 0, stdout: 'said\n', stderr: '{"exitCode":0,"signal":null}' });
  });
});
