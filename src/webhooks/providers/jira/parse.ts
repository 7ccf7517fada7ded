// Jira Cloud deliveries → ProviderEvent. No event header: the body's webhookEvent says what happened (PROTOCOLS.md §4).
// An issue update whose changelog assigns someone becomes 'jira:issue_assigned' with `assigneeAccountId` added to
// the payload, so rules and templates can tell "assigned to the agent" from any other edit.
import { z } from 'zod';
import {
  bodyObject,
  header,
  ignored,
  isRecord,
  missingFields,
  neverThrow,
  type ParsedDelivery,
  type ProviderEvent,
  type RawDelivery,
} from '../types.js';

/** Descriptions and comment bodies arrive as v2 strings (wiki markup) from admin webhooks, as ADF from some apps. */
const RichText = z.union([z.string(), z.looseObject({ type: z.string() })]).nullish();

const User = z.object({
  accountId: z.string().min(1),
  displayName: z.string().optional(),
  accountType: z.string().optional(),
});

const Issue = z.object({
  key: z.string().min(1),
  fields: z
    .object({ summary: z.string().optional(), description: RichText })
    .optional(),
});

const Envelope = z.object({ webhookEvent: z.string().min(1), user: User.nullish(), issue: Issue });
const CommentEvent = Envelope.extend({ comment: z.object({ body: RichText, author: User.nullish() }) });
const ChangelogItem = z.object({
  field: z.string().optional(),
  fieldId: z.string().optional(),
  to: z.string().nullish(),
});
const UpdatedEvent = Envelope.extend({
  changelog: z.object({ items: z.array(ChangelogItem) }).nullish(),
  issue: Issue.extend({
    fields: z
      .object({
        summary: z.string().optional(),
        description: RichText,
        assignee: z.object({ accountId: z.string() }).nullish(),
      })
      .optional(),
  }),
});

type JiraUser = z.infer<typeof User>;

export const parseDelivery = neverThrow('jira', parseJira);

function parseJira(d: RawDelivery): ParsedDelivery {
  const deliveryId = header(d, 'x-atlassian-webhook-identifier');
  const body = bodyObject(d);
  if (!body) return ignored('body is not a JSON object', deliveryId);
  const webhookEvent = typeof body.webhookEvent === 'string' && body.webhookEvent !== '' ? body.webhookEvent : null;
  if (!webhookEvent) return ignored('body has no webhookEvent field', deliveryId);

  if (webhookEvent.startsWith('comment_')) {
    const r = CommentEvent.safeParse(body);
    if (!r.success) return missingFields(webhookEvent, r.error, deliveryId, webhookEvent);
    const { issue, comment } = r.data;
    return event(webhookEvent, deliveryId, issue, richText(comment.body), comment.author ?? r.data.user ?? null, body);
  }

  if (webhookEvent === 'jira:issue_updated') {
    const r = UpdatedEvent.safeParse(body);
    if (!r.success) return missingFields(webhookEvent, r.error, deliveryId, webhookEvent);
    const { issue, changelog, user } = r.data;
    const assigneeChange = changelog?.items.find((item) => item.field === 'assignee' || item.fieldId === 'assignee');
    const description = richText(issue.fields?.description);
    // Unassigning (to: null) is an ordinary update; only a new assignee can be "the agent was assigned". The
    // changelog's `to` is not always an account id (Jira Server and some Cloud deliveries put the user name there),
    // so the issue's assignee, which is, comes first.
    const assigned = assigneeChange ? [issue.fields?.assignee?.accountId, assigneeChange.to] : [];
    const accountIds = [...new Set(assigned.filter((id): id is string => !!id).map(decodeAccountId))];
    if (accountIds.length) {
      const payload = { ...body, assigneeAccountId: accountIds[0] };
      const result = event('jira:issue_assigned', deliveryId, issue, description, user ?? null, payload);
      if (result.kind === 'event') result.event.addressedTo = { accountIds };
      return result;
    }
    return event(webhookEvent, deliveryId, issue, description, user ?? null, body);
  }

  if (webhookEvent.startsWith('jira:issue_')) {
    const r = Envelope.safeParse(body);
    if (!r.success) return missingFields(webhookEvent, r.error, deliveryId, webhookEvent);
    const { issue, user } = r.data;
    return event(webhookEvent, deliveryId, issue, richText(issue.fields?.description), user ?? null, body);
  }

  return ignored(`Jira event "${webhookEvent}" is not about an issue or comment`, deliveryId, webhookEvent);
}

function event(
  eventType: string,
  deliveryId: string | null,
  issue: z.infer<typeof Issue>,
  text: string,
  user: JiraUser | null,
  payload: unknown,
): ParsedDelivery {
  const summary = issue.fields?.summary;
  const e: ProviderEvent = {
    provider: 'jira',
    eventType,
    deliveryId,
    thread: issue.key,
    threadTitle: summary ? `${issue.key}: ${summary}` : issue.key,
    text,
    actor: user ? actorOf(user) : null,
    target: { provider: 'jira', issueKey: issue.key },
    payload,
  };
  return { kind: 'event', event: e };
}

function actorOf(user: JiraUser): NonNullable<ProviderEvent['actor']> {
  const id = decodeAccountId(user.accountId);
  // accountType 'app' is an Atlassian Connect/Forge app or automation identity, never a person.
  return { id, name: user.displayName ?? id, isBot: user.accountType === 'app' };
}

/** Some captured payloads carry the accountId URL-encoded ("557058%3A…"); account ids never contain '%'. */
function decodeAccountId(id: string): string {
  if (!id.includes('%')) return id;
  try {
    return decodeURIComponent(id);
  } catch {
    return id;
  }
}

function richText(value: unknown): string {
  if (typeof value === 'string') return value;
  return isRecord(value) ? adfToText(value).trim() : '';
}

/**
 * Atlassian Document Format → plain text the matcher can scan. Quotes and code keep their markers ('> ', fences)
 * so the matcher skips them as it does for Markdown, and mentions become the v2 form `[~accountid:ID]`.
 *
 * Written line by line in one pass: quoting a block's text after the fact would copy it once per level of nesting,
 * and anyone who can comment chooses the nesting.
 */
export function adfToText(node: Record<string, unknown>): string {
  const out = new LineWriter();
  writeAdf(node, out);
  return out.text();
}

function writeAdf(node: Record<string, unknown>, out: LineWriter): void {
  const children = Array.isArray(node.content) ? node.content.filter(isRecord) : [];
  const inner = () => children.forEach((child) => writeAdf(child, out));
  const attrs = isRecord(node.attrs) ? node.attrs : {};
  switch (node.type) {
    case 'text':
      if (typeof node.text === 'string') out.write(node.text);
      return;
    case 'hardBreak':
      return out.newline();
    case 'mention':
      if (typeof attrs.id === 'string') return out.write(`[~accountid:${attrs.id}]`);
      if (typeof attrs.text === 'string') out.write(attrs.text);
      return;
    case 'emoji':
      if (typeof attrs.text === 'string') out.write(attrs.text);
      return;
    case 'codeBlock':
      out.write('```\n');
      inner();
      out.write('\n```\n');
      return;
    case 'blockquote':
      return out.block('> ', inner);
    case 'listItem':
      return out.block('- ', inner);
    case 'paragraph':
    case 'heading':
      inner();
      return out.newline();
    default:
      return inner();
  }
}

/**
 * Text built line by line. A block (a quote, a list item) marks the lines written inside it: a quote's lines start
 * with "> " (at most three, however deep: the matcher only needs to know a line is quoted), a list item's first line
 * with "- "; leading and trailing blank lines inside a block are dropped.
 */
class LineWriter {
  private readonly lines: string[] = [];
  private readonly blank: boolean[] = [];
  private line: string[] = [];
  private lineHasText = false;
  private quotes = 0;
  /** Bullets of list items that have not written anything yet. */
  private bullets: string[] = [];

  write(text: string): void {
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      this.append(nl === -1 ? text.slice(from) : text.slice(from, nl));
      if (nl === -1) return;
      this.newline();
      from = nl + 1;
    }
  }

  newline(): void {
    if (this.bullets.length) return; // a list item's leading blank lines
    if (this.line.length === 0) this.line.push(this.prefix());
    this.lines.push(this.line.join(''));
    this.blank.push(!this.lineHasText);
    this.line = [];
    this.lineHasText = false;
  }

  block(marker: '> ' | '- ', write: () => void): void {
    const mark = this.lines.length;
    if (marker === '> ') this.quotes++;
    else this.bullets.push(marker);
    write();
    if (marker === '> ') this.quotes--;
    else if (this.bullets.length) this.bullets.pop(); // the item wrote nothing
    if (this.lineHasText) this.newline();
    else this.line = [];
    while (this.lines.length > mark && this.blank[this.blank.length - 1]) {
      this.lines.pop();
      this.blank.pop();
    }
  }

  text(): string {
    return this.lines.join('\n') + (this.lines.length ? '\n' : '') + this.line.join('');
  }

  private append(piece: string): void {
    if (this.bullets.length) piece = piece.trimStart();
    if (!piece) return;
    if (this.line.length === 0) this.line.push(this.prefix());
    if (this.bullets.length) {
      this.line.push(this.bullets.join(''));
      this.bullets = [];
    }
    this.line.push(piece);
    this.lineHasText = true;
  }

  private prefix(): string {
    return '> '.repeat(Math.min(this.quotes, 3));
  }
}
