import type { Config } from '../config.js';
import { externalThreadId, flowIdFor, newId } from '../domain/ids.js';
import type { Logger } from '../logger.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { WebhookConfigRow, WebhookEventRow } from '../storage/schema.js';
import type { TaskService } from '../tasks/task-service.js';
import type { ActionPlan, ActionResult, ActionRunner } from './actions.js';
import { conditionContext, type Decision, type DynamicProvider, type EngineEvent, evaluateCommands, genericEvent, toUserCommand, type UserCommand } from './engine.js';
import { PermissionLookupError, type PermissionChecker } from './permissions.js';
import { isProvider, PROVIDERS, type ProviderName } from './provider-registry.js';
import type { ParsedDelivery, ProviderEvent, RawDelivery } from './providers/types.js';
import type { Responder } from './responder.js';
import { evaluate } from './rules/conditions.js';
import { helpText } from './rules/help.js';
import { matchCommand } from './rules/matcher.js';
import { renderTemplate } from './rules/template.js';
import type { CommandSpec, RuleSet } from './rules/types.js';
import { verifyGeneric } from './signatures.js';
import { createThreadTask } from './thread-task.js';

/** What happened to a delivery; the route only translates it into a status. */
export type IngestResult =
  | { outcome: 'accepted'; taskId: string; taskIds: string[]; eventId: string; waitingApproval: boolean } // 202
  | { outcome: 'acted'; actions: string[]; eventId: string } // 200: user rules ran actions that create no task
  | { outcome: 'duplicate'; taskId: string | null; eventId: string } // 200
  | { outcome: 'handshake'; body: string; contentType: string } // 200
  | { outcome: 'ignored'; reason: string; eventId?: string } // 200
  | { outcome: 'answered'; what: string; eventId: string } // 200: help/status, answered without a model run
  | { outcome: 'approved' | 'rejected'; taskId: string; eventId: string } // 200
  | { outcome: 'refused'; reason: string; eventId: string } // 200: not allowed to trigger
  | { outcome: 'verification_failed'; why: string } // 401
  | { outcome: 'bad_request'; why: string } // 400
  | { outcome: 'not_found'; why: string } // 404
  | { outcome: 'unavailable'; why: string; eventId: string }; // 503: could not check permission; the provider may redeliver

const SIGNATURE_HEADERS = ['x-hub-signature', 'x-hub-signature-256', 'x-slack-signature', 'sentry-hook-signature', 'x-signature-256', 'authorization', 'cookie'];
// Unverified bodies are kept for the inspector, but only their head: nobody should be able to fill the database.
const MAX_UNVERIFIED_PAYLOAD = 16 * 1024;

/** A built-in command, or a user's command on a built-in route (which may carry conditions). */
type RouteCommand = CommandSpec & { conditions?: UserCommand['conditions']; user?: boolean };

export interface IngestDeps {
  config: Config;
  repos: Repositories;
  tasks: TaskService;
  log: Logger;
  permissions: PermissionChecker;
  responder: Responder;
  actions: ActionRunner;
  builtin: Record<ProviderName, RuleSet>;
}

export function safeHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !SIGNATURE_HEADERS.includes(k)));
}

/** The id under which a built-in route's user commands, trigger phrase and deliveries are kept. */
export const staticId = (provider: ProviderName) => `static:${provider}`;

export class WebhookIngest {
  constructor(private readonly deps: IngestDeps) {}

  /** A built-in route's rule set as it stands: the built-ins, users' commands (a same-named one overrides), the phrase. */
  async ruleSetFor(provider: ProviderName): Promise<RuleSet & { commands: RouteCommand[] }> {
    const base = this.deps.builtin[provider];
    const [config, rows] = await Promise.all([this.deps.repos.webhooks.get(staticId(provider)), this.deps.repos.webhooks.commands(staticId(provider))]);
    const user: RouteCommand[] = rows.map(toUserCommand).filter((c) => c.enabled).map((c) => ({
      name: c.name,
      aliases: c.aliases,
      description: c.description ?? c.name,
      triggers: c.triggers,
      agent: c.agent,
      template: c.template,
      permissions: c.permissions ?? { permission_mode: 'default' },
      needs_approval: c.needs_approval,
      conditions: c.conditions,
      user: true,
    }));
    const names = new Set(user.map((c) => c.name));
    return {
      ...base,
      triggerPhrase: config?.trigger_phrase || this.deps.config.WEBHOOK_TRIGGER_PHRASE,
      commands: [...base.commands.filter((c) => !names.has(c.name)), ...user],
    };
  }

  /**
   * POST /webhooks/{provider}. Verify, deduplicate, store, enqueue: everything the provider waits for. Replies on the
   * provider's side (the 👀 reaction, help, refusals) are sent after the answer, never before it.
   */
  async receive(provider: ProviderName, headers: Record<string, string>, rawBody: string, now = Date.now()): Promise<IngestResult> {
    const spec = PROVIDERS[provider];
    const secret = this.deps.config[spec.secretSetting];
    const denied = await this.verify(null, provider, headers, rawBody, secret, spec.secretSetting, (s) => spec.verify(s, rawBody, headers, now));
    if (denied) return denied;
    return this.process({ webhookId: null, provider, headers, rawBody });
  }

  /** POST /webhooks/{provider}/{webhook_id}: a user's config, verified with its own secret under its provider's scheme. */
  async receiveDynamic(webhookId: string, provider: string, headers: Record<string, string>, rawBody: string, now = Date.now()): Promise<IngestResult> {
    const config = await this.deps.repos.webhooks.get(webhookId);
    if (!config || webhookId.startsWith('static:') || config.provider !== provider || !config.enabled) {
      return { outcome: 'not_found', why: `no enabled ${provider} webhook ${webhookId}` };
    }
    const verify = (s: string) =>
      config.provider === 'generic' ? verifyGeneric(s, rawBody, headers['x-signature-256']) : PROVIDERS[config.provider as ProviderName].verify(s, rawBody, headers, now);
    const denied = await this.verify(webhookId, config.provider, headers, rawBody, config.secret, `the secret of webhook ${webhookId}`, verify);
    if (denied) return denied;
    return this.process({ webhookId, provider: config.provider, headers, rawBody, config });
  }

  /** Runs a stored delivery again, without its signature (it was verified when it arrived): a new task, marked as a replay. */
  async replay(original: WebhookEventRow): Promise<IngestResult> {
    if (!original.verified) return { outcome: 'bad_request', why: 'only verified deliveries can be replayed' };
    const headers = JSON.parse(original.headers) as Record<string, string>;
    let config: WebhookConfigRow | undefined;
    if (original.webhook_id) {
      config = await this.deps.repos.webhooks.get(original.webhook_id);
      if (!config) return { outcome: 'not_found', why: `webhook ${original.webhook_id} no longer exists` };
    }
    return this.process({ webhookId: original.webhook_id, provider: original.provider, headers, rawBody: original.payload, config, replayOf: original.event_id });
  }

  /** Dry run: what the rules would do with this payload. Nothing is stored, created or sent. */
  async dryRun(webhookId: string | null, provider: string, headers: Record<string, string>, payload: unknown) {
    const rawBody = JSON.stringify(payload);
    const parsed = this.parse(provider, { headers, rawBody, body: payload });
    if (parsed.kind !== 'event') return { event_type: null, would: [], decisions: [], note: parsed.kind === 'handshake' ? 'a handshake: answered, nothing runs' : parsed.reason };
    const event: ProviderEvent & EngineEvent = { ...parsed.event, headers };
    if (webhookId) {
      const { decisions, matched } = evaluateCommands(event, (await this.deps.repos.webhooks.commands(webhookId)).map(toUserCommand));
      return { event_type: event.eventType, decisions, would: matched.map((c) => this.deps.actions.plan(event, c)) };
    }
    const ruleSet = await this.ruleSetFor(provider as ProviderName);
    const match = this.matchRoute(event as ProviderEvent, ruleSet);
    if (!match.matched) return { event_type: event.eventType, decisions: [{ command: null, matched: false, why: match.reason }], would: [] };
    const c = match.command;
    const rendered = renderTemplate(c.template, { payload: event.payload, user_content: match.userContent, provider, task_id: '(task id)' });
    const plan: ActionPlan = { command: c.name, action: 'create_task', rendered, agent: c.agent, permission_mode: c.permissions.permission_mode, needs_approval: c.needs_approval !== false };
    return {
      event_type: event.eventType,
      decisions: [{ command: c.name, matched: true, why: match.explanation }],
      would: c.approval_command || c.name === 'help' ? [{ command: c.name, action: c.approval_command ?? 'answer', detail: 'answered without a model run' }] : [plan],
      note: event.actor ? `${event.actor.name}'s permission is checked when a real delivery arrives` : undefined,
    };
  }

  private async verify(
    webhookId: string | null,
    provider: string,
    headers: Record<string, string>,
    rawBody: string,
    secret: string | undefined,
    secretName: string,
    check: (secret: string) => Promise<{ ok: boolean; why?: string }> | { ok: boolean; why?: string },
  ): Promise<IngestResult | undefined> {
    let why: string | undefined;
    if (!secret) why = `${secretName} is not set: ${provider} webhooks are refused until it is (fail closed)`;
    else {
      const result = await check(secret);
      if (!result.ok) why = `${result.why ?? 'signature does not match'} (check that the webhook secret matches ${secretName})`;
    }
    if (!why) return undefined;
    await this.deps.repos.webhookEvents.insert({
      webhook_id: webhookId,
      provider,
      headers: safeHeaders(headers),
      event_type: null,
      delivery_id: null,
      dedup_key: null,
      payload: rawBody.slice(0, MAX_UNVERIFIED_PAYLOAD),
      verified: false,
      verification_error: why,
      outcome: 'verification_failed',
      status_code: 401,
    });
    return { outcome: 'verification_failed', why };
  }

  private parse(provider: string, delivery: RawDelivery): ParsedDelivery {
    if (isProvider(provider)) return PROVIDERS[provider].parse(delivery);
    const event = genericEvent(delivery.headers, delivery.body);
    return { kind: 'event', event: event as unknown as ProviderEvent };
  }

  private async process(d: { webhookId: string | null; provider: string; headers: Record<string, string>; rawBody: string; config?: WebhookConfigRow; replayOf?: string }): Promise<IngestResult> {
    const { repos } = this.deps;
    let body: unknown;
    try {
      body = decodeBody(d.rawBody, d.headers['content-type'] ?? '');
    } catch (err) {
      return { outcome: 'bad_request', why: `body is not valid ${(err as Error).message}` };
    }
    const parsed = this.parse(d.provider, { headers: d.headers, rawBody: d.rawBody, body });
    if (parsed.kind === 'handshake') return { outcome: 'handshake', body: parsed.body, contentType: parsed.contentType };

    const deliveryId = parsed.kind === 'event' ? parsed.event.deliveryId : parsed.deliveryId;
    const eventType = parsed.kind === 'event' ? parsed.event.eventType : parsed.eventType;
    const endpoint = d.webhookId ?? staticId(d.provider as ProviderName);
    const { row, duplicate } = await repos.webhookEvents.insert({
      webhook_id: d.webhookId,
      provider: d.provider,
      headers: safeHeaders(d.headers),
      event_type: eventType,
      delivery_id: deliveryId,
      // A replay is a deliberate second run: it gets no dedup key.
      dedup_key: deliveryId && !d.replayOf ? `${endpoint}:${deliveryId}` : null,
      payload: d.rawBody,
      verified: true,
      verification_error: null,
      outcome: 'received',
      status_code: 200,
      replay_of: d.replayOf ?? null,
    });
    if (duplicate) return { outcome: 'duplicate', taskId: row.task_id, eventId: row.event_id };
    const eventId = row.event_id;

    let result: IngestResult;
    if (parsed.kind !== 'event') result = { outcome: 'ignored', reason: parsed.reason, eventId };
    else {
      const event: EngineEvent = { ...parsed.event, headers: d.headers };
      const guard = await this.loopGuard(event);
      if (guard) result = { outcome: 'ignored', reason: guard, eventId };
      else if (d.webhookId) result = await this.handleDynamic(event, d.webhookId, eventId, d.replayOf);
      else result = await this.handleStatic(event as ProviderEvent & EngineEvent, eventId, d.replayOf);
    }
    await repos.webhookEvents.update(eventId, {
      outcome: result.outcome,
      status_code: statusOf(result),
      ...('taskId' in result ? { task_id: result.taskId } : {}),
    });
    if (result.outcome === 'ignored' || result.outcome === 'refused') await this.explain(eventId, { reason: result.reason });
    return result;
  }

  private async explain(eventId: string, patch: Record<string, unknown>): Promise<void> {
    const current = await this.deps.repos.webhookEvents.get(eventId);
    const explanation = { ...(current?.explanation ? (JSON.parse(current.explanation) as object) : {}), ...patch };
    await this.deps.repos.webhookEvents.update(eventId, { explanation });
  }

  private async loopGuard(event: EngineEvent): Promise<string | undefined> {
    const ownId = ownPostId(event);
    if (ownId && (await this.deps.repos.webhookEvents.isOwnPost(event.provider, ownId))) return 'the delivery is about a message this service posted';
    if (this.isBot(event)) return `sent by a bot (${event.actor?.name ?? 'unknown'}); bots never trigger the agent`;
    return undefined;
  }

  private matchRoute(event: ProviderEvent, ruleSet: RuleSet & { commands: RouteCommand[] }) {
    const match = matchCommand(event, ruleSet, { botMentionIds: botIds(this.deps.config) });
    if (!match.matched) return match;
    const conditions = (match.command as RouteCommand).conditions;
    if (conditions) {
      const result = evaluate(conditions, conditionContext({ ...event, headers: {} }));
      if (!result.ok) return { matched: false as const, reason: `${match.explanation}, but its conditions do not hold: ${result.why}` };
    }
    return match;
  }

  private async handleDynamic(event: EngineEvent, webhookId: string, eventId: string, replayOf?: string): Promise<IngestResult> {
    const { repos, actions } = this.deps;
    const { decisions, matched } = evaluateCommands(event, (await repos.webhooks.commands(webhookId)).map(toUserCommand));
    if (matched.length === 0) {
      await this.explain(eventId, { decisions });
      return { outcome: 'ignored', reason: decisions.length ? 'no command matched' : 'the webhook has no commands', eventId };
    }
    const results: ActionResult[] = [];
    for (const command of matched) {
      results.push(await actions.run(event, command, { webhookEventId: eventId, rule: `webhook:${webhookId}:${command.name}`, replayOf }));
    }
    const taskIds = results.flatMap((r) => (r.task_id ? [r.task_id] : []));
    await repos.webhookEvents.update(eventId, {
      matched_command: matched.map((c) => c.name).join(', '),
      rendered_prompt: results.find((r) => r.action === 'create_task')?.rendered ?? null,
    });
    await this.explain(eventId, { decisions, actions: results.map(({ rendered: _r, ...rest }) => rest) });
    if (taskIds.length) {
      return { outcome: 'accepted', taskId: taskIds[0]!, taskIds, eventId, waitingApproval: results.some((r) => r.status === 'waiting_approval') };
    }
    return { outcome: 'acted', actions: results.map((r) => `${r.command}: ${r.action}`), eventId };
  }

  private async handleStatic(event: ProviderEvent & EngineEvent, eventId: string, replayOf?: string): Promise<IngestResult> {
    const { repos, config, responder, log } = this.deps;
    const ruleSet = await this.ruleSetFor(event.provider);
    const match = this.matchRoute(event, ruleSet);
    if (!match.matched) {
      await this.explain(eventId, { decisions: [{ command: null, matched: false, why: match.reason }] });
      return { outcome: 'ignored', reason: match.reason, eventId };
    }
    const command = match.command as RouteCommand;
    const decisions: Decision[] = ruleSet.commands.map((c) =>
      c.name === command.name ? { command: c.name, matched: true, why: match.explanation } : { command: c.name, matched: false, why: `the request names ${command.name}` },
    );
    await repos.webhookEvents.update(eventId, { matched_command: command.name });
    await this.explain(eventId, { matched: command.name, why: match.explanation, decisions });

    let permission;
    try {
      permission = await this.deps.permissions.check(event);
    } catch (err) {
      const why = err instanceof PermissionLookupError ? err.message : `permission lookup failed: ${(err as Error).message}`;
      log.warn({ err, event_id: eventId }, 'permission lookup failed');
      return { outcome: 'unavailable', why, eventId };
    }
    if (!permission.allowed) {
      responder.later(event, `Sorry, I can't run \`${command.name}\` for you: ${permission.why}.`);
      return { outcome: 'refused', reason: permission.why, eventId };
    }
    await this.explain(eventId, { permission: permission.why });

    if (command.approval_command) return this.decideApproval(event, command.approval_command, eventId);
    if (command.answers_directly === 'help' || command.name === 'help') {
      responder.later(event, helpText(ruleSet));
      return { outcome: 'answered', what: 'help', eventId };
    }
    if (command.name === 'status' && event.provider === 'slack' && !command.user) {
      responder.later(event, await this.statusText());
      return { outcome: 'answered', what: 'status', eventId };
    }

    const taskId = newId('task');
    const prompt = renderTemplate(command.template, { payload: event.payload, user_content: match.userContent, provider: event.provider, task_id: taskId });
    const needsApproval = command.needs_approval === true || (command.needs_approval === 'non-maintainers' && !permission.maintainer);
    const task = await createThreadTask(repos, this.deps.tasks, {
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
      wrapWithBrain: config.WEBHOOK_BRAIN_WRAP && command.wrap_with_brain !== false,
    });
    await repos.webhookEvents.update(eventId, { rendered_prompt: prompt });
    responder.acknowledge(event);
    if (needsApproval) {
      responder.later(
        event,
        `\`${command.name}\` would run Claude Code with edit permissions (${command.description}). It waits for approval: someone with write access can reply \`${ruleSet.triggerPhrase} approve\` or \`${ruleSet.triggerPhrase} reject\`.`,
        { taskId: task.task_id, approvalButtons: true },
      );
    }
    return { outcome: 'accepted', taskId: task.task_id, taskIds: [task.task_id], eventId, waitingApproval: needsApproval };
  }

  /** `@agent approve` / `reject` (or a Slack button) decides the newest task of the thread that waits for approval. */
  private async decideApproval(event: ProviderEvent, decision: 'approve' | 'reject', eventId: string): Promise<IngestResult> {
    const flowId = flowIdFor(externalThreadId(event.provider, event.thread));
    const waiting = await this.deps.repos.tasks.list({ flow_id: flowId, status: ['waiting_approval'], limit: 1 });
    const task = waiting.tasks[0];
    if (!task) return { outcome: 'ignored', reason: 'nothing in this thread is waiting for approval', eventId };
    const who = event.actor?.name ?? 'someone';
    if (decision === 'approve') {
      const row = await this.deps.tasks.approve(task.task_id);
      if (!row) return { outcome: 'ignored', reason: `task ${task.task_id} is no longer waiting for approval`, eventId };
      this.deps.responder.later(event, `Approved by ${who}; starting.`);
      return { outcome: 'approved', taskId: task.task_id, eventId };
    }
    await this.deps.tasks.cancel(task.task_id, `rejected by ${who}`);
    this.deps.responder.later(event, `Rejected by ${who}; nothing will run.`);
    return { outcome: 'rejected', taskId: task.task_id, eventId };
  }

  private isBot(event: EngineEvent): boolean {
    const actor = event.actor;
    if (!actor) return false;
    if (actor.isBot) return true;
    const c = this.deps.config;
    return (
      (event.provider === 'github' && !!c.GITHUB_BOT_LOGIN && actor.name.toLowerCase() === c.GITHUB_BOT_LOGIN.toLowerCase()) ||
      (event.provider === 'slack' && !!c.SLACK_BOT_USER_ID && actor.id === c.SLACK_BOT_USER_ID) ||
      (event.provider === 'jira' && !!c.JIRA_BOT_ACCOUNT_ID && actor.id === c.JIRA_BOT_ACCOUNT_ID)
    );
  }

  private async statusText(): Promise<string> {
    const counts = await this.deps.repos.tasks.countByStatus();
    return `Claude Code Agent: ${counts.running ?? 0} running (limit ${this.deps.config.MAX_CONCURRENT_TASKS}), ${counts.queued ?? 0} queued, ${counts.waiting_approval ?? 0} waiting for approval.`;
  }
}

export type { DynamicProvider };

function botIds(config: Config): string[] {
  return [config.SLACK_BOT_USER_ID, config.JIRA_BOT_ACCOUNT_ID].filter((v): v is string => !!v);
}

/** The id of the provider object the delivery is about, when it is one the service may have posted itself. */
function ownPostId(event: EngineEvent): string | undefined {
  const t = event.target;
  // A button press is a person acting on one of our messages (the approval buttons), not our message itself.
  if (!t || event.action) return undefined;
  if (t.provider === 'github') return t.commentId ? `comment:${t.commentId}` : t.reviewCommentId ? `review_comment:${t.reviewCommentId}` : undefined;
  if (t.provider === 'slack') return t.messageTs ? `${t.channel}/${t.messageTs}` : undefined;
  if (t.provider === 'jira') {
    const id = (event.payload as { comment?: { id?: unknown } })?.comment?.id;
    return id ? `comment:${String(id)}` : undefined;
  }
  return undefined;
}

function decodeBody(rawBody: string, contentType: string): unknown {
  if (contentType.includes('application/x-www-form-urlencoded')) {
    const fields = Object.fromEntries(new URLSearchParams(rawBody));
    // GitHub's form deliveries and Slack's interactivity carry their JSON in one `payload` field.
    if (typeof fields.payload === 'string' && !('command' in fields)) {
      try {
        return { ...fields, payload: JSON.parse(fields.payload) };
      } catch {
        throw new Error('JSON in the form field "payload"');
      }
    }
    return fields;
  }
  try {
    return JSON.parse(rawBody);
  } catch {
    throw new Error('JSON');
  }
}

export function statusOf(result: IngestResult): number {
  switch (result.outcome) {
    case 'accepted':
      return 202;
    case 'verification_failed':
      return 401;
    case 'bad_request':
      return 400;
    case 'not_found':
      return 404;
    case 'unavailable':
      return 503;
    default:
      return 200;
  }
}
