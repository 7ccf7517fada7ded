// GitHub deliveries → ProviderEvent. Event name in X-GitHub-Event, action in the body (PROTOCOLS.md §2.3–2.4).
// Every action of the events below is parsed (the shape depends on the event, not the action); which event types
// run anything is the rule set's business, so a later rule for 'issues.closed' needs no change here.
import { z } from 'zod';
import { parseUntrustedJson } from '../../../security/json-depth.js';
import {
  applyShape,
  bodyObject,
  header,
  ignored,
  isRecord,
  neverThrow,
  type ParsedDelivery,
  type ProviderEvent,
  type RawDelivery,
  type ShapeResult,
  type ShapeTable,
} from '../types.js';

const Repository = z.object({
  name: z.string(),
  full_name: z.string().optional(),
  owner: z.object({ login: z.string() }),
});
const Sender = z.object({ id: z.number(), login: z.string(), type: z.string().optional() });
const Common = z.object({
  action: z.string().optional(),
  repository: Repository,
  sender: Sender.optional(),
  installation: z.object({ id: z.number() }).optional(),
});
const Issue = z.object({
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullish(),
  // Present (links only) when the issue is a pull request: PR conversation comments arrive as issue_comment.
  pull_request: z.unknown().optional(),
});
const PullRequest = z.object({ number: z.number().int(), title: z.string(), body: z.string().nullish() });
const Comment = z.object({ id: z.number().int(), body: z.string().nullish() });

const Label = z.object({ name: z.string() }).nullish();
const IssueComment = Common.extend({ issue: Issue, comment: Comment });
const ReviewComment = Common.extend({
  pull_request: PullRequest,
  comment: Comment.extend({ in_reply_to_id: z.number().int().nullish() }),
});
const Review = Common.extend({
  pull_request: PullRequest,
  review: z.object({ id: z.number().int(), body: z.string().nullish() }),
});
const Issues = Common.extend({ issue: Issue, label: Label });
const PullRequestEvent = Common.extend({ pull_request: PullRequest, label: Label });

type CommonFields = z.infer<typeof Common>;
/** What every handled event is reduced to before it becomes a ProviderEvent. */
interface Shaped {
  number: number;
  title: string;
  text: string;
  isPullRequest: boolean;
  commentId?: number;
  reviewCommentId?: number;
  replyToReviewCommentId?: number;
}
type Shaper = (body: unknown) => ShapeResult<{ common: CommonFields; shaped: Shaped }>;

function shaper<S extends z.ZodType<CommonFields>>(schema: S, read: (data: z.infer<S>) => Shaped): Shaper {
  return (body) => {
    const r = schema.safeParse(body);
    return r.success ? { ok: true, common: r.data, shaped: read(r.data) } : { ok: false, error: r.error };
  };
}

/**
 * A label event's human input is the label, not the body: reading the body again would re-run whatever command it
 * holds each time someone adds any label.
 */
function textOf(action: string | undefined, label: { name: string } | null | undefined, body: string | null | undefined) {
  return action === 'labeled' || action === 'unlabeled' ? (label?.name ?? '') : (body ?? '');
}

/** Per event name: the fields we need, and how to read number, title and text from them. */
const SHAPES: Record<string, Shaper> = {
  issue_comment: shaper(IssueComment, ({ issue, comment }) => ({
    number: issue.number,
    title: issue.title,
    text: comment.body ?? '',
    isPullRequest: issue.pull_request != null,
    commentId: comment.id,
  })),
  pull_request_review_comment: shaper(ReviewComment, ({ pull_request: pr, comment }) => ({
    number: pr.number,
    title: pr.title,
    text: comment.body ?? '',
    isPullRequest: true,
    reviewCommentId: comment.id,
    replyToReviewCommentId: comment.in_reply_to_id ?? comment.id,
  })),
  pull_request_review: shaper(Review, ({ pull_request: pr, review }) => ({
    number: pr.number,
    title: pr.title,
    text: review.body ?? '',
    isPullRequest: true,
  })),
  issues: shaper(Issues, ({ action, issue, label }) => ({
    number: issue.number,
    title: issue.title,
    text: textOf(action, label, issue.body),
    isPullRequest: false,
  })),
  pull_request: shaper(PullRequestEvent, ({ action, pull_request: pr, label }) => ({
    number: pr.number,
    title: pr.title,
    text: textOf(action, label, pr.body),
    isPullRequest: true,
  })),
};

/** The events read, and those that are expected and deliberately not acted on, with the reason the inspector shows. */
const EVENTS: ShapeTable<{ common: CommonFields; shaped: Shaped }> = {
  shapes: SHAPES,
  knownUnhandled: {
    installation: 'GitHub App installation lifecycle event; nothing to run',
    installation_repositories: 'GitHub App installation lifecycle event; nothing to run',
    github_app_authorization: 'GitHub App authorization event; nothing to run',
  },
  unhandled: (name) => `GitHub event "${name}" is not handled`,
};

export const parseDelivery = neverThrow('github', parseGithub);

function parseGithub(d: RawDelivery): ParsedDelivery {
  const deliveryId = header(d, 'x-github-delivery');
  const name = header(d, 'x-github-event');
  if (!name) return ignored('missing X-GitHub-Event header', deliveryId);
  // GitHub sends ping when a hook is created; any 2xx completes the setup.
  if (name === 'ping') return { kind: 'handshake', body: 'pong', contentType: 'text/plain' };

  const body = unwrapFormPayload(bodyObject(d, true));
  if (!body) return ignored('body is not a JSON object', deliveryId, name);
  const action = typeof body.action === 'string' ? body.action : null;
  const eventType = action ? `${name}.${action}` : name;

  const parsed = applyShape(EVENTS, name, body, { deliveryId, eventType });
  if (!parsed.ok) return parsed.ignored;

  const { common, shaped } = parsed;
  const owner = common.repository.owner.login;
  const repo = common.repository.name;
  const sender = common.sender;
  const event: ProviderEvent = {
    provider: 'github',
    eventType,
    deliveryId,
    thread: `${owner}/${repo}#${shaped.number}`,
    threadTitle: shaped.title || `${owner}/${repo}#${shaped.number}`,
    text: shaped.text,
    actor: sender
      ? { id: String(sender.id), name: sender.login, isBot: sender.type === 'Bot' || sender.login.endsWith('[bot]') }
      : null,
    target: {
      provider: 'github',
      owner,
      repo,
      issueNumber: shaped.number,
      isPullRequest: shaped.isPullRequest,
      ...(shaped.commentId !== undefined && { commentId: shaped.commentId }),
      ...(shaped.reviewCommentId !== undefined && { reviewCommentId: shaped.reviewCommentId }),
      ...(shaped.replyToReviewCommentId !== undefined && { replyToReviewCommentId: shaped.replyToReviewCommentId }),
      ...(common.installation && { installationId: common.installation.id }),
    },
    payload: body,
  };
  return { kind: 'event', event };
}

/** A hook set to application/x-www-form-urlencoded sends the JSON in one `payload` field. */
function unwrapFormPayload(body: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!body || body.payload === undefined || body.repository !== undefined) return body;
  if (isRecord(body.payload)) return body.payload;
  if (typeof body.payload !== 'string') return body;
  try {
    const parsed: unknown = parseUntrustedJson(body.payload);
    return isRecord(parsed) ? parsed : null;
  } catch {
    return null;
  }
}
