import type { ResultItem } from '../../contracts/stream-item.js';
import { type SessionTotals, ZERO_TOTALS } from '../../storage/repositories/claude-sessions.js';
import { type ClaudeRunOutcome, startClaudeRun } from '../claude-run.js';
import { classify } from '../outcome.js';
import type { PreparedRun, RunContext, RunFigures, RunOutcome, WorkerDeps } from '../run-context.js';
import { launchSpec, UNSANDBOXED } from '../sandbox.js';
import { saveSession } from '../workspace.js';

/**
 * The run step: starts Claude Code, streams its items to the recorder and the observers, stops it at the timeout,
 * and tells how it ended with this run's figures. The Claude session is kept for the conversation's next run.
 */
export async function runClaude(deps: WorkerDeps, ctx: RunContext, prepared: PreparedRun): Promise<RunOutcome> {
  const { repos, config } = deps;
  const { task, control, recorder } = ctx;
  // A cancel recorded since the claim was read by prepare's last write, or came to the registered run (then it is
  // applied once the child exists).
  if (control.cancelReason) return { kind: 'cancelled', reason: control.cancelReason };
  if (control.pendingStop === 'shutdown') return { kind: 'handed-back' }; // never started: nothing to interrupt

  const { cwd, additions, admission, resumeId } = prepared;
  const launch = launchSpec(deps.sandbox ?? UNSANDBOXED, { config, claudePath: deps.claudePath, workspace: cwd, state: prepared.state });
  const handle = startClaudeRun(
    {
      ...launch,
      env: { ...launch.env, ...additions.env },
      cwd,
      prompt: prepared.prompt,
      model: task.model ?? config.DEFAULT_MODEL,
      resumeSessionId: resumeId,
      appendSystemPrompt: task.system_prompt_append,
      agent: task.assigned_agent,
      permissionMode: task.permission_mode ?? config.DEFAULT_PERMISSION_MODE,
      allowedTools: [...(parseList(task.allowed_tools) ?? []), ...(additions.allowedTools ?? [])],
      disallowedTools: parseList(task.disallowed_tools),
      maxTurns: task.max_turns ?? config.DEFAULT_MAX_TURNS,
      maxBudgetUsd: admission.maxBudgetUsd,
      mcpConfig: additions.mcpConfig,
    },
    (item) => ctx.observers.item(task, recorder.push(item)),
    undefined,
    deps.spawner,
  );
  control.handle = handle;
  if (control.pendingStop) void ctx.stop(control.pendingStop);
  const timeout = setTimeout(() => void ctx.stop('timeout'), config.TASK_TIMEOUT_SECONDS * 1000);
  let ended: ClaudeRunOutcome;
  try {
    const pid = await handle.started;
    if (pid) await repos.tasks.updateRun(task.task_id, task.fence_id, { child_pid: pid });
    ended = await handle.done;
    // A stopped run counts as ended once its whole tree is: the CLI may exit before its tools (a sandbox's outer
    // bwrap even exits at once on SIGTERM).
    if (control.stopping) await control.stopping;
  } catch (err) {
    await ctx.stop('cancelled'); // the run cannot be recorded: it does not go on unseen
    throw err;
  } finally {
    clearTimeout(timeout);
  }
  await recorder.flush(true);
  return settleFigures(deps, ctx, prepared, ended);
}

/** Classifies the ended run and works out this run's share of its session's cost and tokens. */
async function settleFigures(deps: WorkerDeps, ctx: RunContext, prepared: PreparedRun, ended: ClaudeRunOutcome): Promise<RunOutcome> {
  const { repos, config, redactor } = deps;
  const { task } = ctx;
  // Events that could not be stored fail the run (it was stopped for it): its record must not have a gap.
  const lost = ctx.recorder.failure;
  const verdict = lost
    ? { status: 'failed' as const, outcome: 'error' as const, error: lost.message, output: null }
    : classify(ended, config.TASK_TIMEOUT_SECONDS, ctx.control.cancelReason);
  const result = ended.result;
  // Claude Code reports cost and tokens cumulatively over a resumed session: this run's share is the difference.
  const cumulative = result ? sessionTotals(result) : ZERO_TOTALS;
  const prior = prepared.resumeId && ended.sessionId === prepared.resumeId ? await repos.claudeSessions.totals(prepared.resumeId) : ZERO_TOTALS;
  const limitedBy = verdict.outcome === 'budget' ? prepared.admission.limitedBy : undefined;
  const error = limitedBy ? `${verdict.error} (limit: ${limitedBy})` : verdict.error;
  if (ended.sessionId && result) {
    await saveSession(prepared.state.configDir, repos, ended.sessionId, task.conversation_id, prepared.cwd, cumulative).catch((err) =>
      ctx.log.warn({ err }, 'could not keep the Claude session transcript'),
    );
  }
  if (verdict.status === 'interrupted') return { kind: 'handed-back' };
  const figures: RunFigures = {
    output: verdict.output === null ? null : redactor.redact(verdict.output),
    error: error === null ? null : redactor.redact(error),
    outcome: verdict.outcome,
    cost_usd: Math.max(0, cumulative.total_cost_usd - prior.total_cost_usd),
    input_tokens: Math.max(0, cumulative.input_tokens - prior.input_tokens),
    output_tokens: Math.max(0, cumulative.output_tokens - prior.output_tokens),
    cache_read_tokens: Math.max(0, cumulative.cache_read_tokens - prior.cache_read_tokens),
    cache_creation_tokens: Math.max(0, cumulative.cache_creation_tokens - prior.cache_creation_tokens),
    num_turns: result?.num_turns ?? 0,
    duration_ms: result?.duration_ms || Date.now() - Number(task.started_at),
    claude_session_id: ended.sessionId ?? null,
    child_pid: null,
  };
  return { kind: 'ended', status: verdict.status, figures };
}

function sessionTotals(result: ResultItem): SessionTotals {
  return {
    total_cost_usd: result.total_cost_usd,
    input_tokens: result.usage.input_tokens,
    output_tokens: result.usage.output_tokens,
    cache_read_tokens: result.usage.cache_read_input_tokens,
    cache_creation_tokens: result.usage.cache_creation_input_tokens,
  };
}

function parseList(text: string | null): string[] | null {
  if (!text) return null;
  try {
    const list = JSON.parse(text) as unknown;
    return Array.isArray(list) ? list.map(String) : null;
  } catch {
    return null;
  }
}
