// Changes that land as pull requests, opened by the service, not the model: after a run that changed files in its
// checkout, the service commits them (workspace-commit.ts), pushes `agent/<flow>-<n>` with the credential it holds
// (the code host's: a GitHub token or App installation token, GITLAB_TOKEN; the child never holds any) and opens a
// draft pull or merge request titled from the run's summary. A run in the thread of one the service opened pushes to
// its branch instead; a run in someone else's is stacked on it: a new branch on its head, opened against its branch.
import type { Config } from '../config.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskRow } from '../storage/schema.js';
import { mirrorOf } from '../worker/checkout.js';
import type { CodeHost, DeliveryDeps } from './code-host.js';
import { commitWorkspace, defaultBranch, pushCommit } from './workspace-commit.js';

export type { DeliveryDeps } from './code-host.js';

/** Where a task's changes landed. */
export interface PullRequestRef {
  url: string;
  number: number;
  branch: string;
  /** False when the changes were pushed to the branch of a pull request the service had opened before. */
  created: boolean;
}

const MAX_TITLE = 72;
const MAX_BODY = 60_000;

/**
 * Commits what `task`'s run changed in its workspace (checked out from the host's repository at
 * task.checkout_commit), pushes it and opens a draft pull/merge request; or, when the task was asked in one the
 * service opened, pushes to its branch. Records the pull request and links the task to it. Returns undefined when
 * there is nothing to deliver: no checkout, or no file changed. Throws (with no credential in the message) when the
 * push or the API call fails.
 */
export async function openPullRequest(deps: DeliveryDeps, task: TaskRow, host: CodeHost, opts: { command?: string } = {}): Promise<PullRequestRef | undefined> {
  const { config, repos } = deps;
  if (!task.working_dir || !task.checkout_commit) return undefined;
  if (host.unavailable) throw new Error(host.unavailable);
  const source = await host.pushSource();
  const mirror = mirrorOf(config.dataDir, source);
  const { title, body } = describe(task, config);
  const commit = await commitWorkspace({ mirror, workTree: task.working_dir, base: task.checkout_commit, message: `${title}\n\nTask ${task.task_id}` });
  if (!commit) return undefined;
  const asked = host.threadNumber;
  const existing = asked === undefined ? undefined : await repos.pullRequests.find(host.provider, host.repository, asked);
  // Someone else's pull request: its branch is theirs. The changes go on a branch of ours, stacked on its head.
  const stackedOn = asked !== undefined && !existing ? { number: asked, branch: await stackBase(host, asked) } : undefined;
  const branch = existing?.branch ?? (await nextBranch(repos, task));
  await pushCommit({ mirror, url: source.url, commit, branch, authorization: source.authorization, secrets: source.secrets });
  if (existing) {
    const row = (await repos.pullRequests.update({ provider: host.provider, repository: host.repository, number: existing.number }, { head_sha: commit })) ?? existing;
    await repos.pullRequests.link(task.task_id, row);
    return { url: existing.url, number: Number(existing.number), branch, created: false };
  }
  const base = stackedOn?.branch ?? (await defaultBranch(mirror));
  // The branch name is its author's (git allows a backquote in one): it must not end the code span.
  const stackNote = stackedOn ? `Stacked on ${host.ref(stackedOn.number)} (${host.noun} from \`${stackedOn.branch.replaceAll('`', "'")}\`): merge that first.\n\n` : '';
  const opened = await host.openDraft({ head: branch, base, title, body: `${stackNote}${body}` });
  await repos.pullRequests.opened({
    provider: host.provider,
    repository: host.repository,
    number: opened.number,
    url: opened.url,
    branch,
    base,
    head_sha: commit,
    task_id: task.task_id,
    flow_id: task.flow_id,
    agent: task.assigned_agent,
    command: opts.command ?? task.rule,
  });
  return { url: opened.url, number: opened.number, branch, created: true };
}

/** The branch a stacked pull request goes into: the asked-in one's head branch, which must be in this repository. */
async function stackBase(host: CodeHost, number: number): Promise<string> {
  const branch = await host.headBranch(number);
  if (!branch) {
    throw new Error(`the changes were not pushed: ${host.repository}${host.ref(number)} comes from a fork, and a ${host.noun} stacked on it needs its branch in ${host.repository}`);
  }
  return branch;
}

/** `agent/<flow>-<n>`: the flow's n-th branch. */
async function nextBranch(repos: Repositories, task: TaskRow): Promise<string> {
  const flow = (task.flow_id ?? task.task_id).replace(/[^A-Za-z0-9_-]+/g, '-');
  const n = task.flow_id ? (await repos.pullRequests.countInFlow(task.flow_id)) + 1 : 1;
  return `agent/${flow}-${n}`;
}

/** Title and body from the run's summary (its final text, already redacted), with a link to the task. */
export function describe(task: TaskRow, config: Config): { title: string; body: string } {
  const summary = (task.output ?? '').trim();
  const first = summary.split('\n').find((l) => l.trim() !== '') ?? '';
  const line = first.replace(/^[#>*\-\s]+/, '').trim();
  const title = line ? (line.length > MAX_TITLE ? `${line.slice(0, MAX_TITLE - 1)}…` : line) : `Changes from task ${task.task_id}`;
  const link = config.PUBLIC_URL ? `${config.PUBLIC_URL.replace(/\/$/, '')}/tasks/${task.task_id}` : `task ${task.task_id}`;
  const text = summary.length > MAX_BODY ? `${summary.slice(0, MAX_BODY)}\n\n… (truncated)` : summary;
  return { title, body: `${text || '(the run left no summary)'}\n\n---\nOpened by Claude Code Agent as a draft for ${link}.` };
}
