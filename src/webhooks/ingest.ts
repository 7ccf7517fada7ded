import type { Config } from '../config.js';
import { conversationIdFor, externalThreadId, flowIdFor, newId } from '../domain/ids.js';
import type { Logger } from '../logger.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskService } from '../tasks/task-service.js';
import { PermissionLookupError, type PermissionChecker } from './permissions.js';
import { PROVIDERS, type ProviderName } from './provider-registry.js';
import type { ProviderEvent, RawDelivery } from './providers/types.js';
import type { Responder } from './responder.js';
import { helpText } from './rules/help.js';
import { matchCommand } from './rules/matcher.js';
import { renderTemplate } from './rules/template.js';
import type { CommandSpec, RuleSet } from './rules/types.js';

/** What happened to a delivery; the route only translates it into a status. */
export type IngestResult =
  | { outcome: 'accepted'; taskId: string; eventId: string; waitingApproval: boolean } // 202
  | { outcome: 'duplicate'; taskId: string | null; eventId: string } // 200
  | { outcome: 'handshake'; body: string; contentType: string } // 200
  | { outcome: 'ignored'; reason: string; eventId?: string } // 200
  | { outcome: 'answered'; what: string; eventId: string } // 200: help/status, answered without a model run
  | { outcome: 'approved' | 'rejected'; taskId: string; eventId: string } // 200
  | { outcome: 'refused'; reason: string; eventId: string } // 200: not allowed to trigger
  | { outcome: 'verification_failed'; why: string } // 401
  | { outcome: 'bad_request'; why: string } // 400
  | { outcome: 'unavailable'; why: string; eventId: string }; // 503: could not check permission; the provider may redeliver

const SIGNATURE_HEADERS = ['x-hub-signature', 'x-hub-signature-256', 'x-slack-signature', 'sentry-hook-signature', 'x-signature-256', 'authorization', 'cookie'];
// Unverified bodies are kept for the inspector, but only their head: nobody should be able to fill the database.
const MAX_UNVERIFIED_PAYLOAD = 16 * 1024;

export interface IngestDeps {
  config: Config;
  repos: Repositories;
  tasks: TaskService;
  log: Logger;
  permissions: PermissionChecker;
  responder: Responder;
  ruleSets: Record<ProviderName, RuleSet>;
}

export function safeHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !SIGNATURE_HEADERS.includes(k)));
}

export class WebhookIngest {
  constructor(private readonly deps: IngestDeps) {}

  /**
   * Verify, deduplicate, store, enqueue: everything the provider waits for. Replies on the provider's side (the 👀
   * reaction, help, refusals) are sent after the answer, never before it.
   */
  async receive(provider: ProviderName, headers: Record<string, string>, rawBody: string, now = Date.now()): Promise<IngestResult> {
    const { config, repos } = this.deps;
    const spec = PROVIDERS[provider];
    const secret = config[spec.secretSetting];
    const stored = { webhook_id: null, provider, headers: safeHeaders(headers) };
    if (!secret) {
      const why = `${spec.secretSetting} is not set: ${provider} webhooks are refused until it is (fail closed)`;
      await repos.webhookEvents.insert({ ...stored, event_type: null, delivery_id: null, dedup_key: null, payload: rawBody.slice(0, MAX_UNVERIFIED_PAYLOAD), verified: false, verification_error: why, outcome: 'verification_failed', status_code: 401 });
      return { outcome: 'verification_failed', why };
    }
    const verification = await spec.verify(secret, rawBody, headers, now);
    if (!verification.ok) {
      const why = `${verification.why} (check that the webhook secret matches ${spec.secretSetting})`;
      await repos.webhookEvents.insert({ ...stored, event_type: null, delivery_id: null, dedup_key: null, payload: rawBody.slice(0, MAX_UNVERIFIED_PAYLOAD), verified: false, verification_error: why, outcome: 'verification_failed', status_code: 401 });
      return { outcome: 'verification_failed', why };
    }

    let body: unknown;
    try {
      body = decodeBody(rawBody, headers['content-type'] ?? '');
    } catch (err) {
      return { outcome: 'bad_request', why: `body is not valid ${(err as Error).message}` };
    }
    const parsed = spec.parse({ headers, rawBody, body } satisfies RawDelivery);
    if (parsed.kind === 'handshake') return { outcome: 'handshake', body: parsed.body, contentType: parsed.contentType };

    const deliveryId = parsed.kind === 'event' ? parsed.event.deliveryId : parsed.deliveryId;
    const eventType = parsed.kind === 'event' ? parsed.event.eventType : parsed.eventType;
    const { row, duplicate } = await repos.webhookEvents.insert({
      ...stored,
      event_type: eventType,
      delivery_id: deliveryId,
      dedup_key: deliveryId ? `${provider}:${deliveryId}` : null,
      payload: rawBody,
      verified: true,
      verification_error: null,
      outcome: 'received',
      status_code: 200,
    });
    if (duplicate) return { outcome: 'duplicate', taskId: row.task_id, eventId: row.event_id };
    const eventId = row.event_id;

    const result = parsed.kind === 'event' ? await this.handleEvent(parsed.event, eventId) : { outcome: 'ignored' as const, reason: parsed.reason, eventId };
    await repos.webhookEvents.update(eventId, {
      outcome: result.outcome,
      status_code: statusOf(result),
      ...('taskId' in result ? { task_id: result.taskId } : {}),
      ...(result.outcome === 'ignored' || result.outcome === 'refused' ? { explanation: { reason: result.reason } } : {}),
    });
    return result;
  }

  private async handleEvent(event: ProviderEvent, eventId: string): Promise<IngestResult> {
    const { repos, config, responder, log } = this.deps;
    const ownId = ownPostId(event);
    if (ownId && (await repos.webhookEvents.isOwnPost(event.provider, ownId))) {
      return { outcome: 'ignored', reason: 'the delivery is about a message this service posted', eventId };
    }
    if (this.isBot(event)) return { outcome: 'ignored', reason: `sent by a bot (${event.actor?.name ?? 'unknown'}); bots never trigger the agent`, eventId };

    const ruleSet = this.deps.ruleSets[event.provider];
    const match = matchCommand(event, ruleSet, { botMentionIds: botIds(config) });
    if (!match.matched) return { outcome: 'ignored', reason: match.reason, eventId };
    const command = match.command;
    await repos.webhookEvents.update(eventId, { matched_command: command.name, explanation: { matched: command.name, why: match.explanation } });

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

    if (command.approval_command) return this.decideApproval(event, command.approval_command, eventId);
    if (command.answers_directly === 'help' || command.name === 'help') {
      responder.later(event, helpText(ruleSet));
      return { outcome: 'answered', what: 'help', eventId };
    }
    if (command.name === 'status' && event.provider === 'slack') {
      responder.later(event, await this.statusText());
      return { outcome: 'answered', what: 'status', eventId };
    }

    const taskId = newId('task');
    const prompt = renderTemplate(command.template, { payload: event.payload, user_content: match.userContent, provider: event.provider, task_id: taskId });
    const externalId = externalThreadId(event.provider, event.thread);
    const flowId = flowIdFor(externalId);
    const current = match.newConversation ? undefined : await repos.conversations.latestForFlow(flowId);
    const conversation =
      current ??
      (await repos.conversations.ensure({
        conversation_id: match.newConversation ? newId('conv') : conversationIdFor(externalId),
        title: event.threadTitle || externalId,
        flow_id: flowId,
        source: event.provider,
      }));
    const needsApproval = command.needs_approval === true || (command.needs_approval === 'non-maintainers' && !permission.maintainer);
    const task = await this.deps.tasks.create({
      task_id: taskId,
      session_id: `webhook:${event.provider}`,
      source: event.provider,
      input_message: match.userContent || `${command.name} (${event.eventType})`,
      prompt,
      conversation_id: conversation.conversation_id,
      flow_id: flowId,
      external_id: externalId,
      source_metadata: { event_type: event.eventType, delivery_id: event.deliveryId, thread: event.thread, target: event.target, actor: event.actor, command: command.name },
      requester: event.actor ? `${event.provider}:${event.actor.name}` : event.provider,
      rule: `builtin:${event.provider}:${command.name}`,
      agent: command.agent,
      permission_mode: command.permissions.permission_mode,
      allowed_tools: command.permissions.allowed_tools ?? null,
      disallowed_tools: command.permissions.disallowed_tools ?? null,
      webhook_event_id: eventId,
      needs_approval: needsApproval,
    });
    await repos.conversations.addMessage({ conversation_id: conversation.conversation_id, task_id: task.task_id, role: 'user', content: prompt });
    await repos.webhookEvents.update(eventId, { rendered_prompt: prompt });
    responder.acknowledge(event);
    if (needsApproval) {
      responder.later(
        event,
        `\`${command.name}\` would run Claude Code with edit permissions (${command.description}). It waits for approval: someone with write access can reply \`${config.WEBHOOK_TRIGGER_PHRASE} approve\` or \`${config.WEBHOOK_TRIGGER_PHRASE} reject\`.`,
        { taskId: task.task_id, approvalButtons: true },
      );
    }
    return { outcome: 'accepted', taskId: task.task_id, eventId, waitingApproval: needsApproval };
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

  private isBot(event: ProviderEvent): boolean {
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

function botIds(config: Config): string[] {
  return [config.SLACK_BOT_USER_ID, config.JIRA_BOT_ACCOUNT_ID].filter((v): v is string => !!v);
}

/** The id of the provider object the delivery is about, when it is one the service may have posted itself. */
function ownPostId(event: ProviderEvent): string | undefined {
  const t = event.target;
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
    case 'unavailable':
      return 503;
    default:
      return 200;
  }
}

export type { CommandSpec };
