import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SwarmClient {
  /** Still connected when asked. */
  open: boolean;
  /** The close code when the server closed it (1013: cut for being too slow). */
  closeCode: number | null;
  /** The task's final events it received (`completed`, `failed`, `cancelled`). */
  finals: string[];
  bytes: number;
  firstSeq: number | null;
  lastSeq: number | null;
  contiguous: boolean;
}

export interface Swarm {
  report(taskId: string): Promise<SwarmClient[]>;
  close(): Promise<void>;
}

/** Opens `count` WebSocket clients subscribed to every task, in a child process (test/support/ws-swarm.mjs). */
export async function startSwarm(wsUrl: string, count: number): Promise<Swarm> {
  const child: ChildProcess = fork(path.join(path.dirname(fileURLToPath(import.meta.url)), 'ws-swarm.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ask = <T>(message: object, answer: string, timeoutMs = 120_000) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the WebSocket swarm did not answer ${answer} within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (m: { type: string; error?: string }) => {
        if (m.type !== answer && m.type !== 'error') return;
        clearTimeout(timer);
        child.off('message', onMessage);
        if (m.type === 'error') reject(new Error(m.error));
        else resolve(m as T);
      };
      child.on('message', onMessage);
      child.send(message);
    });
  await ask({ type: 'open', url: wsUrl, count }, 'opened');
  return {
    report: async (taskId) => (await ask<{ clients: SwarmClient[] }>({ type: 'report', taskId }, 'report')).clients,
    async close() {
      if (child.exitCode !== null || !child.connected) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await ask({ type: 'close' }, 'closed', 10_000).catch(() => child.kill('SIGKILL'));
      await exited;
    },
  };
}
