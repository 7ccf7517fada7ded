/**
 * The WebSocket clients of bench/fanout.ts, spread over several processes (bench/fanout-clients.mjs) so that reading
 * the sockets is not one process's queue: with one process reading 100 sockets in turn, the 100th client's figure was
 * mostly that process's own work. Clients are opened one at a time in index order, which is the order the hub
 * serves them in: the last index is served last.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fanout-clients.mjs');

export interface ClientReport {
  index: number;
  /** task.output events of the task received (a WebSocket client; a byte reader counts `bytes` instead). */
  count?: number;
  /** Their seqs were 1, 2, 3, … with no gap or repeat. */
  ordered?: boolean;
  /** Bytes read, by a byte reader. */
  bytes?: number;
  /** Set when the server closed the client (1013: cut for being too slow; -1: a byte reader's socket closed). */
  closeCode: number | null;
  /** For watched clients: when each seq arrived (ms since the epoch), null if it never did. */
  times?: Array<number | null>;
}

/** The child's next message of the given type. */
function next<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type !== type) return;
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
  });
}

function ask<T>(child: ChildProcess, message: object, answer: string): Promise<T> {
  const answered = next<T>(child, answer);
  child.send(message);
  return answered;
}

// Plain JavaScript: no TypeScript loader in the clients' processes (a profile of the bench still profiles them).
const start = () =>
  fork(SCRIPT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: process.execArgv.filter((a) => a.startsWith('--cpu-prof')) });

export class Swarm {
  private constructor(private readonly children: ChildProcess[]) {}

  /**
   * `count` clients over `processes` processes; the first and the last client are watched (WebSocket clients noting
   * when each event arrived). With `readers`, every other client is a byte reader (see bench/fanout-clients.mjs).
   */
  static async open(url: string, count: number, processes: number, readers = false): Promise<Swarm> {
    const children = Array.from({ length: Math.min(processes, count) }, start);
    const swarm = new Swarm(children);
    const per = Math.ceil(count / children.length);
    for (const [k, child] of children.entries()) {
      await ask(child, { type: 'open', url, from: k * per, to: Math.min(count, (k + 1) * per), watch: [0, count - 1], readers }, 'opened');
    }
    return swarm;
  }

  async report(task: string, events: number): Promise<ClientReport[]> {
    const parts = await Promise.all(this.children.map((c) => ask<{ clients: ClientReport[] }>(c, { type: 'report', task, events }, 'report')));
    return parts.flatMap((p) => p.clients).sort((a, b) => a.index - b.index);
  }

  close(): void {
    for (const child of this.children) child.send({ type: 'close' });
  }
}

/** GET /health asked every 10 ms from a process of its own, from start() until the promise of stop(). */
export class HealthProbe {
  private readonly child = start();
  private done?: Promise<{ latencies: number[] }>;

  async start(url: string): Promise<void> {
    const probing = next(this.child, 'probing');
    this.done = ask(this.child, { type: 'probe', url }, 'probed');
    await probing;
  }

  async stop(): Promise<number[]> {
    this.child.send({ type: 'stop' });
    return (await this.done!).latencies;
  }

  close(): void {
    this.child.send({ type: 'close' });
  }
}
