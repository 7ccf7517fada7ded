import { spawn } from 'node:child_process';
import type { ResultItem, StreamItem } from '../contracts/stream-item.js';
import { readBoundedLines } from './bounded-lines.js';
import { killTree } from './process-tree.js';
import { toItems } from './stream-items.js';
import { readStdoutMessages } from './stdout-messages.js';

export interface ClaudeRunSpec {
  claudePath: string;
  /** The sandbox to run the CLI in: bwrap and its arguments, ending with `--` (see sandbox.ts). */
  sandbox?: string[] | null;
  cwd: string;
  prompt: string;
  env: Record<string, string>;
  model?: string | null;
  resumeSessionId?: string | null;
  appendSystemPrompt?: string | null;
  agent?: string | null;
  permissionMode?: string | null;
  allowedTools?: string[] | null;
  disallowedTools?: string[] | null;
  maxTurns?: number | null;
  maxBudgetUsd?: number | null;
  /** JSON for --mcp-config (the service's own management tools, when a run gets them). */
  mcpConfig?: string | null;
}

export type StopReason = 'cancelled' | 'timeout' | 'shutdown';

export interface ClaudeRunOutcome {
  result?: ResultItem;
  sessionId?: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stoppedFor?: StopReason;
  /** The last lines the CLI wrote to stderr, for the task's error when it fails without a result. */
  stderrTail: string;
  spawnError?: string;
}

export interface ClaudeRunHandle {
  pid?: number;
  done: Promise<ClaudeRunOutcome>;
  /** Ends the child and its whole process tree (SIGTERM, then SIGKILL after the grace period). */
  stop(reason: StopReason): Promise<void>;
}

const STDERR_TAIL_LINES = 20;
/** Bytes of one stderr line kept: the tail is for an error message, and a child may write one endless line. */
export const STDERR_LINE_BYTES = 8 * 1024;

export function claudeArgs(spec: ClaudeRunSpec): string[] {
  // Partial messages make text stream as it is produced; without them an assistant message arrives only when whole.
  const args = ['-p', '--output-format', 'stream-json', '--verbose', '--include-partial-messages'];
  if (spec.model) args.push('--model', spec.model);
  if (spec.resumeSessionId) args.push('--resume', spec.resumeSessionId);
  if (spec.appendSystemPrompt) args.push('--append-system-prompt', spec.appendSystemPrompt);
  if (spec.agent) args.push('--agent', spec.agent);
  if (spec.permissionMode) args.push('--permission-mode', spec.permissionMode);
  if (spec.allowedTools?.length) args.push('--allowedTools', spec.allowedTools.join(','));
  if (spec.disallowedTools?.length) args.push('--disallowedTools', spec.disallowedTools.join(','));
  if (spec.maxTurns) args.push('--max-turns', String(spec.maxTurns));
  if (spec.maxBudgetUsd) args.push('--max-budget-usd', String(spec.maxBudgetUsd));
  if (spec.mcpConfig) args.push('--mcp-config', spec.mcpConfig, '--strict-mcp-config');
  return args;
}

/**
 * Runs one Claude Code child: no shell, an explicit environment, the prompt on stdin (no argv length limit) and
 * stdin then closed (a `-p` child with an open stdin pipe waits on it), in a process group of its own so the whole
 * tree can be stopped, inside the sandbox when there is one (the recorded pid is then bwrap's; the run's processes
 * are still its descendants in the host's /proc). Each stdout line is a stream-json message (read within
 * STDOUT_LIMITS, so a huge reply costs bounded memory); `onItem` gets its items in order.
 */
export function startClaudeRun(spec: ClaudeRunSpec, onItem: (item: StreamItem) => void, killGraceMs = 5000): ClaudeRunHandle {
  const [command, ...args] = [...(spec.sandbox ?? []), spec.claudePath, ...claudeArgs(spec)] as [string, ...string[]];
  const child = spawn(command, args, {
    cwd: spec.cwd,
    env: spec.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let stoppedFor: StopReason | undefined;
  let result: ResultItem | undefined;
  let sessionId: string | undefined;
  const stderrLines: string[] = [];

  child.stdin.on('error', () => undefined); // the child may exit before reading the prompt
  child.stdin.end(spec.prompt);

  const stdoutClosed = readStdoutMessages(child.stdout, {
    notJson: (text) => onItem({ kind: 'stderr', text }),
    message(message) {
      for (const item of toItems(message)) {
        if (item.kind === 'init') sessionId = item.session_id;
        if (item.kind === 'result') {
          result = item;
          sessionId = item.session_id ?? sessionId;
        }
        onItem(item);
      }
    },
  });
  const stderrClosed = readBoundedLines(child.stderr, STDERR_LINE_BYTES, (line) => {
    stderrLines.push(line);
    if (stderrLines.length > STDERR_TAIL_LINES) stderrLines.shift();
  });

  const done = new Promise<ClaudeRunOutcome>((resolve) => {
    child.once('error', (err) => {
      resolve({ exitCode: null, signal: null, stoppedFor, stderrTail: '', spawnError: `could not start ${command}: ${err.message}` });
    });
    child.once('exit', (exitCode, signal) => {
      // stdout and stderr may still hold the last lines (the result, the reason it failed) when 'exit' fires.
      void Promise.all([stdoutClosed, stderrClosed]).then(() => resolve({ result, sessionId, exitCode, signal, stoppedFor, stderrTail: stderrLines.join('\n') }));
    });
  });

  return {
    pid: child.pid,
    done,
    async stop(reason: StopReason) {
      stoppedFor ??= reason;
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) await killTree(child.pid, killGraceMs);
    },
  };
}
