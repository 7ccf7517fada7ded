import { newId } from '../domain/ids.js';
import { afterRunOf } from '../flows/after-run-options.js';
import type { Logger } from '../logger.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskService } from '../tasks/task-service.js';
import { clientOf, type ProviderClients } from './clients.js';
import type { Action, EngineEvent } from './engine.js';
import { providerAction } from './providers/index.js';
import { postReply, type Responder } from './responder.js';
import type { RuleMatch } from './rules/matcher.js';
import { renderTemplate } from './rules/template.js';
import type { Rule } from './rules/types.js';
import { brainFor, type ThreadTaskInput } from './thread-task.js';

export interface ActionPlan {
  command: string;
  action: Action;
  /** The rendered prompt or message text. */
  rendered?: string;
  agent?: string | null;
  permission_mode?: string | null;
  needs_approval?: boolean;
  detail?: string;
}

export interface ActionResult extends ActionPlan {
  status: 'created' | 'waiting_approval' | 'scheduled' | 'failed';
  task_id?: string;
}

/** An action ready to happen: the task to write with the delivery, or the provider call to start once it is stored. */
export interface PreparedAction {
  result: ActionResult;
  task?: ThreadTaskInput;
  send?: () => void;
}

/** What the action step needs of a match: the rule, and what the user asked of it. */
type Matched = Pick<RuleMatch, 'rule' | 'userContent'> & Partial<Pick<RuleMatch, 'newConversation'>>;

/**
 * What a matched rule does, whichever route it belongs to: `create_task` (a task in the thread's conversation,
 * posted back), `comment` (a reply in the thread), a provider's own (its adapter's `actions`: `github_label`,
 * `slack_message`…); the answers
 * (help, status, approve, reject) are the pipeline's own (delivery-rules.ts). Tasks are written in the transaction
 * that stores the delivery, before the webhook is answered; provider calls start after that commit, and their results
 * land in the delivery's record.
 */
export class ActionRunner {
  constructor(
    private readonly deps: {
      repos: Repositories;
      tasks: TaskService;
      clients: ProviderClients;
      responder: Responder;
      log: Logger;
      /** WEBHOOK_BRAIN_WRAP; a rule turns it off with `options.wrap_with_brain: false`. */
      brainWrap?: boolean;
    },
  ) {}

  /** The dry run's answer: what a rule would do, nothing sent or created. */
  plan(event: EngineEvent, m: Matched): ActionPlan {
    const command = m.rule;
    const rendered = this.render(event, m, '(task id)');
    switch (command.action) {
      case 'create_task':
        return { command: command.name, action: 'create_task', rendered, agent: command.agent, permission_mode: command.permissions.permission_mode, needs_approval: command.needs_approval !== false };
      case 'comment':
        return { command: command.name, action: 'comment', rendered, detail: event.target ? `reply in ${event.target.provider} thread ${event.thread}` : 'no thread to reply in' };
      default: {
        // A provider's action (github_label, slack_message…), else one of the answers.
        const provided = providerAction(command.action)?.action;
        if (!provided) return { command: command.name, action: command.action, detail: 'answered without a model run' };
        return { command: command.name, action: command.action, ...(provided.posts && { rendered }), detail: provided.describe(command.options) };
      }
    }
  }

  async prepare(event: EngineEvent, m: Matched, ctx: { webhookEventId: string; rule: string; replayOf?: string | null; needsApproval: boolean }): Promise<PreparedAction> {
    const plan = this.plan(event, m);
    const command = m.rule;
    if (command.action === 'create_task') {
      const taskId = newId('task');
      const prompt = this.render(event, m, taskId);
      const task: ThreadTaskInput = {
        event,
        taskId,
        prompt,
        userContent: m.userContent,
        command: command.name,
        rule: ctx.rule,
        agent: command.agent,
        permissions: command.permissions,
        needsApproval: ctx.needsApproval,
        newConversation: m.newConversation ?? false,
        webhookEventId: ctx.webhookEventId,
        replayOf: ctx.replayOf,
        afterRun: afterRunOf(command.options),
        brain: await brainFor(this.deps.repos, (this.deps.brainWrap ?? true) && command.options.wrap_with_brain !== false),
      };
      return { result: { ...plan, rendered: prompt, needs_approval: ctx.needsApproval, status: ctx.needsApproval ? 'waiting_approval' : 'created', task_id: taskId }, task };
    }
    return { result: { ...plan, status: 'scheduled' }, send: () => this.send(event, command, plan, ctx.webhookEventId) };
  }

  private send(event: EngineEvent, command: Rule, plan: ActionPlan, eventId: string): void {
    const target = event.target;
    const { clients, responder, repos } = this.deps;
    responder.run(`${command.action} for ${command.name}`, async () => {
      try {
        if (command.action === 'comment') {
          if (!target) throw new Error('this delivery has no thread to comment in');
          const id = await postReply(clients, target, plan.rendered ?? '');
          if (id) await repos.webhookEvents.recordPost(event.provider, id, null);
        } else {
          const provided = providerAction(command.action);
          if (!provided) throw new Error(`no provider has the action ${command.action}`);
          const { adapter, action } = provided;
          if (action.onItsThread && target?.provider !== adapter.name) throw new Error(`this delivery is not about ${action.onItsThread}`);
          const id = await action.send(clientOf(clients, adapter.name), action.onItsThread ? target : undefined, command.options, plan.rendered ?? '');
          if (id) await repos.webhookEvents.recordPost(adapter.name, id, null);
        }
        await repos.webhookEvents.appendAction(eventId, { command: command.name, action: command.action, status: 'sent' });
      } catch (err) {
        await repos.webhookEvents.appendAction(eventId, { command: command.name, action: command.action, status: 'failed', detail: (err as Error).message });
        throw err;
      }
    });
  }

  private render(event: EngineEvent, m: Matched, taskId: string): string {
    return renderTemplate(m.rule.template, { payload: event.payload, user_content: m.userContent, provider: event.provider, task_id: taskId });
  }
}
