import { type ChildProcess, fork, spawn } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from '../logger.js';
import { projectRoot } from '../paths.js';
import { killTree } from './process-tree.js';

/** One child to start: no shell, exactly this environment, the prompt on its stdin (then closed). */
export interface Launch {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  prompt: string;
}

/** How a started child ended, or why it can no longer be followed (it is then stopped: see startClaudeRun). */
export type ChildExit = { exitCode: number | null; signal: NodeJS.Signals | null } | { lost: string };

export interface Launched {
  pid: number;
  stdout: Readable;
  stderr: Readable;
  exit: Promise<ChildExit>;
}

/**
 * Starts Claude Code children, each in a process group of its own. `launch` rejects, with the reason, when the child
 * could not be started.
 */
export interface Spawner {
  launch(launch: Launch): Promise<Launched>;
  close(): void;
}

/** Spawns from this process: libuv forks the whole of it for every child (the bare baseline of the benchmarks). */
export const directSpawner: Spawner = {
  launch({ command, args, cwd, env, prompt }) {
    const child = spawn(command, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    child.stdin.on('error', () => undefined); // the child may exit before reading the prompt
    child.stdin.end(prompt);
    const exit = new Promise<ChildExit>((resolve) => child.once('exit', (exitCode, signal) => resolve({ exitCode, signal })));
    return new Promise((resolve, reject) => {
      child.once('error', reject); // before 'spawn': it could not start; after: a signal's error, ignored
      child.once('spawn', () => resolve({ pid: child.pid!, stdout: child.stdout, stderr: child.stderr, exit }));
    });
  },
  close() {},
};

/** The spawn helper's file (plain JavaScript, run without a TypeScript loader; found under the project root). */
export const SPAWN_HELPER = path.join(projectRoot, 'src', 'worker', 'spawn-helper.mjs');
/** The helper's heap: it holds the messages in flight (a prompt, an environment), nothing else. */
const HELPER_HEAP_MB = 64;

interface InFlight {
  /** The helper starting it: if that one dies, this run goes with it. */
  helper: ChildProcess;
  resolve(launched: Launched): void;
  reject(err: Error): void;
  pid?: number;
  stdout?: Readable;
  started?: boolean;
  exited?(exit: ChildExit): void;
}

type HelperMessage =
  | { type: 'spawned'; id: number; pid: number }
  | { type: 'stdout' | 'stderr'; id: number }
  | { type: 'failed'; id: number; message: string }
  | { type: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null };

/**
 * Starts children from the spawn helper (spawn-helper.mjs), a small process forked once, at the first run: a fork of
 * it costs a fraction of a fork of the service and never holds the service's event loop. The children's pipes are
 * handed over, so the service reads their output as if it had started them. If the helper dies, its children can no
 * longer be followed: runs not yet started fail with the reason, started ones are reported lost (and stopped by the
 * run), and the next run starts a new helper.
 */
export class HelperSpawner implements Spawner {
  private helper?: ChildProcess;
  private nextId = 0;
  private readonly inFlight = new Map<number, InFlight>();

  constructor(private readonly log: Logger) {}

  /** The helper's pid, while one runs. */
  get helperPid(): number | undefined {
    return this.helper?.pid;
  }

  launch(launch: Launch): Promise<Launched> {
    const helper = this.helper ?? this.startHelper();
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.inFlight.set(id, { helper, resolve, reject });
      this.holdOpen(helper);
      helper.send({ type: 'spawn', id, ...launch }, (err) => {
        if (err) this.settleLost(id, `could not reach the spawn helper: ${err.message}`);
      });
    });
  }

  /** Lets the helper go (it ends when its channel closes); a later run starts a new one. */
  close(): void {
    const helper = this.helper;
    this.helper = undefined;
    if (helper?.connected) helper.disconnect();
  }

  private startHelper(): ChildProcess {
    // Its own small environment (PATH only: each child gets the environment its run gives), no TypeScript loader.
    const helper = fork(SPAWN_HELPER, [], {
      env: { PATH: process.env.PATH ?? '' },
      execArgv: [`--max-old-space-size=${HELPER_HEAP_MB}`],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'json',
    });
    this.helper = helper;
    helper.on('message', (message: HelperMessage, handle?: Readable) => this.onMessage(message, handle));
    const gone = (how: string) => {
      if (this.helper === helper) this.helper = undefined;
      const runs = [...this.inFlight].filter(([, run]) => run.helper === helper).map(([id]) => id);
      if (runs.length === 0) return; // let go by close(), or died with nothing under way
      this.log.error({ runs: runs.length }, `the spawn helper process ${how}: its runs are stopped and failed; the next run starts a new one`);
      for (const id of runs) this.settleLost(id, `the spawn helper process ${how}`);
    };
    // A failed send is told to its callback; an 'error' before it ever ran means it could not be started.
    helper.on('error', (err) => helper.pid === undefined && gone(`could not be started (${err.message})`));
    helper.once('exit', (code, signal) => gone(signal ? `was killed by ${signal}` : `exited with code ${code}`));
    this.holdOpen(helper);
    return helper;
  }

  /** The helper keeps this process alive only while it has runs to tell about (an idle one must not hold it open). */
  private holdOpen(helper: ChildProcess): void {
    const busy = [...this.inFlight.values()].some((run) => run.helper === helper);
    const channel = helper.channel as { ref?(): void; unref?(): void } | undefined;
    if (busy) {
      helper.ref();
      channel?.ref?.();
    } else {
      helper.unref();
      channel?.unref?.();
    }
  }

  /** A run the helper has nothing more to tell about. */
  private forget(id: number, run: InFlight): void {
    this.inFlight.delete(id);
    this.holdOpen(run.helper);
  }

  private onMessage(message: HelperMessage, handle?: Readable): void {
    const run = this.inFlight.get(message.id);
    if (!run) return;
    switch (message.type) {
      case 'spawned':
        run.pid = message.pid;
        return;
      case 'stdout':
        run.stdout = handle;
        return;
      case 'stderr': {
        const exit = new Promise<ChildExit>((resolve) => (run.exited = resolve));
        run.started = true;
        run.resolve({ pid: run.pid!, stdout: run.stdout!, stderr: handle!, exit });
        return;
      }
      case 'failed':
        this.forget(message.id, run);
        if (run.pid !== undefined) void killTree(run.pid, 1000); // started, but its output could not be handed over
        run.stdout?.destroy();
        run.reject(new Error(message.message));
        return;
      case 'exit':
        this.forget(message.id, run);
        if (run.started) {
          run.exited?.({ exitCode: message.code, signal: message.signal });
          return;
        }
        // Ended before its pipes reached this process: the launch must still settle, or stopping the run would wait
        // for it forever (a service's shutdown hung on exactly this).
        run.stdout?.destroy();
        run.reject(new Error(`it ended (${message.signal ?? `exit code ${message.code}`}) before its output was handed over`));
    }
  }

  /** A run the helper can no longer tell about: failed if not started yet (its child, if any, is stopped), else lost. */
  private settleLost(id: number, reason: string): void {
    const run = this.inFlight.get(id);
    if (!run) return;
    this.forget(id, run);
    if (run.started) {
      run.exited?.({ lost: reason });
      return;
    }
    if (run.pid !== undefined) void killTree(run.pid, 1000);
    run.stdout?.destroy();
    run.reject(new Error(`${reason} before the child's output was handed over`));
  }
}
