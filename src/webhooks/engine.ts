import type { Action, CommandInput, PermissionMode } from '../contracts/webhook-commands.js';
import { afterRunProblems } from '../flows/after-run-options.js';
import type { WebhookCommandRow } from '../storage/schema.js';
import { providerAction } from './providers/index.js';
import type { PostBackTarget, ProviderEvent } from './providers/types.js';
import { type Condition, validateConditions } from './rules/conditions.js';
import { PAYLOAD_ROOTS, validateTemplate } from './rules/template.js';
import { scheduleProblem } from './rules/schedule.js';
import type { Rule } from './rules/types.js';

export { ACTIONS, type Action, ANSWER_ACTIONS, CommandInput, DYNAMIC_PROVIDERS, type DynamicProvider } from '../contracts/webhook-commands.js';

/** What the engine evaluates: a provider event, or a generic one (no post-back target). */
export type EngineEvent = Omit<ProviderEvent, 'provider' | 'target'> & { provider: string; target?: PostBackTarget; headers: Record<string, string> };

/** Checks what zod cannot: the condition tree, the template's variables and the action's options. */
export function commandProblems(c: Pick<CommandInput, 'conditions' | 'template' | 'action' | 'options'> & { schedule?: string | null }, provider: string): string[] {
  const problems = validateConditions(c.conditions);
  const provided = providerAction(c.action);
  const needsTemplate = c.action === 'create_task' || c.action === 'comment' || provided?.action.posts === true;
  if (needsTemplate && !c.template?.trim()) problems.push(`template: required for the ${c.action} action`);
  if (c.template) {
    const roots = provider === 'generic' ? undefined : PAYLOAD_ROOTS[provider];
    problems.push(...validateTemplate(c.template, roots).map((e) => `template: ${e}`));
  }
  if (provided) {
    // A provider's action: on its own thread, it needs that provider's webhook.
    const { adapter, action } = provided;
    if (action.onItsThread && provider !== adapter.name) problems.push(`action: ${c.action} needs a ${adapter.name} webhook`);
    problems.push(...action.problems(c.options ?? undefined));
  }
  if (c.schedule) {
    const problem = scheduleProblem(c.schedule);
    if (problem) problems.push(problem);
    if (c.action !== 'create_task') problems.push(`schedule: only a create_task rule can run on a schedule (this one is ${c.action})`);
  }
  if (c.action === 'create_task') problems.push(...afterRunProblems(c.options ?? undefined));
  if ((c.action === 'approve' || c.action === 'reject' || c.action === 'continue') && provider === 'generic') problems.push(`action: ${c.action} needs a thread; generic deliveries have none`);
  return problems;
}

/**
 * Permissions of a user's create_task command that names none: read-only, as the built-in read-only commands run
 * (Claude Code's `default` mode runs read-only tools and refuses edits in a non-interactive run). Edit rights are
 * only ever given by a command that asks for them.
 */
export const DEFAULT_COMMAND_PERMISSIONS = { permission_mode: 'default' } as const satisfies { permission_mode: PermissionMode };

/** A user's command as the API shows it: its row's fields decoded (permissions null when it names none). */
export interface UserCommand extends Omit<Rule, 'permissions' | 'description' | 'source' | 'command_id'> {
  command_id: string;
  description: string | null;
  permissions: Rule['permissions'] | null;
}

const json = <T>(text: string | null, fallback: T): T => {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};

export function toUserCommand(row: WebhookCommandRow): UserCommand {
  return {
    command_id: row.command_id,
    name: row.name,
    triggers: row.trigger.split(',').map((t) => t.trim()).filter(Boolean),
    aliases: json<string[]>(row.aliases, []),
    description: row.description,
    conditions: json<Condition | null>(row.conditions, null),
    action: row.action as Action,
    agent: row.agent,
    template: row.template ?? '',
    options: json<Record<string, unknown>>(row.options, {}),
    priority: Number(row.priority),
    permissions: json(row.permissions, null),
    needs_approval: Number(row.needs_approval) === 2 ? 'non-maintainers' : Number(row.needs_approval) === 1,
    stop_after_match: row.stop_after_match === 1,
    enabled: row.enabled === 1,
    schedule: row.schedule ?? null,
  };
}

/** A user's command as a rule of its route, with the defaults a rule needs. */
export function ruleOf(row: WebhookCommandRow): Rule {
  const c = toUserCommand(row);
  return { ...c, description: c.description ?? c.name, permissions: c.permissions ?? DEFAULT_COMMAND_PERMISSIONS, source: 'user' };
}

/**
 * A generic delivery: the event type comes from `X-Event-Type`, else the body's `event_type`/`type`/`event`; the
 * delivery id from `X-Delivery-Id`/`X-Request-Id`, else the body's `id`; the thread from the body's `thread_id`.
 */
export function genericEvent(headers: Record<string, string>, payload: unknown): EngineEvent {
  const body = (payload && typeof payload === 'object' ? payload : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
  const eventType = headers['x-event-type'] ?? str(body.event_type) ?? str(body.type) ?? str(body.event) ?? 'generic';
  const deliveryId = headers['x-delivery-id'] ?? headers['x-request-id'] ?? str(body.id) ?? null;
  return {
    provider: 'generic',
    eventType,
    deliveryId,
    thread: str(body.thread_id) ?? deliveryId ?? `generic-${Date.now()}`,
    threadTitle: str(body.title) ?? eventType,
    text: str(body.text) ?? str(body.message) ?? '',
    actor: null,
    payload,
    headers,
  };
}
