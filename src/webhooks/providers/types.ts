// What every provider parser turns a verified delivery into, and the few helpers they share.
// Parsers are pure: no I/O, no config, no clock. They never throw; odd input becomes `ignored` with a reason that
// names what was missing, so the delivery inspector can say why nothing ran.
import type { z } from 'zod';
import type { ProviderName } from '../../contracts/webhook-commands.js';
import { parseUntrustedJson } from '../../security/json-depth.js';
import type { GithubTarget } from './github/target.js';
import type { GitlabTarget } from './gitlab/target.js';
import type { JiraTarget } from './jira/target.js';
import type { SentryTarget } from './sentry/target.js';
import type { SlackTarget } from './slack/target.js';

export type Provider = ProviderName;

export interface RawDelivery {
  /** Lower-case header names. */
  headers: Record<string, string>;
  rawBody: string;
  /** Parsed JSON, or for Slack form bodies the decoded fields (slash commands; interactivity has `payload=<json>`). */
  body: unknown;
}

export type ParsedDelivery =
  | { kind: 'event'; event: ProviderEvent }
  /** Answered at once with this body: Slack url_verification → the challenge, GitHub ping → 'pong'. */
  | { kind: 'handshake'; body: string; contentType: string }
  | { kind: 'ignored'; reason: string; deliveryId: string | null; eventType: string | null };

export interface ProviderEvent {
  provider: Provider;
  /**
   * 'issue_comment.created', 'pull_request_review_comment.created', 'issues.opened', 'issues.labeled',
   * 'pull_request.opened', 'app_mention', 'message.im', 'slash_command', 'block_actions', 'jira:issue_created',
   * 'jira:issue_updated', 'jira:issue_assigned', 'comment_created', 'event_alert.triggered', 'issue.created', …
   */
  eventType: string;
  /**
   * Dedup key: X-GitHub-Delivery, Slack event_id (slash commands and buttons: trigger_id),
   * X-Atlassian-Webhook-Identifier, Sentry Request-ID.
   */
  deliveryId: string | null;
  /** Stable id of the external thread (one flow): 'owner/repo#12', 'C123/1700000000.000100', 'PROJ-5', 'sentry-issue-1'. */
  thread: string;
  threadTitle: string;
  /** The human-written text commands are matched in; '' if none. As sent: Slack's keeps its &lt; &gt; &amp; escapes. */
  text: string;
  actor: { id: string; name: string; isBot: boolean } | null;
  target: PostBackTarget;
  /** The parsed body; template variables read from it. */
  payload: unknown;
  /**
   * Set when the provider sent the event because it is aimed at someone, so no trigger phrase is needed:
   * 'bot' for Slack mentions, DMs, slash commands and button clicks; account ids for a Jira assignment, which is
   * addressed to the agent only when one of them is the agent's own account (the matcher's `botMentionIds`).
   */
  addressedTo?: 'bot' | { accountIds: string[] };
  /** Slack block_actions: the button that was pressed. Its `id` names the command (`approve`, `reject`). */
  action?: { id: string; value: string | null; blockId: string | null };
}

/** Where replies go; one member per provider, each declared in its folder's target.ts. */
export type PostBackTarget = GithubTarget | SlackTarget | JiraTarget | SentryTarget | GitlabTarget;
export type { GithubTarget, GitlabTarget, JiraTarget, SentryTarget, SlackTarget };

// ---- helpers shared by the provider parsers ----

export function ignored(
  reason: string,
  deliveryId: string | null = null,
  eventType: string | null = null,
): ParsedDelivery {
  return { kind: 'ignored', reason, deliveryId, eventType };
}

/** `ignored` for a payload that lacks what the parser needs: "<what> is missing fields: issue.number: …". */
export function missingFields(
  what: string,
  error: z.ZodError,
  deliveryId: string | null,
  eventType: string | null,
  under?: string,
): ParsedDelivery {
  return ignored(`${what} is missing fields: ${describeIssues(error, under)}`, deliveryId, eventType);
}

/** A header value, or null when absent or blank. */
export function header(d: RawDelivery, name: string): string | null {
  const value = d.headers[name.toLowerCase()];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The body as an object: the route's parse if it made one, else the raw body parsed here (JSON, or a form body when
 * `allowForm`), else null. Lets a parser work from either half of RawDelivery.
 */
export function bodyObject(d: RawDelivery, allowForm = false): Record<string, unknown> | null {
  if (isRecord(d.body)) return d.body;
  const raw = d.rawBody.trim();
  if (raw.startsWith('{')) {
    try {
      const parsed: unknown = parseUntrustedJson(raw);
      return isRecord(parsed) ? parsed : null;
    } catch {
      return null;
    }
  }
  if (allowForm && raw.includes('=')) return Object.fromEntries(new URLSearchParams(raw));
  return null;
}

/**
 * "issue.number: Invalid input: expected number, received undefined" — the first problems zod found, by path.
 * `under` prefixes the paths when the schema was applied to part of the body (e.g. Sentry's `data`).
 */
export function describeIssues(error: z.ZodError, under?: string, limit = 3): string {
  const parts = error.issues.slice(0, limit).map((issue) => {
    const path = [...(under ? [under] : []), ...issue.path.map(String)].join('.') || '(body)';
    return `${path}: ${issue.message}`;
  });
  const more = error.issues.length > limit ? ` (and ${error.issues.length - limit} more)` : '';
  return parts.join('; ') + more;
}

/** A provider's parseDelivery: runs its parser and turns anything it throws into `ignored`, so a webhook never crashes the route. */
export function neverThrow(provider: Provider, parse: (d: RawDelivery) => ParsedDelivery): (d: RawDelivery) => ParsedDelivery {
  return (d) => {
    try {
      return parse(d);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return ignored(`${provider} delivery could not be parsed: ${message}`);
    }
  };
}

/** What a parser's shape makes of a payload: the fields it reads, or why they are not there. */
export type ShapeResult<T> = ({ ok: true } & T) | { ok: false; error: z.ZodError };

/** A parser's table of shapes per event name (or resource), and the reasons for the names it knowingly skips. */
export interface ShapeTable<T> {
  shapes: Readonly<Record<string, (input: unknown) => ShapeResult<T>>>;
  knownUnhandled: Readonly<Record<string, string>>;
  /** The reason for a name in neither table. */
  unhandled: (name: string) => string;
}

/**
 * Reads `input` with the shape for `name`. A name without a shape, or input without the fields the shape needs
 * (paths prefixed with `under`), gives the `ignored` delivery to return instead.
 */
export function applyShape<T>(
  table: ShapeTable<T>,
  name: string,
  input: unknown,
  ids: { deliveryId: string | null; eventType: string; under?: string },
): ({ ok: true } & T) | { ok: false; ignored: ParsedDelivery } {
  const { deliveryId, eventType, under } = ids;
  const shape = own(table.shapes, name);
  if (!shape) {
    return { ok: false, ignored: ignored(own(table.knownUnhandled, name) ?? table.unhandled(name), deliveryId, eventType) };
  }
  const parsed = shape(input);
  return parsed.ok ? parsed : { ok: false, ignored: missingFields(eventType, parsed.error, deliveryId, eventType, under) };
}

/** A short single-line title from free text: first line, mentions and markup left as they are, cut at `max`. */
export function titleFrom(text: string, max = 80): string {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}

/** `table[key]` for own keys only, so an event named "constructor" or "toString" finds nothing. */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
