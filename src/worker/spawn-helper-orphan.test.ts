// The spawn helper ends its children when the service is gone, even when the service died with a pipe of theirs in
// flight: Node postpones a channel's 'disconnect' until every handle sent on it is acknowledged, which a dead service
// never does, so the helper waited for that event — and kept the child — forever (a CI run of crash-recovery).
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/eventually.js';
import { commandLine, descendants, isAlive } from './process-tree.js';
import { SPAWN_HELPER } from './spawner.js';

/** A "service" that has the helper start `sleep 60`, never reads its messages (no handle is acknowledged), then dies. */
const service = `
const { fork } = require('node:child_process');
const helper = fork(${JSON.stringify(SPAWN_HELPER)}, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json' });
helper.send({ type: 'spawn', id: 1, command: '/bin/sleep', args: ['60'], cwd: '/', env: {}, prompt: '' }, () => {
  process.stdout.write(helper.pid + '\\n');
  const until = Date.now() + 3000;
  while (Date.now() < until);
  process.kill(process.pid, 'SIGKILL');
});
`;

describe('the spawn helper, when its service dies with a pipe handover unacknowledged', () => {
  it('ends the child it started, and itself', async () => {
    const parent = spawn(process.execPath, ['-e', service], { stdio: ['ignore', 'pipe', 'inherit'] });
    const helper = await new Promise<number>((resolve) => parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
    let child: number | undefined;
    await eventually(() => (child = descendants(helper).find((pid) => /sleep/.test(commandLine(pid) ?? ''))) !== undefined, 'the helper to start the child');
    await new Promise((resolve) => parent.once('exit', resolve));
    expect(parent.signalCode).toBe('SIGKILL');
    await eventually(() => !isAlive(child!) && !isAlive(helper), 'the child and the helper to end', 15_000);
  }, 30_000);
});
