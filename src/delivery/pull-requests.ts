// Changes that land as pull requests, opened by the service, not the model: after a run that changed files in its
// checkout, the service commits them (workspace-commit.ts), pushes `agent/<flow>-<n>` with the credential it holds
// (GITHUB_TOKEN, or an App installation token minted for this one push: the child never holds either) and opens a
// draft pull request titled from the run's summary. A run in the thread of a pull request the service opened pushes
// to that pull request's branch instead.
import type { Config } from '../config.js';
import type { GithubClient } from '../integrations/github.js';
import type { Logger } from '../logger.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskRow } from '../storage/schema.js';
import { githubCheckoutSource, mirrorOf } from '../worker/checkout.js';
import { commitWorkspace, defaultBranch, pushCommit } from './workspace-commit.js';

export interface DeliveryDeps {
  config: Config;
  repos: Repositories;
  /** Undefined without GitHub credentials (nothing can be pushed then). */
  github: GithubClient | undefined;
  log: Logger;
}

/** A GitHub repository the service may push to. */
export interface GithubRepository {
  owner: string;
  repo: string;
  /** The App installation to act as (App auth); looked up from the repository when absent. */
  installationId?: number;
}

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
 * Commits what `task`'s run changed in its workspace (checked out from `repository` at task.checkout_commit), pushes
 * it and opens a draft pull request; or, with `pullNumber` naming a pull request the service opened, pushes to its
 * branch. Records the pull request and links the task to it. Returns undefined when there is nothing to deliver:
 * no checkout, or no file changed. Throws (with no credential in the message) when the push or the API call fails.
 *
 * Exported for the flows that open a pull request from another provider's thread (a Jira issue's `fix`).
 */
export async function openPullRequest(
  deps: DeliveryDeps,
  task: TaskRow,
  repository: GithubRepository,
  opts: { pullNumber?: number; command?: string } = {},
): Promise<PullRequestRef | undefined> {
  const { config, repos } = deps;
  if (!task.working_dir || !task.checkout_commit) return undefined;
  const github = deps.github;
  if (!github) throw new Error('no GitHub credentials to open a pull request with (GITHUB_TOKEN or GITHUB_APP_ID)');
  const fullName = `${repository.owner}/${repository.repo}`;
  const source = await githubCheckoutSource(config, { ...repository, issueNumber: 0, isPullRequest: false }, 'push');
  const mirror = mirrorOf(config.dataDir, source);
  const { title, body } = describe(task, config);
  const commit = await commitWorkspace({ mirror, workTree: task.working_dir, base: task.checkout_commit, message: `${title}\n\nTask ${task.task_id}` });
  if (!commit) return undefined;
  const existing = opts.pullNumber === undefined ? undefined : await repos.pullRequests.find('github', fullName, opts.pullNumber);
  if (opts.pullNumber !== undefined && !existing) {
    // Someone else's pull request: its branch is theirs. (Opening one stacked on it is not done yet.)
    throw new Error(`the changes were not pushed: ${fullName}#${opts.pullNumber} is not a pull request this service opened`);
  }
  const branch = existing?.branch ?? (await nextBranch(repos, task));
  await pushCommit({ mirror, url: source.url, commit, branch, authorization: source.authorization, secrets: source.secrets });
  if (existing) {
    const row = (await repos.pullRequests.update({ provider: 'github', repository: fullName, number: existing.number }, { head_sha: commit })) ?? existing;
    await repos.pullRequests.link(task.task_id, row);
    return { url: existing.url, number: Number(existing.number), branch, created: false };
  }
  const base = await defaultBranch(mirror);
  const opened = await github.createPullRequest({ ...repository, head: branch, base, title, body, draft: true });
  await repos.pullRequests.opened({
    provider: 'github',
    repository: fullName,
    number: opened.number,
    url: opened.html_url,
    branch,
    base,
    head_sha: commit,
    task_id: task.task_id,
    flow_id: task.flow_id,
    agent: task.assigned_agent,
    command: opts.command ?? task.rule,
  });
  return { url: opened.html_url, number: opened.number, branch, created: true };
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
