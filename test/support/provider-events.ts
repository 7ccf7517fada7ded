// Provider events for the matcher's unit tests (src/webhooks/rules/matcher*.test.ts): a fixture from
// test/fixtures/<provider>/ with the text or field a test changes, parsed by the provider's own parser.
import { readFileSync } from 'node:fs';
import * as github from '../../src/webhooks/providers/github/parse.js';
import * as jira from '../../src/webhooks/providers/jira/parse.js';
import * as sentry from '../../src/webhooks/providers/sentry/parse.js';
import * as slack from '../../src/webhooks/providers/slack/parse.js';
import type { ParsedDelivery, ProviderEvent } from '../../src/webhooks/providers/types.js';
import { BUILTIN_RULE_SETS } from '../../src/webhooks/rules/builtin-commands.js';
import type { MatchResult } from '../../src/webhooks/rules/types.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);
export const fixture = (name: string) => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, any>;
/** The built-in tables as loaded. */
export const { github: GITHUB, slack: SLACK, jira: JIRA, sentry: SENTRY } = BUILTIN_RULE_SETS;

export const SLACK_BOT = 'U0LAN0Z89';
export const JIRA_BOT = '712020:agent-account';
export const BOT_IDS = { botMentionIds: [SLACK_BOT, JIRA_BOT] };

export function eventOf(parsed: ParsedDelivery): ProviderEvent {
  if (parsed.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(parsed)}`);
  return parsed.event;
}
export function matched(result: MatchResult): Extract<MatchResult, { matched: true }> {
  if (!result.matched) throw new Error(`expected a match, got: ${result.reason}`);
  return result;
}
export function notMatched(result: MatchResult): string {
  if (result.matched) throw new Error(`expected no match, got ${result.command.name}: ${result.explanation}`);
  return result.reason;
}

export function githubComment(text: string): ProviderEvent {
  const body = fixture('github/issue_comment.created.json');
  body.comment.body = text;
  return eventOf(github.parseDelivery({ headers: { 'x-github-event': 'issue_comment', 'x-github-delivery': 'g1' }, rawBody: '', body }));
}
export function githubEvent(name: string, file: string, edit: (body: Record<string, any>) => void = () => {}): ProviderEvent {
  const body = fixture(`github/${file}`);
  edit(body);
  return eventOf(github.parseDelivery({ headers: { 'x-github-event': name }, rawBody: '', body }));
}
export function slackEvent(event: Record<string, unknown>): ProviderEvent {
  const body = fixture('slack/app_mention.json');
  body.event = event;
  return eventOf(slack.parseDelivery({ headers: {}, rawBody: '', body }));
}
export function slashCommand(text: string): ProviderEvent {
  const raw = readFileSync(new URL('slack/slash_command.txt', FIXTURES), 'utf8').replace('text=&', `text=${encodeURIComponent(text)}&`);
  return eventOf(slack.parseDelivery({ headers: {}, rawBody: raw, body: Object.fromEntries(new URLSearchParams(raw)) }));
}
export function button(actionId: string, value: string): ProviderEvent {
  const payload = {
    type: 'block_actions',
    user: { id: 'U0CA5', username: 'amy' },
    trigger_id: 't1',
    channel: { id: 'C0CA5' },
    message: { ts: '1548261231.000200', thread_ts: '1548261230.000100' },
    actions: [{ action_id: actionId, block_id: 'approval', value, type: 'button' }],
  };
  return eventOf(slack.parseDelivery({ headers: {}, rawBody: '', body: { payload: JSON.stringify(payload) } }));
}
export function jiraComment(text: string): ProviderEvent {
  const body = fixture('jira/comment_created.json');
  body.comment.body = text;
  return eventOf(jira.parseDelivery({ headers: {}, rawBody: '', body }));
}
export function jiraAssigned(to: string, description?: string): ProviderEvent {
  const body = fixture('jira/jira_issue_created.json');
  body.webhookEvent = 'jira:issue_updated';
  body.changelog = { id: '1', items: [{ field: 'assignee', fieldtype: 'jira', fieldId: 'assignee', from: null, to }] };
  body.issue.fields.assignee = { accountId: to, displayName: 'Assignee' };
  if (description !== undefined) body.issue.fields.description = description;
  return eventOf(jira.parseDelivery({ headers: {}, rawBody: '', body }));
}
export function sentryDelivery(resource: string, file: string): ProviderEvent {
  return eventOf(sentry.parseDelivery({ headers: { 'sentry-hook-resource': resource }, rawBody: '', body: fixture(`sentry/${file}`) }));
}
