/**
 * The analytics bench's side of the wire: the service processes it forks (bench/analytics-service.ts) and a
 * keep-alive HTTP client that times one GET at a time from this process, so client and services never share a thread.
 */
import { type ChildProcess, fork } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Service {
  url: string;
  child: ChildProcess;
  /** Largest RSS (bytes) sampled since the previous call, and the RSS now. */
  peak(): Promise<{ rss: number; now: number }>;
  /** A CPU profile of the next `ms` milliseconds, written to `file`; resolves once recording started, `done` once written. */
  profile(ms: number, file: string): Promise<{ done: Promise<void> }>;
  close(): Promise<void>;
}

function reply<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string } & T) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code: number | null) => reject(new Error(`bench service exited (${code}) before "${type}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export async function startService(env: Record<string, string>): Promise<Service> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'analytics-service.ts');
  const child = fork(script, [], { execArgv: ['--import', 'tsx'], env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { url } = await reply<{ url: string }>(child, 'ready');
  return {
    url,
    child,
    peak: async () => {
      const answer = reply<{ rss: number; now: number }>(child, 'peak');
      child.send({ type: 'peak' });
      const { rss, now } = await answer;
      return { rss, now };
    },
    profile: async (ms, file) => {
      const started = reply(child, 'profiling');
      const done = reply<unknown>(child, 'profiled').then(() => undefined);
      child.send({ type: 'profile', ms, file });
      await started;
      return { done };
    },
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'close' });
      await exited;
    },
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

export interface Answer {
  ms: number;
  bytes: number;
  /** Lines in the body (for CSV: rows + header). */
  lines: number;
}

/** One GET, timed from the request to the last byte of the answer; throws on a status other than 200. */
export function get(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    http
      .get(url, { agent }, (res) => {
        let bytes = 0;
        let lines = 0;
        let head = '';
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (head.length < 300) head += chunk.toString('utf8', 0, 300);
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
        });
        res.on('end', () => {
          const ms = performance.now() - t0;
          if (res.statusCode !== 200) reject(new Error(`${url} answered ${res.statusCode}: ${head}`));
          else resolve({ ms, bytes, lines });
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

export function closeClient(): void {
  agent.destroy();
}
