// Where a run's changes go: the repository of the thread that asked (or, for a Jira issue, its project's repository),
// as one small "code host" per provider (github-host.ts, gitlab-host.ts) that knows how to push there and how to open
// a draft pull or merge request. The delivery (pull-requests.ts, deliver-run.ts) names no provider.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskRow } from '../storage/schema.js';
import type { ProviderClients } from '../webhooks/clients.js';
import type { PostBackTarget } from '../webhooks/providers/types.js';
import type { CheckoutSource } from '../worker/checkout.js';
import { jiraRepository } from '../flows/jira-repository.js';
import { githubHost } from './github-host.js';
import { gitlabHost } from './gitlab-host.js';

export interface DeliveryDeps {
  config: Config;
  repos: Repositories;
  /** The service's provider clients (undefined members: no credentials, so nothing can be opened there). */
  clients: ProviderClients;
  log: Logger;
}

export interface CodeHost {
  /** The provider as pull_requests.provider records it. */
  readonly provider: string;
  /** 'owner/repo', 'group/project': pull_requests.repository. */
  readonly repository: string;
  /** Whether runs' changes are delivered here at all (GITHUB_PULL_REQUESTS, GITLAB_MERGE_REQUESTS). */
  readonly delivers: boolean;
  /** Why nothing can be pushed or opened here (no credentials), or undefined. */
  readonly unavailable?: string;
  /** The pull or merge request the task was asked in; undefined for an issue. */
  readonly threadNumber?: number;
  /** What the provider calls one: 'pull request', 'merge request'. */
  readonly noun: string;
  /** How the provider writes its number: '#7', '!7'. */
  ref(number: number): string;
  /** Where the service pushes, with a credential it holds for this one push. Same URL as the checkout: same mirror. */
  pushSource(): Promise<CheckoutSource>;
  /** The head branch of pull/merge request `number` when it lives in this repository; undefined for a fork's. */
  headBranch(number: number): Promise<string | undefined>;
  /** Opens a draft pull/merge request from `head` into `base`. */
  openDraft(p: { head: string; base: string; title: string; body: string }): Promise<{ number: number; url: string }>;
  /** Posts the run's review file as a review of the thread's pull request, where the provider has line reviews. */
  review?(task: TaskRow): Promise<void>;
}

/** The code host a task's changes go to, or undefined when its thread has no repository. */
export function codeHostFor(deps: DeliveryDeps, target: PostBackTarget): CodeHost | undefined {
  switch (target.provider) {
    case 'github':
      return githubHost(deps, { owner: target.owner, repo: target.repo, installationId: target.installationId }, target.isPullRequest ? target.issueNumber : undefined);
    case 'jira': {
      const repository = jiraRepository(deps.config, target.issueKey);
      return repository && githubHost(deps, repository);
    }
    case 'gitlab':
      return gitlabHost(deps, target);
    default:
      return undefined;
  }
}

/** 'pull request #7', 'merge request !7': how a reply names where the changes are. */
export function changeRequestName(view: { provider: string; number: number }): string {
  return view.provider === 'gitlab' ? `merge request !${view.number}` : `pull request #${view.number}`;
}
