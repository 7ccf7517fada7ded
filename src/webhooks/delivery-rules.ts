// What a verified delivery comes to, decided before anything about it is written: which command matched and why,
// whether its sender may run it (the one network call, GitHub's permission lookup), the tasks to create and the
// replies to send. WebhookIngest then stores the delivery, its outcome and its tasks in one transaction and starts
// the replies after the commit, so nothing here writes — except an approval, which acts on a task that exists.
import type { Config } from '../config.js';
import { externalThreadId, flowIdFor, newId } from '../domain/ids.js';
import type { Logger } from '../logger.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskService } from '../tasks/task-service.js';
import type { ActionRunner } from './actions.js';
import { conditionContext, type Decision as RuleDecision, type EngineEvent, evaluateCommands, toUserCommand, type UserCommand } from './engine.js';
import { PermissionLookupError, type PermissionChecker } from './permissions.js';
import { adapterFor, allAdapters, isProvider } from './providers/index.js';
import type { ProviderEvent } from './providers/types.js';
import type { Responder } from './responder.js';
import { evaluate } from './rules/conditions.js';
import { helpText } from './rules/help.js';
import { matchCommand } from './rules/matcher.js';
import { renderTemplate } from './rules/template.js';
import type { CommandSpec, RuleSet } from './rules/types.js';
import { brainFor, type ThreadTaskInput } from './thread-task.js';

/** A built-in command, or a user's command on a built-in route (which may carry conditions). */
export type RouteCommand = CommandSpec & { conditions?: UserCommand['conditions']; user?: boolean };

/** How a delivery ends, as the route answers it (eventId is added when the delivery is stored). */
export type Verdict =
  | { outcome: 'accepted'; taskId: string; taskIds: string[]; waitingApproval: boolean } // 202
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

export class DeliveryRules {
  constructor(private readonly deps: RuleDeps) {}

  /** Loops and bots first; then a user's webhook runs its commands, a built-in route its rule set. */
  async decide(event: EngineEvent, eventId: string, ruleSet: () => Promise<RuleSet & { commands: RouteCommand[] }>, webhookId: string | null, replayOf?: string): Promise<Decision> {
    const guard = await this.loopGuard(event);
    if (guard) return { verdict: { outcome: 'ignored', reason: guard } };
    if (webhookId) return this.dynamic(event, webhookId, eventId, replayOf);
    return this.builtin(event as ProviderEvent & EngineEvent, await ruleSet(), eventId, replayOf);
  }

  matchRoute(event: ProviderEvent, ruleSet: RuleSet & { commands: RouteCommand[] }) {
    const match = matchCommand(event, ruleSet, { botMentionIds: botIds(this.deps.config) });
    if (!match.matched) return match;
    const conditions = (match.command as RouteCommand).conditions;
    if (conditions) {
      const result = evaluate(conditions, conditionContext({ ...event, headers: {} }));
      if (!result.ok) return { matched: false as const, reason: `${match.explanation}, but its conditions do not hold: ${result.why}` };
    }
    return match;
  }

  private async dynamic(event: EngineEvent, webhookId: string, eventId: string, replayOf?: string): Promise<Decision> {
    const { repos, actions } = this.deps;
    const { decisions, matched } = evaluateCommands(event, (await repos.webhooks.commands(webhookId)).map(toUserCommand));
    if (matched.length === 0) {
      return { verdict: { outcome: 'ignored', reason: decisions.length ? 'no command matched' : 'the webhook has no commands' }, explanation: { decisions } };
    }
    const prepared = [];
    for (const command of matched) {
      prepared.push(await actions.prepare(event, command, { webhookEventId: eventId, rule: `webhook:${webhookId}:${command.name}`, replayOf }));
    }
    const results = prepared.map((p) => p.result);
    const taskIds = results.flatMap((r) => (r.task_id ? [r.task_id] : []));
    const decision: Decision = {
      verdict: taskIds.length
        ? { outcome: 'accepted', taskId: taskIds[0]!, taskIds, waitingApproval: results.some((r) => r.status === 'waiting_approval') }
        : { outcome: 'acted', actions: results.map((r) => `${r.command}: ${r.action}`) },
      matchedCommand: matched.map((c) => c.name).join(', '),
      renderedPrompt: results.find((r) => r.action === 'create_task')?.rendered ?? null,
      explanation: { decisions, actions: results.map(({ rendered: _r, ...rest }) => rest) },
      tasks: prepared.flatMap((p) => (p.task ? [p.task] : [])),
      after: prepared.flatMap((p) => (p.send ? [p.send] : [])),
    };
    return decision;
  }

  private async builtin(event: ProviderEvent & EngineEvent, ruleSet: RuleSet & { commands: RouteCommand[] }, eventId: string, replayOf?: string): Promise<Decision> {
    const { config, responder, log } = this.deps;
    const match = this.matchRoute(event, ruleSet);
    if (!match.matched) {
      return { verdict: { outcome: 'ignored', reason: match.reason }, explanation: { decisions: [{ command: null, matched: false, why: match.reason }] } };
    }
    const command = match.command as RouteCommand;
    const decisions: RuleDecision[] = ruleSet.commands.map((c) =>
      c.name === command.name ? { command: c.name, matched: true, why: match.explanation } : { command: c.name, matched: false, why: `the request names ${command.name}` },
    );
    const matched = { matchedCommand: command.name, explanation: { matched: command.name, why: match.explanation, decisions } as Record<string, unknown> };

    let permission;
    try {
      permission = await this.deps.permissions.check(event);
    } catch (err) {
      const why = err instanceof PermissionLookupError ? err.message : `permission lookup failed: ${(err as Error).message}`;
      log.warn({ err, event_id: eventId }, 'permission lookup failed');
      return { ...matched, verdict: { outcome: 'unavailable', why } };
    }
    if (!permission.allowed) {
      const reason = permission.why;
      return { ...matched, verdict: { outcome: 'refused', reason }, after: [() => responder.later(event, `Sorry, I can't run \`${command.name}\` for you: ${reason}.`)] };
    }
    matched.explanation.permission = permission.why;

    if (command.approval_command) return { ...matched, ...(await this.decideApproval(event, command.approval_command)) };
    if (command.answers_directly === 'help' || command.name === 'help') {
      const text = helpText(ruleSet);
      return { ...matched, verdict: { outcome: 'answered', what: 'help' }, after: [() => responder.later(event, text)] };
    }
    if (command.name === 'status' && event.provider === 'slack' && !command.user) {
      const text = await this.statusText();
      return { ...matched, verdict: { outcome: 'answered', what: 'status' }, after: [() => responder.later(event, text)] };
    }

    const taskId = newId('task');
    const prompt = renderTemplate(command.template, { payload: event.payload, user_content: match.userContent, provider: event.provider, task_id: taskId });
    const needsApproval = command.needs_approval === true || (command.needs_approval === 'non-maintainers' && !permission.maintainer);
    const task: ThreadTaskInput = {
      event,
      taskId,
      prompt,
      userContent: match.userContent,
      command: command.name,
      rule: `${command.user ? 'user' : 'builtin'}:${event.provider}:${command.name}`,
      agent: command.agent,
      permissions: command.permissions,
      needsApproval,
      newConversation: match.newConversation,
      webhookEventId: eventId,
      replayOf,
      brain: await brainFor(this.deps.repos, config.WEBHOOK_BRAIN_WRAP && command.wrap_with_brain !== false),
    };
    const after = [() => responder.acknowledge(event)];
    if (needsApproval) {
      after.push(() =>
        responder.later(
          event,
          `\`${command.name}\` would run Claude Code with edit permissions (${command.description}). It waits for approval: someone with write access can reply \`${ruleSet.triggerPhrase} approve\` or \`${ruleSet.triggerPhrase} reject\`.`,
          { taskId, approvalButtons: true },
        ),
      );
    }
    return { ...matched, verdict: { outcome: 'accepted', taskId, taskIds: [taskId], waitingApproval: needsApproval }, renderedPrompt: prompt, tasks: [task], after };
  }

  /**
   * `@agent approve` / `reject` (or a Slack button) decides the newest task of the thread that waits for approval.
   * This acts before the delivery is stored: stored first, a crash before the approval would leave a redelivery
   * answered "duplicate" and the task waiting; acted first, a redelivery finds nothing waiting and says so.
   */
  private async decideApproval(event: ProviderEvent, decision: 'approve' | 'reject'): Promise<Decision> {
    const flowId = flowIdFor(externalThreadId(event.provider, event.thread));
    const waiting = await this.deps.repos.tasks.list({ flow_id: flowId, status: ['waiting_approval'], limit: 1 });
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

  private async loopGuard(event: EngineEvent): Promise<string | undefined> {
    const ownId = ownPostId(event);
    if (ownId && (await this.deps.repos.webhookEvents.isOwnPost(event.provider, ownId))) return 'the delivery is about a message this service posted';
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

function botIds(config: Config): string[] {
  return allAdapters().flatMap((a) => a.selfIds(config));
}

/** The id of the provider object the delivery is about, when it is one the service may have posted itself. */
function ownPostId(event: EngineEvent): string | undefined {
  const target = event.target as EngineEvent['target'] | undefined; // generic events have none
  // A button press is a person acting on one of our messages (the approval buttons), not our message itself.
  if (!target || event.action) return undefined;
  return adapterFor(target.provider).ownPostId({ ...(event as ProviderEvent), target });
}
