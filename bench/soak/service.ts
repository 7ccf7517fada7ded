/**
 * The service under soak: a real child process (test/support/service-process.ts) that the soak restarts with SIGTERM
 * or SIGKILL, whose Claude Code children it kills, and whose memory it reads from /proc.
 */
import fs from 'node:fs';
import path from 'node:path';
import { descendants } from '../../src/worker/process-tree.js';
import { type ServiceProcess, startServiceProcess } from '../../test/support/service-process.js';

export interface Lifetime {
  pid: number;
  startedAt: number;
  endedAt?: number;
  endedBy?: 'SIGTERM' | 'SIGKILL' | 'end';
  /** VmRSS in kB right after /health answered, and the last reading before it ended. */
  rssStartKb: number;
  rssEndKb: number;
  rssPeakKb: number;
}

export function rssKb(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export class SoakService {
  private proc?: ServiceProcess;
  private up?: Promise<void>;
  private sampler?: NodeJS.Timeout;
  readonly lifetimes: Lifetime[] = [];

  constructor(
    private readonly env: Record<string, string>,
    private readonly port: number,
    private readonly dataDir: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc?.child.pid;
  }

  /** Resolves when the service answers (callers await it before each request, so none is sent while it is down). */
  ready(): Promise<void> {
    return this.up ?? Promise.resolve();
  }

  async start(): Promise<void> {
    const starting = this.launch();
    this.up = starting;
    await starting;
  }

  private async launch(): Promise<void> {
    const proc = await startServiceProcess(this.env, this.port);
    this.proc = proc;
    const pid = proc.child.pid!;
    const rss = rssKb(pid);
    this.lifetimes.push({ pid, startedAt: Date.now(), rssStartKb: rss, rssEndKb: rss, rssPeakKb: rss });
    this.sampler = setInterval(() => this.sample(), 2000);
  }

  private sample(): void {
    const life = this.lifetimes.at(-1);
    if (!life || life.endedAt || !this.proc) return;
    const rss = rssKb(life.pid);
    if (rss === 0) return;
    life.rssEndKb = rss;
    life.rssPeakKb = Math.max(life.rssPeakKb, rss);
  }

  /** Ends the service with `signal` and starts it again on the same data; requests wait until it answers again. */
  async restart(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    let release!: () => void;
    this.up = new Promise<void>((resolve) => (release = resolve));
    try {
      await this.kill(signal, signal);
      await this.launch();
    } finally {
      release();
    }
  }

  /** Stops the service for good (the end of the soak). */
  async stop(): Promise<void> {
    await this.kill('SIGTERM', 'end');
  }

  private async kill(signal: 'SIGTERM' | 'SIGKILL', why: NonNullable<Lifetime['endedBy']>): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.sample();
    const life = this.lifetimes.at(-1)!;
    clearInterval(this.sampler);
    proc.child.kill(signal);
    await proc.exited;
    life.endedAt = Date.now();
    life.endedBy = why;
    this.proc = undefined;
  }

  /** The last lines the current process wrote (for a failure message). */
  output(): string {
    return this.proc?.output().split('\n').slice(-40).join('\n') ?? '';
  }

  /**
   * SIGKILLs the Claude Code process running `taskId` (the CLI itself, inside its sandbox when there is one), as if it
   * crashed. Returns false when no such process was found (the run had already ended).
   */
  killClaudeChild(taskId: string): boolean {
    const pid = this.pid;
    if (!pid) return false;
    const workspace = path.join(this.dataDir, 'workspaces', taskId);
    let killed = false;
    for (const child of descendants(pid)) {
      try {
        const cmd = fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0');
        if (cmd[0]?.endsWith('bwrap') || !cmd.some((arg) => /claude/.test(arg))) continue;
        if (fs.readlinkSync(`/proc/${child}/cwd`) !== workspace) continue;
        process.kill(child, 'SIGKILL');
        killed = true;
      } catch {
        // it ended while we looked
      }
    }
    return killed;
  }
}
