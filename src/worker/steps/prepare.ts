import type { ConversationRow } from '../../storage/schema.js';
import { type CheckoutSource, checkedOutCommit, cloneSource } from '../checkout.js';
import { prepareClaudeState } from '../claude-state.js';
import { buildPrompt } from '../prompt.js';
import { MAX_ATTEMPTS, type PreparedRun, type RunContext, type RunOutcome, type WorkerDeps } from '../run-context.js';
import { prepareWorkspace, restoreSession, workspaceFor } from '../workspace.js';
import { publishTaskEvent } from './settle.js';

/**
 * The prepare step: admission by the budgets, `task.started` and the observers told, the agent home and management
 * tools, the workspace (with the repository checked out for a GitHub task), the conversation's Claude session
 * restored, the prompt. A task a budget refuses ends here, as a value. What does not depend on something else runs
 * at the same time; a repository is checked out only for a task the budgets admitted.
 */
export async function prepareRun(deps: WorkerDeps, ctx: RunContext): Promise<({ kind: 'prepared' } & PreparedRun) | RunOutcome> {
  const { repos, config } = deps;
  const { task, recorder } = ctx;
  const conversation = task.conversation_id ? repos.conversations.get(task.conversation_id) : Promise.resolve(undefined);
  let checkoutCommit: string | undefined;
  const checkout = conversation.then((c) => checkoutInto(deps, ctx, c, (commit) => (checkoutCommit = commit)));
  // The registry's hook materialises the agent home, which the workspace's .claude links point into: links are made
  // after it, or the first run of a fresh service finds no agents (and `--agent` ends the CLI with no result).
  const registry = deps.prepareRun?.(task) ?? Promise.resolve(undefined);
  const workspace = async () => {
    await registry.catch(() => undefined); // its failure is the run's, reported below
    return prepareWorkspace(config, await workspaceFor(config, task.task_id, await conversation), await checkout);
  };
  // A workspace that needs no checkout is made meanwhile; one that failed is made again below, to tell why.
  const early = checkout.then((fill) => (fill ? undefined : workspace())).catch(() => undefined);
  // A conversation with no Claude session to resume gets its recent messages as context: read now.
  const contextPrompt = conversation.then((c) => (c?.claude_session_id ? undefined : buildPrompt(task, repos, false)));
  const settled = await Promise.allSettled([
    deps.budgets.admit(task),
    publishTaskEvent(deps.bus, 'task.started', task).then(() => ctx.observers.notify('onStart', task)),
    registry,
    conversation,
    early,
    prepareClaudeState(config, task.task_id).then((s) => (ctx.state = s)),
    contextPrompt,
  ] as const);
  const admission = valueOf(settled[0]);
  valueOf(settled[1]);
  // Refused after onStart, so observers that report back (GitHub, Slack…) have the thread to tell the reason in.
  if (!admission.ok) return { kind: 'refused', reason: admission.reason };
  const [additions = {}, conv, earlyCwd, state] = [valueOf(settled[2]), valueOf(settled[3]), valueOf(settled[4]), valueOf(settled[5])];
  if (task.attempts > 1) {
    const of = task.attempts <= MAX_ATTEMPTS ? ` of ${MAX_ATTEMPTS}` : ''; // hand-backs by shutdowns count too
    recorder.push({ kind: 'status', message: `Retrying after an interruption (attempt ${task.attempts}${of}).` });
  }
  const cwd = earlyCwd ?? (await workspace());
  const previous = conv?.claude_session_id ?? null;
  const resumable = previous ? await restoreSession(state.configDir, repos, previous, cwd) : false;
  const prompt = (await contextPrompt) ?? (await buildPrompt(task, repos, resumable));
  const resumeId = resumable ? previous : null;
  const checkedOut = checkoutCommit ? { checkout_commit: checkoutCommit } : {};
  // The same statement reads a cancel recorded since the claim whose control message came before this run was
  // registered (or never came); one that comes later finds the run registered (see steps/run.ts).
  const now = await repos.tasks.updateRun(task.task_id, task.fence_id, { working_dir: cwd, resume_session_id: resumeId, ...checkedOut });
  if (now?.cancel_requested) ctx.control.cancelReason ??= now.error ?? 'cancelled';
  return { kind: 'prepared', admission, cwd, prompt, resumeId, additions, state };
}

/** A settled promise's value, or its failure thrown (every promise of the step has settled: none runs on unseen). */
function valueOf<T>(settled: PromiseSettledResult<T>): T {
  if (settled.status === 'rejected') throw settled.reason;
  return settled.value;
}

/**
 * Clones the repository a task's thread lives in into its workspace, as whoever wired the worker describes it
 * (`checkoutSource`: the provider's adapter, with a credential minted for it): the worker knows no provider. A
 * failure is told to the run and the thread, not fatal.
 */
function checkoutInto(
  deps: WorkerDeps,
  ctx: RunContext,
  conversation: ConversationRow | undefined,
  checkedOut: (commit: string) => void,
): ((dir: string) => Promise<void>) | undefined {
  // A dashboard conversation started on a repository: its first turn checks it out (public http(s), no credential).
  const chosen = conversation?.workspace_kind === 'repository' && conversation.workspace_ref;
  const describe = chosen ? async (): Promise<CheckoutSource> => ({ url: chosen, label: chosen, secrets: [] }) : deps.checkoutSource;
  if (!describe || (!chosen && !ctx.task.source_metadata)) return undefined;
  return async (dir) => {
    try {
      const source = await describe(ctx.task);
      if (!source) return;
      ctx.recorder.push({ kind: 'status', message: `Checked out ${await cloneSource(dir, source, deps.config.dataDir)}.` });
      checkedOut(await checkedOutCommit(dir));
    } catch (err) {
      // The run goes on without the code; the agent and the thread are told why.
      ctx.recorder.push({ kind: 'status', message: (err as Error).message });
      ctx.log.warn({ err }, 'repository checkout failed');
    }
  };
}
