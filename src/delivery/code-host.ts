// Where a run's changes go: the repository of the thread that asked (or one its thread maps to), as one small "code
// host" per provider, in the provider's folder (src/webhooks/providers/<name>/code-host.ts) behind its adapter's
// `codeHost`, that knows how to push there and how to open a draft pull or merge request. The delivery
// (pull-requests.ts, deliver-run.ts) names no provider.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskRow } from '../storage/schema.js';
import type { ProviderClients } from '../webhooks/clients.js';
import type { PostBackTarget } from '../webhooks/providers/types.js';
import type { CheckoutSource } from '../worker/checkout.js';
import type { ChangeRequests } from '../webhooks/providers/adapter.js';
import { adapterFor, isProvider } from '../webhooks/providers/index.js';

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
  /** Whether runs' changes are delivered here at all (the provider's setting, e.g. GITLAB_MERGE_REQUESTS). */
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
  return adapterFor(target.provider).codeHost?.(deps, target);
}

/** Pull requests as a provider names them; '#' numbers for a provider that is no code host (none is recorded). */
function changeRequestsOf(provider: string): Pick<ChangeRequests, 'noun' | 'ref'> {
  return (isProvider(provider) ? adapterFor(provider).changeRequests : undefined) ?? { noun: 'pull request', ref: (number) => `#${number}` };
}

/** 'pull request #7', 'merge request !7': how a reply names where the changes are. */
export function changeRequestName(view: { provider: string; number: number }): string {
  const { noun, ref } = changeRequestsOf(view.provider);
  return `${noun} ${ref(view.number)}`;
}

/** 'owner/repo#7', 'group/project!7': the thread of a pull or merge request, as its provider's deliveries name it. */
export function changeRequestThread(view: { provider: string; repository: string; number: number }): string {
  return `${view.repository}${changeRequestsOf(view.provider).ref(view.number)}`;
}
