// Sentry integration-platform deliveries → ProviderEvent. Resource in Sentry-Hook-Resource, action in the body,
// dedup by Request-ID (PROTOCOLS.md §5). Every handled resource must lead to a Sentry issue, because that is the
// only thing a comment can be posted on.
import { z } from 'zod';
import {
  applyShape,
  bodyObject,
  header,
  ignored,
  missingFields,
  neverThrow,
  type ParsedDelivery,
  type ProviderEvent,
  type RawDelivery,
  type ShapeResult,
  type ShapeTable,
} from '../types.js';

const Id = z.union([z.string().min(1), z.number()]).transform(String);
const Actor = z.object({ type: z.string().optional(), id: Id, name: z.string().optional() }).nullish();
const Body = z.object({ action: z.string().min(1), actor: Actor });
const SENTRY_ITSELF = { type: 'application', id: 'sentry', name: 'Sentry' };

const IssueData = z.object({
  issue: z.object({
    id: Id,
    title: z.string().optional(),
    shortId: z.string().optional(),
    web_url: z.string().optional(),
  }),
});
const CommentData = z.object({ issue_id: Id, comment: z.string().nullish() });

/** An event as sent by event_alert (data.event) and error (data.error). */
const SentryEvent = z.object({
  issue_id: Id,
  title: z.string().optional(),
  web_url: z.string().optional(),
  url: z.string().optional(),
});

interface Shaped {
  issueId: string;
  title: string;
  text: string;
  organizationSlug?: string;
}
type Shape = (data: unknown) => ShapeResult<{ shaped: Shaped }>;

function fromEvent(e: z.infer<typeof SentryEvent>): Shaped {
  const slug = organizationSlug(e.web_url) ?? organizationSlug(e.url);
  const title = e.title ?? `Sentry issue ${e.issue_id}`;
  return { issueId: e.issue_id, title, text: e.title ?? '', ...(slug && { organizationSlug: slug }) };
}

const SHAPES: Record<string, Shape> = {
  event_alert: (data) => {
    const r = z.object({ event: SentryEvent }).safeParse(data);
    return r.success ? { ok: true, shaped: fromEvent(r.data.event) } : { ok: false, error: r.error };
  },
  error: (data) => {
    const r = z.object({ error: SentryEvent }).safeParse(data);
    return r.success ? { ok: true, shaped: fromEvent(r.data.error) } : { ok: false, error: r.error };
  },
  issue: (data) => {
    const r = IssueData.safeParse(data);
    if (!r.success) return { ok: false, error: r.error };
    const { issue } = r.data;
    const slug = organizationSlug(issue.web_url);
    const title = issue.title ?? issue.shortId ?? `Sentry issue ${issue.id}`;
    const shaped: Shaped = { issueId: issue.id, title, text: issue.title ?? '', ...(slug && { organizationSlug: slug }) };
    return { ok: true, shaped };
  },
  comment: (data) => {
    const r = CommentData.safeParse(data);
    if (!r.success) return { ok: false, error: r.error };
    const { issue_id, comment } = r.data;
    return { ok: true, shaped: { issueId: issue_id, title: `Sentry issue ${issue_id}`, text: comment ?? '' } };
  },
};

const RESOURCES: ShapeTable<{ shaped: Shaped }> = {
  shapes: SHAPES,
  knownUnhandled: {
    installation: 'Sentry integration installation lifecycle event; nothing to run',
    metric_alert: 'metric alerts are not tied to a Sentry issue, so there is nothing to comment on',
  },
  unhandled: (resource) => `Sentry resource "${resource}" is not handled`,
};

export const parseDelivery = neverThrow('sentry', parseSentry);

function parseSentry(d: RawDelivery): ParsedDelivery {
  const deliveryId = header(d, 'request-id');
  const resource = header(d, 'sentry-hook-resource');
  if (!resource) return ignored('missing Sentry-Hook-Resource header', deliveryId);
  const body = bodyObject(d);
  if (!body) return ignored('body is not a JSON object', deliveryId, resource);
  const envelope = Body.safeParse(body);
  if (!envelope.success) return missingFields(resource, envelope.error, deliveryId, resource);
  const eventType = `${resource}.${envelope.data.action}`;

  const parsed = applyShape(RESOURCES, resource, body.data, { deliveryId, eventType, under: 'data' });
  if (!parsed.ok) return parsed.ignored;

  const { shaped } = parsed;
  // Alert deliveries may come without an actor at all (seen in Sentry's own payloads): nobody but Sentry sent them,
  // so they are Sentry's, like {type:'application', id:'sentry'}, and not "a delivery that names no user".
  const actor = envelope.data.actor ?? SENTRY_ITSELF;
  const event: ProviderEvent = {
    provider: 'sentry',
    eventType,
    deliveryId,
    thread: `sentry-issue-${shaped.issueId}`,
    threadTitle: shaped.title,
    text: shaped.text,
    actor: {
      id: actor.id,
      name: actor.name ?? actor.id,
      // Alert rules and other automatic actions come from {type:'application', id:'sentry'}: that is Sentry
      // itself, not an integration talking to itself, and must not be dropped by the bot loop guard.
      isBot: actor.type === 'application' && actor.id !== 'sentry',
    },
    target: {
      provider: 'sentry',
      issueId: shaped.issueId,
      ...(shaped.organizationSlug && { organizationSlug: shaped.organizationSlug }),
    },
    payload: body,
  };
  return { kind: 'event', event };
}

/** https://sentry.io/organizations/<slug>/issues/… or …/api/0/projects/<slug>/<project>/events/… */
function organizationSlug(url: string | undefined): string | undefined {
  if (!url) return undefined;
  return /\/organizations\/([^/]+)\//.exec(url)?.[1] ?? /\/api\/0\/projects\/([^/]+)\//.exec(url)?.[1];
}
