import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../src/paths.js';
import { SERVICE_MAIN_ENV } from './service-build.js';

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

export { freePort } from './free-port.js';

/**
 * How to start `main <command>` in a process of its own: the sources transpiled once for this vitest run
 * (service-build.ts) when there are, else src/main.ts through tsx (bench, scripts).
 */
export function serviceArgv(command: string): string[] {
  const built = process.env[SERVICE_MAIN_ENV];
  return built ? ['--enable-source-maps', built, command] : ['--import', 'tsx', path.join(projectRoot, 'src', 'main.ts'), command];
}

function spawnService(command: 'start' | 'api' | 'worker', env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, serviceArgv(command), {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Generous: loading the whole service is slow on a loaded 2-core machine (more so through tsx). */
const START_WITHIN_MS = 90_000;

/**
 * The service as users run it (`main.ts start`, or `api` with DATABASE_URL and REDIS_URL), in a process of its own
 * that a test can SIGKILL or SIGTERM.
 */
export async function startServiceProcess(env: Record<string, string>, port: number, command: 'start' | 'api' = 'start'): Promise<ServiceProcess> {
  const { child, output, exited } = spawnService(command, { ...env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_WITHIN_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`service exited early (${child.exitCode}):\n${output()}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return { child, url, output, exited };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`service did not become healthy:\n${output()}`);
}

/** A worker process (`main.ts worker`: no HTTP port), returned once it says it is ready (LOG_LEVEL info or lower). */
export async function startWorkerProcess(env: Record<string, string>): Promise<Omit<ServiceProcess, 'url'>> {
  const { child, output, exited } = spawnService('worker', env);
  const deadline = Date.now() + START_WITHIN_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`worker exited early (${child.exitCode}):\n${output()}`);
    if (output().includes('worker ready')) return { child, output, exited };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`worker did not become ready:\n${output()}`);
}

/** A JSON call to a service process (these processes have no API token). */
export async function callService(url: string, method: string, p: string, body?: unknown) {
  const res = await fetch(`${url}${p}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: (await res.json()) as any };
}
