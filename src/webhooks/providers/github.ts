// GitHub deliveries → ProviderEvent. Event name in X-GitHub-Event, action in the body (PROTOCOLS.md §2.3–2.4).
// Every action of the events below is parsed (the shape depends on the event, not the action); which event types
// run anything is the rule set's business, so a later rule for 'issues.closed' needs no change here.
import { z } from 'zod';
import {
  bodyObject,
  describeIssues,
  header,
  ignored,
  isRecord,
  neverThrow,
  own,
  type ParsedDelivery,
  type ProviderEvent,
  type RawDelivery,
} from './types.js';

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

const IssueComment = Common.extend({ issue: Issue, comment: Comment });
const ReviewComment = Common.extend({
  pull_request: PullRequest,
  comment: Comment.extend({ in_reply_to_id: z.number().int().nullish() }),
});
const Review = Common.extend({ pull_request: PullRequest, review: z.object({ id: z.number().int(), body: z.string().nullish() }) });
const Issues = Common.extend({ issue: Issue, label: z.object({ name: z.string() }).nullish() });
const PullRequestEvent = Common.extend({ pull_request: PullRequest, label: z.object({ name: z.string() }).nullish() });

type CommonFields = z.infer<typeof Common>;
interface Shaped {
  number: number;
  title: string;
  text: string;
  isPullRequest: boolean;
  commentId?: number;
  reviewCommentId?: number;
  replyToReviewCommentId?: number;
}

/** Per event name: the schema of the fields we need, and how to read number/title/text from it. */
const SHAPES: Record<string, (body: unknown) => { ok: true; common: CommonFields; shaped: Shaped } | { ok: false; error: z.ZodError }> = {
  issue_comment: (body) => {
    const r = IssueComment.safeParse(body);
    if (!r.success) return { ok: false, error: r.error };
    const { issue, comment } = r.data;
    return {
      ok: true,
      common: r.data,
      shaped: {
        number: issue.number,
        title: issue.title,
        text: comment.body ?? '',
        isPullRequest: issue.pull_request != null,
        commentId: comment.id,
      },
    };
  },
  pull_request_review_comment: (body) => {
    const r = ReviewComment.safeParse(body);
    if (!r.success) return { ok: false, error: r.error };
    const { pull_request: pr, comment } = r.data;
    return {
      ok: true,
      common: r.data,
      shaped: {
        number: pr.number,
        title: pr.title,
        text: comment.body ?? '',
        isPullRequest: true,
        reviewCommentId: comment.id,
        replyToReviewCommentId: comment.in_reply_to_id ?? comment.id,
      },
    };
  },
  pull_request_review: (body) => {
    const r = Review.safeParse(body);
    if (!r.success) return { ok: false, error: r.error };
    const { pull_request: pr, review } = r.data;
    return { ok: true, common: r.data, shaped: { number: pr.number, title: pr.title, text: review.body ?? '', isPullRequest: true } };
  },
  issues: (body) => {
    const r = Issues.safeParse(body);
    if (!r.success) return { ok: false, error: r.error };
    const { issue, label } = r.data;
    // A label event's human input is the label, not the body: reading the body again would re-run whatever
    // command it holds each time someone adds any label.
    const text = r.data.action === 'labeled' || r.data.action === 'unlabeled' ? (label?.name ?? '') : (issue.body ?? '');
    return { ok: true, common: r.data, shaped: { number: issue.number, title: issue.title, text, isPullRequest: false } };
  },
  pull_request: (body) => {
    const r = PullRequestEvent.safeParse(body);
    if (!r.success) return { ok: false, error: r.error };
    const { pull_request: pr, label } = r.data;
    const text = r.data.action === 'labeled' || r.data.action === 'unlabeled' ? (label?.name ?? '') : (pr.body ?? '');
    return { ok: true, common: r.data, shaped: { number: pr.number, title: pr.title, text, isPullRequest: true } };
  },
};

/** Events that are expected and deliberately not acted on, with the reason the inspector shows. */
const KNOWN_UNHANDLED: Record<string, string> = {
  installation: 'GitHub App installation lifecycle event; nothing to run',
  installation_repositories: 'GitHub App installation lifecycle event; nothing to run',
  github_app_authorization: 'GitHub App authorization event; nothing to run',
};

export function parseDelivery(d: RawDelivery): ParsedDelivery {
  return neverThrow('github', d, parseGithub);
}

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

  const shape = own(SHAPES, name);
  if (!shape) return ignored(own(KNOWN_UNHANDLED, name) ?? `GitHub event "${name}" is not handled`, deliveryId, eventType);
  const parsed = shape(body);
  if (!parsed.ok) return ignored(`${eventType} payload is missing fields: ${describeIssues(parsed.error)}`, deliveryId, eventType);

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
    const parsed: unknown = JSON.parse(body.payload);
    return isRecord(parsed) ? parsed : null;
  } catch {
    return null;
  }
}
