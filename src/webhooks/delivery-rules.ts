// The one pipeline every delivery runs, a built-in route's or a user's webhook's: address → match → conditions (the
// one matcher, rules/matcher.ts) → permission → approval → action. What a verified delivery comes to is decided here
// before anything about it is written: which rules matched and why, whether its sender may run them (the one network
// call, GitHub's permission lookup), the tasks to create and the replies to send. WebhookIngest then stores the
// delivery, its outcome and its tasks in one transaction and starts the replies after the commit, so nothing here
// writes — except an approval, which acts on a task that exists.
import type { Config } from '../config.js';
import { externalThreadId } from '../domain/ids.js';
import { FlowResolver } from '../flows/flow-resolver.js';
import type { Logger } from '../logger.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskService } from '../tasks/task-service.js';
import type { ActionResult, ActionRunner } from './actions.js';
import type { EngineEvent } from './engine.js';
import { type Permission, PermissionLookupError, type PermissionChecker, PermissionNotCachedError } from './permissions.js';
import { approvalAsk, needsApprovalOf, type PermissionWaitPlan, refusalText, type TaskWait, waitingEvent } from './permission-wait-plan.js';
import { adapterFor, allAdapters, isProvider } from './providers/index.js';
import type { ProviderEvent } from './providers/types.js';
import type { Responder } from './responder.js';
import { helpText } from './rules/help.js';
import { matchRoute, type RuleMatch } from './rules/matcher.js';
import type { Route } from './rules/types.js';
import type { ThreadTaskInput } from './thread-task.js';

/** What the permission step answers: the provider's verdict, or why it could not be asked (503). */
type PermissionAnswer = Permission | { unavailable: string };

/** How a delivery ends, as the route answers it (eventId is added when the delivery is stored). */
export type Verdict =
  | { outcome: 'accepted'; taskId: string; taskIds: string[]; waitingApproval: boolean; permissionPending?: true } // 202
  | { outcome: 'acted'; actions: string[] } // 200: user rules ran actions that create no task
  | { outcome: 'ignored'; reason: string } // 200
  | { outcome: 'answered'; what: string } // 200: help/status, answered without a model run
  | { outcome: 'approved' | 'rejected'; taskId: string } // 200
  | { outcome: 'refused'; reason: string } // 200: not allowed to trigger
  | { outcome: 'unavailable'; why: string }; // 503: could not check permission; the provider may redeliver

export interface Decision {
  verdict: Verdict;
  matchedCommand?: string | null;
  /** For the delivery inspector: why each rule matched or not, the permission, the actions. */
  explanation?: Record<string, unknown>;
  renderedPrompt?: string | null;
  /** Written in the delivery's transaction. */
  tasks?: ThreadTaskInput[];
  /** Replies and provider calls, started once the delivery is stored. */
  after?: Array<() => void>;
  /** The sender's permission was not cached: stored with the tasks, decided off the request (permission-wait.ts). */
  wait?: PermissionWaitPlan;
}

export interface RuleDeps {
  config: Config;
  repos: Repositories;
  tasks: TaskService;
  log: Logger;
  permissions: PermissionChecker;
  responder: Responder;
  actions: ActionRunner;
}

/** What one matched rule comes to: an answer that is the delivery's verdict, or an action with its task and replies. */
interface Step {
  verdict?: Verdict;
  result: Omit<ActionResult, 'status'> & { status: ActionResult['status'] | 'answered' };
  task?: ThreadTaskInput;
  after: Array<() => void>;
  wait?: TaskWait;
}

export class DeliveryRules {
  private readonly flows: FlowResolver;

  constructor(private readonly deps: RuleDeps) {
    this.flows = new FlowResolver(deps.repos);
  }

  /** Address → match → conditions: which of a route's rules a delivery asks for, and why each other one not. */
  match(event: EngineEvent, route: Route) {
    return matchRoute(event, route, { botMentionIds: botIds(this.deps.config) });
  }

  /**
   * Loops and bots first; then the rules of the delivery's route, every step the same for built-in and user rules.
   * `ownPost`: whether the delivery is about a message this service posted, when the caller has read it already.
   */
  async decide(event: EngineEvent, eventId: string, route: Route, replayOf?: string, ownPost?: boolean): Promise<Decision> {
    const guard = await this.loopGuard(event, ownPost);
    if (guard) return { verdict: { outcome: 'ignored', reason: guard } };
    const { decisions, matched, reason } = this.match(event, route);
    if (matched.length === 0) return { verdict: { outcome: 'ignored', reason }, explanation: { decisions } };
    const first = matched[0]!;
    const explanation: Record<string, unknown> = route.addressing === 'phrase' ? { matched: first.rule.name, why: first.why, decisions } : { decisions };
    const base = { matchedCommand: matched.map((m) => m.rule.name).join(', '), explanation };

    const cached = await this.permission(event, eventId, true);
    let permission: PermissionAnswer;
    if ('notCached' in cached) {
      // Only tasks can wait for the answer; an approval, help or a comment acts now, so it asks the provider now.
      if (matched.every((m) => m.rule.action === 'create_task')) return this.deferred(event, matched, route, eventId, replayOf, base);
      permission = await this.permission(event, eventId, false);
    } else {
      permission = cached;
    }
    if ('unavailable' in permission) return { ...base, verdict: { outcome: 'unavailable', why: permission.unavailable } };
    explanation.permission = permission.why;
    if (!permission.allowed) {
      // Someone who asked is told why not; an event nobody addressed to the agent (an alert that triggers a command
      // by itself, a user's webhook rule) is refused quietly.
      const asked = askedOf(matched);
      const sorry = asked.length ? [() => this.reply(event, refusalText(asked, permission.why))] : [];
      return { ...base, verdict: { outcome: 'refused', reason: permission.why }, after: sorry };
    }

    const steps: Step[] = [];
    for (const m of matched) steps.push(await this.act(event, m, route, permission, eventId, replayOf));
    explainActions(route, steps, explanation);
    return { ...base, ...outcomeOf(steps) };
  }

  /**
   * The sender's permission is not cached: the tasks are stored waiting (for approval, as far as anyone can see) and
   * nothing is sent yet; once the provider answers, permission-wait.ts queues them, asks for approval, or refuses.
   */
  private async deferred(event: EngineEvent, matched: RuleMatch[], route: Route, eventId: string, replayOf: string | undefined, base: Pick<Decision, 'matchedCommand'> & { explanation: Record<string, unknown> }): Promise<Decision> {
    const provisional = { allowed: true as const, maintainer: false, why: 'not known yet' };
    const steps: Step[] = [];
    for (const m of matched) steps.push(await this.act(event, m, route, provisional, eventId, replayOf, true));
    base.explanation.permission = `${event.actor?.name ?? 'the sender'}'s permission is looked up after the delivery was answered`;
    explainActions(route, steps, base.explanation);
    const decided = outcomeOf(steps);
    const wait: PermissionWaitPlan = { event: waitingEvent(event as ProviderEvent), tasks: steps.flatMap((s) => (s.wait ? [s.wait] : [])), asked: askedOf(matched) };
    const verdict = decided.verdict.outcome === 'accepted' ? { ...decided.verdict, permissionPending: true as const } : decided.verdict;
    return { ...base, ...decided, verdict, wait };
  }

  /**
   * The permission step: the provider's answer, or for a generic delivery the webhook's own secret. Only a check from
   * the cache may answer `notCached`; a full check always answers (a check that claims otherwise is unavailable).
   */
  private async permission(event: EngineEvent, eventId: string, cachedOnly: true): Promise<PermissionAnswer | { notCached: true }>;
  private async permission(event: EngineEvent, eventId: string, cachedOnly: false): Promise<PermissionAnswer>;
  private async permission(event: EngineEvent, eventId: string, cachedOnly: boolean): Promise<PermissionAnswer | { notCached: true }> {
    if (!event.target) return { allowed: true, maintainer: false, why: 'a generic delivery names no user; its signature with the webhook secret is the permission' };
    try {
      return await this.deps.permissions.check(event as ProviderEvent, { cachedOnly });
    } catch (err) {
      if (cachedOnly && err instanceof PermissionNotCachedError) return { notCached: true };
      this.deps.log.warn({ err, event_id: eventId }, 'permission lookup failed');
      return { unavailable: err instanceof PermissionLookupError ? err.message : `permission lookup failed: ${(err as Error).message}` };
    }
  }

  /** The approval and action steps of one matched rule. */
  private async act(event: EngineEvent, m: RuleMatch, route: Route, permission: Permission & { allowed: true }, eventId: string, replayOf?: string, pending = false): Promise<Step> {
    const rule = m.rule;
    const answered = (verdict: Verdict, after: Array<() => void>): Step => ({ verdict, after, result: { command: rule.name, action: rule.action, status: 'answered' } });
    switch (rule.action) {
      case 'approve':
      case 'reject': {
        const d = await this.decideApproval(event as ProviderEvent, rule.action);
        return answered(d.verdict, d.after ?? []);
      }
      case 'help': {
        const text = helpText({ ...route, commands: route.commands.filter((c) => c.enabled) });
        return answered({ outcome: 'answered', what: 'help' }, [() => this.reply(event, text)]);
      }
      case 'status': {
        const text = await this.statusText();
        return answered({ outcome: 'answered', what: 'status' }, [() => this.reply(event, text)]);
      }
      case 'continue': {
        const r = await this.flows.continueIn(event.provider, event.thread, m.userContent, permission.maintainer);
        const text = r.linked
          ? `This thread now continues ${r.flowId} (with ${r.named}): commands here resume the same Claude session.`
          : `Not linked: ${r.why}.`;
        return answered(r.linked ? { outcome: 'answered', what: 'continue' } : { outcome: 'ignored', reason: r.why }, [() => this.reply(event, text)]);
      }
    }
    // Pending: the task waits until the permission is known, and whether it then needs approval is decided with it.
    const needsApproval = pending || needsApprovalOf(rule.needs_approval, permission.maintainer);
    const label = route.webhookId ? `webhook:${route.webhookId}:${rule.name}` : `${rule.source}:${event.provider}:${rule.name}`;
    const prepared = await this.deps.actions.prepare(event, m, { webhookEventId: eventId, rule: label, replayOf, needsApproval });
    // The flow the task joins: its thread's, or one its text links (written with the task, in the delivery's transaction).
    if (prepared.task) prepared.task.flow = await this.flows.forDelivery(event.provider, event.thread, event.text, permission.maintainer);
    const ack = !!prepared.task && m.via !== 'event' && !!event.target;
    const ask = prepared.task ? approvalAsk(rule, route) : null;
    if (pending && prepared.task) return { result: prepared.result, task: prepared.task, after: [], wait: { taskId: prepared.task.taskId, approval: rule.needs_approval, ask, ack } };
    const after = prepared.send ? [prepared.send] : [];
    if (ack) after.push(() => this.deps.responder.acknowledge(event as ProviderEvent));
    if (prepared.task && needsApproval && ask) after.push(() => this.reply(event, ask, { taskId: prepared.task!.taskId, approvalButtons: true }));
    return { result: prepared.result, task: prepared.task, after };
  }

  /** A reply in the delivery's thread; a generic delivery has none. */
  private reply(event: EngineEvent, text: string, opts?: Parameters<Responder['later']>[2]): void {
    if (event.target) this.deps.responder.later(event as ProviderEvent, text, opts);
  }

  /**
   * `@agent approve` / `reject` (or a Slack button) decides the newest task of the thread that waits for approval.
   * This acts before the delivery is stored: stored first, a crash before the approval would leave a redelivery
   * answered "duplicate" and the task waiting; acted first, a redelivery finds nothing waiting and says so.
   */
  private async decideApproval(event: ProviderEvent, decision: 'approve' | 'reject'): Promise<Decision> {
    // The thread's own task: in a flow of several threads, an approval here decides nothing asked elsewhere.
    const waiting = await this.deps.repos.tasks.list({ external_id: externalThreadId(event.provider, event.thread), status: ['waiting_approval'], limit: 1 });
    const task = waiting.tasks[0];
    if (!task) return { verdict: { outcome: 'ignored', reason: 'nothing in this thread is waiting for approval' } };
    const who = event.actor?.name ?? 'someone';
    const { responder } = this.deps;
    if (decision === 'approve') {
      const row = await this.deps.tasks.approve(task.task_id);
      if (!row) return { verdict: { outcome: 'ignored', reason: `task ${task.task_id} is no longer waiting for approval` } };
      return { verdict: { outcome: 'approved', taskId: task.task_id }, after: [() => responder.later(event, `Approved by ${who}; starting.`)] };
    }
    // Only a task still waiting is rejected: one approved and started meanwhile is not stopped by a late "reject".
    const rejected = await this.deps.tasks.reject(task.task_id, `rejected by ${who}`);
    if (!rejected) return { verdict: { outcome: 'ignored', reason: `task ${task.task_id} is no longer waiting for approval` } };
    return { verdict: { outcome: 'rejected', taskId: task.task_id }, after: [() => responder.later(event, `Rejected by ${who}; nothing will run.`)] };
  }

  private async loopGuard(event: EngineEvent, ownPost?: boolean): Promise<string | undefined> {
    const ownId = ownPostId(event);
    if (ownId && (ownPost ?? (await this.deps.repos.webhookEvents.isOwnPost(event.provider, ownId)))) return 'the delivery is about a message this service posted';
    if (this.isBot(event)) return `sent by a bot (${event.actor?.name ?? 'unknown'}); bots never trigger the agent`;
    return undefined;
  }

  /** Marked a bot by the provider, or the service's own account there. */
  private isBot(event: EngineEvent): boolean {
    const actor = event.actor;
    if (!actor) return false;
    return actor.isBot || (isProvider(event.provider) && adapterFor(event.provider).isSelf(actor, this.deps.config));
  }

  private async statusText(): Promise<string> {
    const counts = await this.deps.repos.tasks.countByStatus();
    return `Claude Code Agent: ${counts.running ?? 0} running (limit ${this.deps.config.MAX_CONCURRENT_TASKS}), ${counts.queued ?? 0} queued, ${counts.waiting_approval ?? 0} waiting for approval.`;
  }
}

/** One rule answering is the delivery's answer; otherwise the tasks created, else the actions run. */
function outcomeOf(steps: Step[]): Pick<Decision, 'verdict' | 'tasks' | 'after' | 'renderedPrompt'> {
  const after = steps.flatMap((s) => s.after);
  if (steps.length === 1 && steps[0]!.verdict) return { verdict: steps[0]!.verdict, after };
  const tasks = steps.flatMap((s) => (s.task ? [s.task] : []));
  const taskIds = tasks.map((t) => t.taskId);
  const verdict: Verdict = taskIds.length
    ? { outcome: 'accepted', taskId: taskIds[0]!, taskIds, waitingApproval: tasks.some((t) => t.needsApproval) }
    : { outcome: 'acted', actions: steps.map((s) => `${s.result.command}: ${s.result.action}`) };
  return { verdict, tasks, after, renderedPrompt: steps.find((s) => s.task)?.result.rendered ?? null };
}

/** A user's webhook runs every matching rule: the inspector lists what each did (prompts left out). */
function explainActions(route: Route, steps: Step[], explanation: Record<string, unknown>): void {
  if (route.addressing === 'every') explanation.actions = steps.map((s) => s.result).map(({ rendered: _r, ...rest }) => rest);
}

/** The commands someone asked for by name: told why not when refused (an event nobody addressed is refused quietly). */
function askedOf(matched: RuleMatch[]): string[] {
  return matched.filter((m) => m.via !== 'event' && m.via !== 'auto').map((m) => m.rule.name);
}

function botIds(config: Config): string[] {
  return allAdapters().flatMap((a) => a.selfIds(config));
}

/** The id of the provider object the delivery is about, when it is one the service may have posted itself. */
export function ownPostId(event: EngineEvent): string | undefined {
  const target = event.target as EngineEvent['target'] | undefined; // generic events have none
  // A button press is a person acting on one of our messages (the approval buttons), not our message itself.
  if (!target || event.action) return undefined;
  return adapterFor(target.provider).ownPostId({ ...(event as ProviderEvent), target });
}
