import type { ConversationRow } from '../../storage/schema.js';
import { type CheckoutSource, cloneSource } from '../checkout.js';
import { prepareClaudeState } from '../claude-state.js';
import { buildPrompt } from '../prompt.js';
import { MAX_ATTEMPTS, type PreparedRun, type RunContext, type RunOutcome, type WorkerDeps } from '../run-context.js';
import { prepareWorkspace, restoreSession, workspaceFor } from '../workspace.js';
import { publishTaskEvent } from './settle.js';

/**
 * The prepare step: admission by the budgets, `task.started` and the observers told, the agent home and management
 * tools, the workspace (with the repository checked out for a GitHub task), the conversation's Claude session
 * restored, the prompt. A task a budget refuses ends here, as a value.
 */
export async function prepareRun(deps: WorkerDeps, ctx: RunContext): Promise<({ kind: 'prepared' } & PreparedRun) | RunOutcome> {
  const { repos, config } = deps;
  const { task, recorder } = ctx;
  const admission = await deps.budgets.admit(task);
  await publishTaskEvent(deps.bus, 'task.started', task);
  await ctx.observers.notify('onStart', task);
  // Refused after onStart, so observers that report back (GitHub, Slack…) have the thread to tell the reason in.
  if (!admission.ok) return { kind: 'refused', reason: admission.reason };
  if (task.attempts > 1) {
    const of = task.attempts <= MAX_ATTEMPTS ? ` of ${MAX_ATTEMPTS}` : ''; // hand-backs by shutdowns count too
    recorder.push({ kind: 'status', message: `Retrying after an interruption (attempt ${task.attempts}${of}).` });
  }

  const additions = (await deps.prepareRun?.(task)) ?? {};
  const conversation = task.conversation_id ? await repos.conversations.get(task.conversation_id) : undefined;
  const cwd = await prepareWorkspace(config, await workspaceFor(config, task.task_id, conversation), checkoutInto(deps, ctx, conversation));
  const previous = conversation?.claude_session_id ?? null;
  const state = await prepareClaudeState(config, task.task_id);
  ctx.state = state;
  const resumable = previous ? await restoreSession(state.configDir, repos, previous, cwd) : false;
  const prompt = await buildPrompt(task, repos, resumable);
  const resumeId = resumable ? previous : null;
  await repos.tasks.updateRun(task.task_id, task.fence_id, { working_dir: cwd, resume_session_id: resumeId });
  return { kind: 'prepared', admission, cwd, prompt, resumeId, additions, state };
}

/**
 * Clones the repository a task's thread lives in into its workspace, as whoever wired the worker describes it
 * (`checkoutSource`: the provider's adapter, with a credential minted for it): the worker knows no provider. A
 * failure is told to the run and the thread, not fatal.
 */
function checkoutInto(deps: WorkerDeps, ctx: RunContext, conversation: ConversationRow | undefined): ((dir: string) => Promise<void>) | undefined {
  // A dashboard conversation started on a repository: its first turn checks it out (public http(s), no credential).
  const chosen = conversation?.workspace_kind === 'repository' && conversation.workspace_ref;
  const describe = chosen ? async (): Promise<CheckoutSource> => ({ url: chosen, label: chosen, secrets: [] }) : deps.checkoutSource;
  if (!describe || (!chosen && !ctx.task.source_metadata)) return undefined;
  return async (dir) => {
    try {
      const source = await describe(ctx.task);
      if (source) ctx.recorder.push({ kind: 'status', message: `Checked out ${await cloneSource(dir, source, deps.config.dataDir)}.` });
    } catch (err) {
      // The run goes on without the code; the agent and the thread are told why.
      ctx.recorder.push({ kind: 'status', message: (err as Error).message });
      ctx.log.warn({ err }, 'repository checkout failed');
    }
  };
}
