// `npm run cluster` (scripts/cluster.mjs) under a test: its processes, what the database says each runs, and the
// Claude Code children in the process table.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import pg from 'pg';
import { projectRoot } from '../../src/paths.js';
import { SERVICE_MAIN_ENV } from './service-build.js';
import { POSTGRES_URL } from './services.js';

export interface ClusterReady {
  api: Array<{ name: string; pid: number; url: string }>;
  workers: Array<{ name: string; pid: number; metrics_port: number }>;
}

export interface RunningCluster {
  child: ChildProcess;
  ready: ClusterReady;
  /** Every line the processes printed, prefixed with their names. */
  output: string[];
  /** SIGTERM to the script, which stops its processes (workers drain); resolves once it has exited. */
  stop(): Promise<void>;
}

/** `npm run cluster -- …args`, resolved once it prints `cluster ready {…}`. */
export function startCluster(env: Record<string, string>, args: string[]): Promise<RunningCluster> {
  // The sources transpiled once for this vitest run (service-build.ts), rather than tsx in each of the processes.
  const built = process.env[SERVICE_MAIN_ENV];
  const child = spawn(process.execPath, [path.join(projectRoot, 'scripts', 'cluster.mjs'), ...args, ...(built ? ['--main', built] : [])], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`cluster not ready:\n${output.join('\n')}`));
    }, 300_000); // generous: every process loads the whole service, on a loaded machine
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        const m = /^cluster ready (.*)$/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve({ child, ready: JSON.parse(m[1]!) as ClusterReady, output, stop });
        }
      });
    }
    child.once('exit', (code) => reject(new Error(`cluster exited (${code}):\n${output.join('\n')}`)));
  });
}

/** The cluster's output without the per-request access log lines, for a failure message. */
export function interestingOutput(output: string[], last = 300): string {
  return output
    .filter((l) => !/"msg":"(incoming request|request completed)"/.test(l))
    .slice(-last)
    .join('\n');
}

/** Which worker process (pid, from worker_id host/pid/suffix) holds each running task, as the database says. */
export interface RunningTasks {
  /** task id → the pid of the worker that claimed it. */
  byWorker: Map<string, number>;
  /** The running task a workspace directory belongs to: a dashboard conversation's, or a task's own. */
  taskOf(workspace: string): string | undefined;
}

/** Running tasks with their workers (worker ids are `<host>/<pid>/…`), from the database. */
export async function runningByWorkerPid(schema: string): Promise<RunningTasks> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const rows = (await client.query(`select task_id, conversation_id, worker_id from "${schema}".tasks where status = 'running'`)).rows as Array<{
      task_id: string;
      conversation_id: string | null;
      worker_id: string | null;
    }>;
    const byWorkspace = new Map(rows.flatMap((r) => [[r.task_id, r.task_id], ...(r.conversation_id ? [[r.conversation_id, r.task_id] as const] : [])] as const));
    return { byWorker: new Map(rows.map((r) => [r.task_id, Number((r.worker_id ?? '').split('/')[1])])), taskOf: (w) => byWorkspace.get(w) };
  } finally {
    await client.end();
  }
}

/**
 * Claude Code runs (process group → workspace directory name: a conversation's or a task's) working under
 * `dataDir`'s workspaces, from the process table. A
 * run is counted once: the CLI starts helpers from its own executable (ripgrep is built into it), in the run's
 * process group (the worker starts each run in a group of its own).
 */
export function claudeRunsIn(dataDir: string): Map<number, string> {
  const found = new Map<number, string>();
  const workspaces = path.join(dataDir, 'workspaces') + path.sep;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const exe = fs.readlinkSync(`/proc/${entry}/exe`);
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      if (!/claude/.test(exe) || !cwd.startsWith(workspaces)) continue;
      // /proc/<pid>/stat: "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses, so read after the last ')'.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      found.set(pgrp, cwd.slice(workspaces.length).split(path.sep)[0]!);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Whether a process is still there (signal 0 tests for it). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
