import { newId } from '../domain/ids.js';
import type { WebhookConfigRow, WebhookEventRow } from '../storage/schema.js';
import { decodeBody } from './decode-body.js';
import { deliveryKeys, safeHeaders, unverifiedPost } from './delivery-record.js';
import { type Decision, DeliveryRules, ownPostId, type RuleDeps } from './delivery-rules.js';
import { type Delivery, DeliveryStore, type Received, type StoreDeps } from './delivery-store.js';
import type { IngestResult } from './ingest-result.js';
import { type DynamicProvider, type EngineEvent, genericEvent } from './engine.js';
import { adapterFor, isProvider, type ProviderName } from './providers/index.js';
import type { ParsedDelivery, ProviderEvent, RawDelivery } from './providers/types.js';
import { RouteRules, staticId } from './rules/routes.js';
import type { Route, RuleSet } from './rules/types.js';
import { JsonTooDeepError } from '../security/json-depth.js';
import { verifyGeneric } from './signatures.js';

/** What the rules need, and the built-in rule set of each provider's route. */
export interface IngestDeps extends RuleDeps, StoreDeps {
  builtin: Record<ProviderName, RuleSet>;
  /** Told each verified, new delivery before the rules (src/delivery/pull-request-events.ts); its answer is noted. */
  followDelivery?(provider: string, headers: Record<string, string>, body: unknown): Promise<string | undefined>;
}

export { safeHeaders, staticId };
export { type IngestResult, statusOf } from './ingest-result.js';

/**
 * Verify → parse → recognise a copy → decide (match, permission from the cache: a miss is looked up after the answer,
 * permission-wait.ts) → store the delivery, its outcome and its tasks in one transaction (delivery-store.ts) → answer;
 * replies go out after the commit. The provider gets its 2xx only
 * once everything is committed, so there is nothing to finish after a crash: a crash before the commit leaves no
 * key, and the provider's redelivery runs from the start. A delivery holds its keys (and so makes later copies
 * duplicates) only once it has an outcome below 500.
 */
export class WebhookIngest {
  private readonly rules: DeliveryRules;
  private readonly routes: RouteRules;
  private readonly store: DeliveryStore;

  constructor(private readonly deps: IngestDeps) {
    this.rules = new DeliveryRules(deps);
    this.store = new DeliveryStore(deps);
    this.routes = new RouteRules(deps);
  }

  /** POST /webhooks/{provider}. */
  async receive(provider: ProviderName, headers: Record<string, string>, rawBody: string, now = Date.now()): Promise<IngestResult> {
    const adapter = adapterFor(provider);
    const setting = adapter.settings.secret;
    const denied = await this.verify(null, provider, headers, rawBody, this.deps.config[setting], setting, (s) => adapter.verify(s, rawBody, headers, now));
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
      config.provider === 'generic' ? verifyGeneric(s, rawBody, headers['x-signature-256']) : adapterFor(config.provider as ProviderName).verify(s, rawBody, headers, now);
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
    const event: EngineEvent = { ...parsed.event, headers };
    const { decisions, matched } = this.rules.match(event, await this.routeOf(webhookId, provider));
    const note = event.actor && matched.length ? `${event.actor.name}'s permission is checked when a real delivery arrives` : undefined;
    return { event_type: event.eventType, decisions, would: matched.map((m) => this.deps.actions.plan(event, m)), note };
  }

  private routeOf(webhookId: string | null, provider: string): Promise<Route> {
    return webhookId ? this.routes.webhook(webhookId, provider) : this.routes.builtin(provider as ProviderName);
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
    // Counted, and a small record kept; the answer is 401 whatever happens to the record.
    await this.deps.repos.webhookEvents
      .insertUnverified(unverifiedPost(webhookId, provider, headers, rawBody, why), this.deps.config.WEBHOOK_UNVERIFIED_KEEP)
      .catch((err: unknown) => this.deps.log.warn({ err }, 'could not record an unsigned webhook post'));
    return { outcome: 'verification_failed', why };
  }

  private parse(provider: string, delivery: RawDelivery): ParsedDelivery {
    if (isProvider(provider)) return adapterFor(provider).parse(delivery);
    const event = genericEvent(delivery.headers, delivery.body);
    return { kind: 'event', event: event as unknown as ProviderEvent };
  }

  private async process(d: Delivery): Promise<IngestResult> {
    let body: unknown;
    try {
      body = decodeBody(d.rawBody, d.headers['content-type'] ?? '');
    } catch (err) {
      if (err instanceof JsonTooDeepError) return { outcome: 'bad_request', why: `body refused: ${err.message}` };
      return { outcome: 'bad_request', why: `body is not valid ${(err as Error).message}` };
    }
    const parsed = this.parse(d.provider, { headers: d.headers, rawBody: d.rawBody, body });
    if (parsed.kind === 'handshake') return { outcome: 'handshake', body: parsed.body, contentType: parsed.contentType };

    const deliveryId = parsed.kind === 'event' ? parsed.event.deliveryId : parsed.deliveryId;
    const endpoint = d.webhookId ?? staticId(d.provider as ProviderName);
    const keys = deliveryKeys(endpoint, deliveryId, d.rawBody, !!d.replayOf);
    const notes: Record<string, unknown> = {};
    const event: EngineEvent | undefined = parsed.kind === 'event' ? { ...this.guardOutbound(parsed.event, notes), headers: d.headers } : undefined;
    // The copy check, the loop guard's lookup and the route's rules: one statement (delivery-screen.ts).
    const screen = await this.deps.repos.webhookEvents.screen({ keys, provider: d.provider, ownPostId: (event && ownPostId(event)) ?? null, endpoint });
    if (screen.seen) return { outcome: 'duplicate', taskId: screen.seen.task_id, eventId: screen.seen.event_id };

    const eventId = newId('whe');
    const received: Received = { d, eventId, keys, deliveryId, eventType: parsed.kind === 'event' ? parsed.event.eventType : parsed.eventType };
    let decision: Decision;
    await this.follow(d, body, notes);
    try {
      if (parsed.kind !== 'event') decision = { verdict: { outcome: 'ignored', reason: parsed.reason } };
      else decision = await this.rules.decide(event!, eventId, this.routes.of(d.webhookId, d.provider, screen.triggerPhrase, screen.commands), d.replayOf, screen.ownPost);
    } catch (err) {
      return this.store.failed(received, err, notes);
    }
    return this.store.commit(received, decision, notes);
  }

  /** A follower's failure is logged and noted: it never changes what the delivery does. */
  private async follow(d: Delivery, body: unknown, notes: Record<string, unknown>): Promise<void> {
    if (!this.deps.followDelivery || d.replayOf) return;
    const note = await this.deps.followDelivery(d.provider, d.headers, body).catch((err: Error) => `failed: ${err.message}`);
    if (note) notes.followed = note;
  }

  /** Where the delivery asks to be answered, checked by its adapter (a Slack response_url to another host is dropped). */
  private guardOutbound(event: ProviderEvent, notes: Record<string, unknown>): ProviderEvent {
    const target = event.target as ProviderEvent['target'] | undefined; // generic events have none
    const guarded = target && adapterFor(target.provider).guardOutbound?.(target, this.deps.config);
    if (!guarded) return event;
    Object.assign(notes, guarded.notes);
    return { ...event, target: guarded.target };
  }
}

export type { DynamicProvider };
