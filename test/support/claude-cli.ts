// The real Claude Code CLI (node_modules/.bin/claude) run directly, outside the service, against the scripted model:
// `claude -p` with the prompt on stdin (then closed), stream-json out, a fresh temp HOME and (by default) cwd.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CLAUDE = path.resolve('node_modules/.bin/claude');
export const CLI_MODEL = 'claude-sonnet-4-5';

export interface Frame {
  t: number; // ms since spawn
  msg: any;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  frames: Frame[];
  stderr: string;
  cwd: string;
  ms: number;
  init: any;
  result: any;
}

export interface CliOptions {
  args?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
  cwd?: string;
}

/** Runs of the CLI against the model at `modelUrl()`; every temp directory made is removed by `cleanup()`. */
export function claudeCli(modelUrl: () => string, prefix: string) {
  const tempDirs: string[] = [];
  const tempDir = (name: string): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}${name}-`));
    tempDirs.push(dir);
    return dir;
  };

  function run(prompt: string, opts: CliOptions = {}): Promise<CliRun> {
    const cwd = opts.cwd ?? tempDir('cwd');
    const started = Date.now();
    const child = spawn(CLAUDE, ['-p', '--output-format', 'stream-json', '--verbose', '--model', CLI_MODEL, ...(opts.args ?? [])], {
      cwd,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: tempDir('home'),
        ANTHROPIC_BASE_URL: modelUrl(),
        ANTHROPIC_API_KEY: 'test',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        ...opts.env,
      },
    });
    child.stdin.end(prompt);
    const frames: Frame[] = [];
    let buf = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        try {
          frames.push({ t: Date.now() - started, msg: JSON.parse(line) });
        } catch {
          stderr += `[non-JSON stdout] ${line}\n`;
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, opts.timeoutMs ?? 30_000);
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const init = frames.find((f) => f.msg.type === 'system' && f.msg.subtype === 'init')?.msg;
        const result = frames.find((f) => f.msg.type === 'result')?.msg;
        resolve({ code, signal, frames, stderr, cwd, ms: Date.now() - started, init, result });
      });
    });
  }

  return {
    run,
    tempDir,
    cleanup: () => {
      for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
