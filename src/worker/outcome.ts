import type { Outcome } from '../domain/outcome.js';
import type { TaskStatus } from '../domain/task-status.js';
import type { ClaudeRunOutcome } from './claude-run.js';
import { credentialFailure } from './credentials.js';

export interface Classification {
  status: Extract<TaskStatus, 'completed' | 'failed' | 'cancelled'> | 'interrupted';
  outcome: Outcome;
  error: string | null;
  output: string | null;
}

/**
 * How a run ended, told honestly: an error result is `failed` even though the CLI "succeeded" in running, a run
 * that produced no text is `empty`, and a stop says who stopped it.
 */
export function classify(run: ClaudeRunOutcome, timeoutSeconds: number, cancelReason?: string): Classification {
  const output = run.result?.result ?? null;
  switch (run.stoppedFor) {
    case 'cancelled':
      return { status: 'cancelled', outcome: 'cancelled', error: cancelReason ?? 'cancelled', output };
    case 'timeout':
      return { status: 'failed', outcome: 'timeout', error: `timed out after ${timeoutSeconds} s (TASK_TIMEOUT_SECONDS)`, output };
    case 'shutdown':
      return { status: 'interrupted', outcome: 'interrupted', error: 'interrupted: the service shut down while the task ran', output };
  }
  if (run.spawnError) return { status: 'failed', outcome: 'error', error: run.spawnError, output: null };
  const result = run.result;
  if (!result) {
    const how = run.signal ? `was killed by ${run.signal}` : `exited with code ${run.exitCode}`;
    const tail = run.stderrTail.trim();
    return { status: 'failed', outcome: 'error', error: `Claude Code ${how} without a result${tail ? `:\n${tail}` : ''}`, output: null };
  }
  if (result.is_error) {
    const reasons = result.errors?.length ? result.errors.join('; ') : (result.result ?? '');
    const outcome: Outcome = result.subtype === 'error_max_budget_usd' ? 'budget' : 'error';
    // An API error ends with subtype "success" and is_error: the text itself says what went wrong.
    const said = result.subtype === 'success' ? reasons || 'Claude Code reported an error' : `${result.subtype}${reasons ? `: ${reasons}` : ''}`;
    const error = credentialFailure(said) ?? said;
    return { status: 'failed', outcome, error, output };
  }
  if (!output?.trim()) return { status: 'completed', outcome: 'empty', error: null, output: output ?? '' };
  return { status: 'completed', outcome: 'success', error: null, output };
}
