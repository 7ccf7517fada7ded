// Everything the service knows about one provider, behind one interface. The pipeline (ingest, rules, responder,
// post-back, delivery, flows, the webhook API, logging) looks a provider up in the registry (./index.ts) and calls
// these members; it never names a provider (test/provider-boundary.test.ts keeps it so). A provider lives in its own
// folder, `providers/<name>/`, with the same files in each:
//   adapter.ts    this interface implemented: settings, signature, bot and self detection, permission, outbound
//   parse.ts      the pure parser: a verified delivery → ParsedDelivery (parse.test.ts beside it)
//   verify.ts     the signature or token check, pure
//   target.ts     its member of PostBackTarget: where replies go (one line in types.ts joins it to the union)
//   rules.ts      its built-in command table (registered in ../rules/builtin-commands.ts)
// and, for a code host, code-host.ts: where a run's changes are pushed and its pull/merge requests opened; plus
// whatever else that provider needs (its client lives in src/integrations/<name>.ts).
import type { Config } from '../../config.js';
import type { Action, ProviderName } from '../../contracts/webhook-commands.js';
import type { CodeHost, DeliveryDeps } from '../../delivery/code-host.js';
import type { Change } from '../../delivery/pull-request-events.js';
import type { StepDefinition } from '../../flows/step-context.js';
import type { GithubRetryOptions } from '../../integrations/github.js';
import type { RetryOptions } from '../../integrations/retry.js';
import type { Logger } from '../../logger.js';
import type { AfterRunStepName } from '../../storage/repositories/after-run-steps.js';
import type { Repositories } from '../../storage/repositories/index.js';
import type { TaskService } from '../../tasks/task-service.js';
import type { CheckoutSource } from '../../worker/checkout.js';
import type { Verification } from '../signatures.js';
import type { ProviderClients } from './index.js';
import type { ParsedDelivery, PostBackTarget, ProviderEvent, RawDelivery } from './types.js';

/** Names of the settings that hold a string (secrets, tokens, ids). */
export type StringSetting = { [K in keyof Config]-?: Config[K] extends string | undefined ? K : never }[keyof Config];

/** Who may trigger the agent, and whether they need approval for commands that edit. */
export type Permission = { allowed: true; maintainer: boolean; why: string } | { allowed: false; why: string };

/** Thrown by a permission check that needs the provider's API and could not ask it (the delivery then gets 503). */
export class PermissionLookupError extends Error {}

/**
 * Thrown by a check asked to answer from its cache only (`cachedOnly`) when the answer needs the provider's API: the
 * delivery is then stored with its tasks waiting and the lookup happens off the request (../permission-wait.ts).
 */
export class PermissionNotCachedError extends Error {}

export interface CheckOptions {
  /** Answer from the cache or the settings, never the network: PermissionNotCachedError otherwise. */
  cachedOnly?: boolean;
  /** Ends a lookup early (shutdown), besides its own deadline. */
  signal?: AbortSignal;
}

export interface PermissionOptions {
  /** How long a looked-up permission is trusted. Default 5 minutes. */
  ttlMs?: number;
  /** Most (place, user) pairs remembered; the least recently used go first. Default 10,000. */
  maxEntries?: number;
  /** A lookup is aborted after this long (each attempt; see ../permission-wait.ts). Default 3 s. */
  lookupTimeoutMs?: number;
}

/** Decides one event's permission; made once per service, so it may keep a cache. */
export interface PermissionCheck<Target extends PostBackTarget = PostBackTarget> {
  check(event: ProviderEvent & { target: Target }, options?: CheckOptions): Promise<Permission>;
}

/** Retry timings of the outbound clients: GitHub's (Octokit's plugins) and the other providers' (withRetry). Tests shorten them. */
export interface ProviderRetryOptions {
  github?: GithubRetryOptions;
  others?: RetryOptions;
}

export interface ReplyOptions {
  /** Ask for approval in the message itself when the provider has buttons (Slack): approve/reject this task. */
  approvalTaskId?: string;
}

/** What the worker clones for a task whose thread lives in a code repository (declared beside the worker's git code). */
export type { CheckoutSource };

export interface ProviderSettings {
  /** The setting holding the webhook secret; the built-in route refuses every delivery while it is unset. */
  secret: StringSetting;
  /** The settings posting back needs, as an error message names them: 'SLACK_BOT_TOKEN'. */
  postBackSettings: string;
}

export interface SignatureScheme {
  /** Lower-case headers carrying the signature: redacted from logs, shown to users setting up a webhook. */
  headers: readonly string[];
  /** How the signature is formed, for the dashboard and docs: 'X-Hub-Signature-256: sha256=<hex>'. */
  describe: string;
}

/** What a code host calls the requests that merge a branch, and what its deliveries say about them. */
export interface ChangeRequests {
  /** 'pull request', 'merge request'. */
  readonly noun: string;
  /** How the provider writes one's number after its repository: '#7', '!7'. */
  ref(number: number): string;
  /** What a verified delivery says about the ones the service opened (merged, closed, new commits, CI); [] if nothing. */
  changes(headers: Record<string, string>, body: unknown): Change[];
}

/**
 * A link to one of its threads that a message may hold ('https://github.com/o/r/issues/12', 'PROJ-5'): an RE2
 * pattern (linear in the hostile text whatever it holds) and the thread id a match names (ProviderEvent.thread), or
 * undefined for a look-alike.
 */
export interface ThreadLink {
  pattern: string;
  thread(group: (n: number) => string): string | undefined;
}

/** One path segment of a repository link, bounded: `owner`, `repo`, a group. */
export const LINK_SEGMENT = '[A-Za-z0-9_.-]{1,100}';

/** A rule action that calls one provider's API (`github_label`, `slack_message`): checked when saved, sent after the delivery is stored. */
export interface ProviderAction<Client = unknown, Target extends PostBackTarget = PostBackTarget> {
  /** The thread it acts on, when it acts on the delivery's own ('a GitHub issue or pull request'); absent: any delivery. */
  readonly onItsThread?: string;
  /** Whether it posts the rule's rendered template (which is then required). */
  readonly posts: boolean;
  /** What is wrong with a rule's options, by field: 'options.labels: …'. */
  problems(options: Record<string, unknown> | undefined): string[];
  /** What a dry run says it would do: 'add labels bug', 'post to C123'. */
  describe(options: Record<string, unknown>): string;
  /** Sends it (to the delivery's thread when `onItsThread`); returns the id of what it posted, for the loop guard. */
  send(client: Client | undefined, target: Target | undefined, options: Record<string, unknown>, text: string): Promise<string | undefined>;
}

/** A channel the service posts notices to: runs started and finished, a flow's summary (Slack's SLACK_NOTIFY_CHANNEL). */
export interface NotifyChannel<Client = unknown> {
  /** The channel the settings name, or undefined. */
  configured(config: Config): string | undefined;
  /** What is wrong with a channel a rule names (`options.notify_channel`), or undefined. */
  problem(channel: string): string | undefined;
  /** Posts `text` there; returns the post's id, for the loop guard. */
  post(client: Client | undefined, channel: string, text: string): Promise<string>;
}

/** What a provider's background work in a worker is given. */
export interface BackgroundDeps {
  config: Config;
  repos: Repositories;
  tasks: TaskService;
  clients: ProviderClients;
  log: Logger;
}

/** Work a worker runs beside the webhooks, started and stopped with it. */
export interface Background {
  start(): void;
  stop(): void;
}

/**
 * One provider. `Client` is its outbound API client (undefined when its credentials are not configured); `Target`
 * is its member of PostBackTarget. Members that post are given the client; they throw a clear error naming
 * `settings.postBackSettings` when it is undefined and they need it.
 */
export interface ProviderAdapter<Client = unknown, Target extends PostBackTarget = PostBackTarget> {
  /** The route `POST /webhooks/<name>`, and the `provider` of its events, tasks and outbound posts. */
  readonly name: ProviderName;

  /** Which settings it needs. */
  readonly settings: ProviderSettings;

  /** Whether the built-in route is enabled: its webhook secret is set (fail closed otherwise). */
  enabled(config: Config): boolean;

  /** Headers and format of the webhook signature. */
  readonly signature: SignatureScheme;

  /**
   * Short, non-secret headers that say what a delivery is (event type, delivery id): the only headers kept of a post
   * that fails verification, so the inspector can tell which provider meant to send it.
   */
  readonly deliveryHeaders?: readonly string[];

  /** Checks a delivery's signature against the raw body exactly as received. Pure; the clock is a parameter. */
  verify(secret: string, rawBody: string, headers: Record<string, string>, nowMs: number): Verification | Promise<Verification>;

  /** A verified delivery → the common event, a handshake, or `ignored` with a reason. Pure; never throws. */
  parse(delivery: RawDelivery): ParsedDelivery;

  /** Headers a dry run adds so the parser sees the event type the user named ('issue_comment.created'). */
  dryRunHeaders(eventType: string): Record<string, string>;

  /** Top-level payload fields a prompt template may read (`{{issue.title}}`); anything secret is left out. */
  readonly payloadRoots: readonly string[];

  /** How its messages are marked up: GitHub-flavoured Markdown, or Slack's mrkdwn. */
  readonly markup: 'markdown' | 'mrkdwn';

  /**
   * Checks where a delivery asks to be answered besides the provider's API (Slack's response_url): the target with
   * anything not allowed dropped, and notes for the delivery's record; undefined when the target may be used as is.
   */
  guardOutbound?(target: Target, config: Config): { target: Target; notes: Record<string, string> } | undefined;

  /** A command's request as the user wrote it, from the text as sent (Slack escapes &, < and >); absent: as sent. */
  plainText?(text: string): string;

  /** Whether the actor is this service's own account on the provider (a configured bot login or id). */
  isSelf(actor: NonNullable<ProviderEvent['actor']>, config: Config): boolean;

  /** The service's own account ids there: an event addressed to one of them is addressed to the agent. */
  selfIds(config: Config): string[];

  /**
   * The id of the provider object the delivery is about, in the form `reply` returns, when it may be one this
   * service posted (the loop guard looks it up); undefined otherwise.
   */
  ownPostId(event: ProviderEvent & { target: Target }): string | undefined;

  /** The outbound client when its credentials are configured, else undefined. Called once per service. */
  createClient(config: Config, retries: ProviderRetryOptions): Client | undefined;

  /** Builds the permission check (who may trigger, who is a maintainer). Called once per service. */
  permissions(config: Config, client: Client | undefined, options: PermissionOptions): PermissionCheck<Target>;

  /** Marks the triggering message as seen (👀). A provider without reactions does nothing. */
  acknowledge(client: Client | undefined, event: ProviderEvent & { target: Target }): Promise<void>;

  /**
   * Posts a new message in the thread. Returns the id the loop guard records and `edit` takes ('comment:12',
   * 'C1/1700.1'), or undefined when the provider gives none.
   */
  reply(client: Client | undefined, target: Target, text: string, options?: ReplyOptions): Promise<string | undefined>;

  /** Rewrites a message `reply` posted (progress edits). Absent when the provider's API cannot edit. */
  edit?(client: Client | undefined, target: Target, postId: string, text: string): Promise<void>;

  /** True for a message that can be rewritten only a few times, so only by the result, not by progress. */
  finalEditOnly?(postId: string): boolean;

  /** What the worker checks out for a task from this thread; absent when threads have no repository. */
  checkout?(client: Client | undefined, target: Target, config: Config): Promise<CheckoutSource | undefined>;

  /**
   * Where replies to a thread go, from its id alone (ProviderEvent.thread): for a thread the service opened and nobody
   * has written in yet. `asker` is the target of the thread whose run writes there. Absent or undefined: not known.
   */
  threadTarget?(thread: string, asker: PostBackTarget | undefined): Target | undefined;

  /** The links to its threads a message may hold (`@agent continue <link>`, links between threads). */
  readonly threadLinks?: readonly ThreadLink[];

  /** The rule actions that call its API, by action name. */
  readonly actions?: Readonly<Partial<Record<Action, ProviderAction<Client, Target>>>>;

  /** Durable steps after a run that its API does, by step name (Jira's `jira_issue`: an issue opened from the run). */
  readonly afterRunSteps?: Readonly<Partial<Record<AfterRunStepName, StepDefinition>>>;

  /** Its notify channel, when it has one. */
  readonly notifyChannel?: NotifyChannel<Client>;

  /** What a worker runs for it beside the webhooks (GitHub's 👍 approvals, which no webhook reports); absent: none. */
  background?(deps: BackgroundDeps): Background;

  /** Its pull or merge requests, when it is a code host (the provider pull_requests.provider names). */
  readonly changeRequests?: ChangeRequests;

  /** Where a run's changes from this thread go (its repository, or one the thread maps to); absent or undefined: none. */
  codeHost?(deps: DeliveryDeps, target: Target): CodeHost | undefined;
}

/** Any registered adapter, as the pipeline sees it. */
export type AnyProviderAdapter = ProviderAdapter<unknown, PostBackTarget>;

/** The client, or an error that says which settings posting back to the provider needs. */
export function need<T>(client: T | undefined, provider: string, settings: string): T {
  if (!client) throw new Error(`${provider} is not configured for posting back: set ${settings}`);
  return client;
}
