import type { ResultItem, StreamItem } from '../contracts/stream-item.js';
import { readBoundedLines } from './bounded-lines.js';
import { killTree } from './process-tree.js';
import { directSpawner, type Spawner } from './spawner.js';
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
  /** Why the child could not be started, or could no longer be followed (it was then stopped). */
  spawnError?: string;
}

export interface ClaudeRunHandle {
  /** The child's pid once it runs; undefined when it could not be started. */
  started: Promise<number | undefined>;
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
 * are still its descendants in the host's /proc). The `spawner` starts it (the worker's spawn helper; by default this
 * process). Each stdout line is a stream-json message (read within STDOUT_LIMITS, so a huge reply costs bounded
 * memory); `onItem` gets its items in order.
 */
export function startClaudeRun(spec: ClaudeRunSpec, onItem: (item: StreamItem) => void, killGraceMs = 5000, spawner: Spawner = directSpawner): ClaudeRunHandle {
  const [command, ...args] = [...(spec.sandbox ?? []), spec.claudePath, ...claudeArgs(spec)] as [string, ...string[]];
  let stoppedFor: StopReason | undefined;
  let result: ResultItem | undefined;
  let sessionId: string | undefined;
  let exited = false;
  const stderrLines: string[] = [];
  const launched = spawner.launch({ command, args, cwd: spec.cwd, env: spec.env, prompt: spec.prompt });
  const started = launched.then(
    (child) => child.pid,
    () => undefined,
  );

  const follow = async (child: Awaited<typeof launched>): Promise<ClaudeRunOutcome> => {
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
    const end = await child.exit;
    exited = true;
    // Nobody can tell how it ends any more: it is stopped now rather than left running unseen.
    if ('lost' in end) await killTree(child.pid, killGraceMs);
    // stdout and stderr may still hold the last lines (the result, the reason it failed) when it has exited.
    await Promise.all([stdoutClosed, stderrClosed]);
    const stderrTail = stderrLines.join('\n');
    if ('lost' in end) return { result, sessionId, exitCode: null, signal: null, stoppedFor, stderrTail, spawnError: `${end.lost} while Claude Code ran; the run was stopped` };
    return { result, sessionId, exitCode: end.exitCode, signal: end.signal, stoppedFor, stderrTail };
  };
  const done = launched.then(follow, (err: Error) => ({ exitCode: null, signal: null, stoppedFor, stderrTail: '', spawnError: `could not start ${command}: ${err.message}` }));

  return {
    started,
    done,
    async stop(reason: StopReason) {
      stoppedFor ??= reason;
      const pid = await started;
      if (pid !== undefined && !exited) await killTree(pid, killGraceMs);
    },
  };
}
