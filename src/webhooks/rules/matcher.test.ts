import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as github from '../providers/github/parse.js';
import * as jira from '../providers/jira/parse.js';
import * as sentry from '../providers/sentry/parse.js';
import * as slack from '../providers/slack/parse.js';
import type { ParsedDelivery, ProviderEvent } from '../providers/types.js';
import { BUILTIN_RULE_SETS } from './builtin-commands.js';
import { findTrigger, maskUnscanned, matchCommand, matchRoute } from './matcher.js';
import { seeded } from './routes.js';
import type { MatchResult, Route, Rule } from './types.js';

const FIXTURES = new URL('../../../test/fixtures/', import.meta.url);
const fixture = (name: string) => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, any>;
const { github: GITHUB, slack: SLACK, jira: JIRA, sentry: SENTRY } = BUILTIN_RULE_SETS;

const SLACK_BOT = 'U0LAN0Z89';
const JIRA_BOT = '712020:agent-account';
const BOT_IDS = { botMentionIds: [SLACK_BOT, JIRA_BOT] };

function eventOf(parsed: ParsedDelivery): ProviderEvent {
  if (parsed.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(parsed)}`);
  return parsed.event;
}
function matched(result: MatchResult): Extract<MatchResult, { matched: true }> {
  if (!result.matched) throw new Error(`expected a match, got: ${result.reason}`);
  return result;
}
function notMatched(result: MatchResult): string {
  if (result.matched) throw new Error(`expected no match, got ${result.command.name}: ${result.explanation}`);
  return result.reason;
}

function githubComment(text: string): ProviderEvent {
  const body = fixture('github/issue_comment.created.json');
  body.comment.body = text;
  return eventOf(github.parseDelivery({ headers: { 'x-github-event': 'issue_comment', 'x-github-delivery': 'g1' }, rawBody: '', body }));
}
function githubEvent(name: string, file: string, edit: (body: Record<string, any>) => void = () => {}): ProviderEvent {
  const body = fixture(`github/${file}`);
  edit(body);
  return eventOf(github.parseDelivery({ headers: { 'x-github-event': name }, rawBody: '', body }));
}
function slackEvent(event: Record<string, unknown>): ProviderEvent {
  const body = fixture('slack/app_mention.json');
  body.event = event;
  return eventOf(slack.parseDelivery({ headers: {}, rawBody: '', body }));
}
function slashCommand(text: string): ProviderEvent {
  const raw = readFileSync(new URL('slack/slash_command.txt', FIXTURES), 'utf8').replace('text=&', `text=${encodeURIComponent(text)}&`);
  return eventOf(slack.parseDelivery({ headers: {}, rawBody: raw, body: Object.fromEntries(new URLSearchParams(raw)) }));
}
function button(actionId: string, value: string): ProviderEvent {
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
function jiraComment(text: string): ProviderEvent {
  const body = fixture('jira/comment_created.json');
  body.comment.body = text;
  return eventOf(jira.parseDelivery({ headers: {}, rawBody: '', body }));
}
function jiraAssigned(to: string, description?: string): ProviderEvent {
  const body = fixture('jira/jira_issue_created.json');
  body.webhookEvent = 'jira:issue_updated';
  body.changelog = { id: '1', items: [{ field: 'assignee', fieldtype: 'jira', fieldId: 'assignee', from: null, to }] };
  body.issue.fields.assignee = { accountId: to, displayName: 'Assignee' };
  if (description !== undefined) body.issue.fields.description = description;
  return eventOf(jira.parseDelivery({ headers: {}, rawBody: '', body }));
}
function sentryDelivery(resource: string, file: string): ProviderEvent {
  return eventOf(sentry.parseDelivery({ headers: { 'sentry-hook-resource': resource }, rawBody: '', body: fixture(`sentry/${file}`) }));
}

describe('trigger phrase', () => {
  it('selects the command named after the phrase', () => {
    const m = matched(matchCommand(githubComment('@agent plan the README fix'), GITHUB));
    expect(m).toMatchObject({ command: { name: 'plan' }, userContent: 'the README fix', newConversation: false, via: 'phrase' });
    expect(m.explanation).toBe('The text says "@agent", followed by "plan", so `plan` runs.');
  });

  it('is case-insensitive, for the phrase and the command', () => {
    expect(matched(matchCommand(githubComment('Hey @Agent FIX: the typo'), GITHUB))).toMatchObject({ command: { name: 'fix' }, userContent: 'the typo' });
  });

  it('only at a word boundary', () => {
    expect(notMatched(matchCommand(githubComment('@agents fix this'), GITHUB))).toMatch(/does not mention "@agent"/);
    expect(notMatched(matchCommand(githubComment('mail me@agent.io to fix it'), GITHUB))).toMatch(/does not mention/);
    expect(notMatched(matchCommand(githubComment('@agent-smith fix this'), GITHUB))).toMatch(/does not mention/);
    expect(matched(matchCommand(githubComment('thanks, @agent.'), GITHUB)).command.name).toBe('analyze');
  });

  it('does nothing without the phrase', () => {
    expect(notMatched(matchCommand(githubComment('please fix the typo'), GITHUB))).toBe(
      'The text does not mention "@agent" outside quoted lines and code.',
    );
  });

  it('accepts aliases and says so', () => {
    const m = matched(matchCommand(githubComment('@agent investigate why CI fails'), GITHUB));
    expect(m).toMatchObject({ command: { name: 'analyze' }, userContent: 'why CI fails' });
    expect(m.explanation).toMatch(/"investigate" \(an alias of `analyze`\)/);
  });

  it('falls back to the default command with the whole remainder as the request', () => {
    const m = matched(matchCommand(githubComment('@agent why does the build break on Windows?'), GITHUB));
    expect(m).toMatchObject({ command: { name: 'analyze' }, userContent: 'why does the build break on Windows?' });
    expect(m.explanation).toMatch(/"why" is not a command, so the default command `analyze` runs/);
    expect(matched(matchCommand(githubComment('@agent'), GITHUB))).toMatchObject({ command: { name: 'analyze' }, userContent: '' });
  });

  it('uses a configured phrase', () => {
    const ruleSet = { ...JIRA, triggerPhrase: '@bot' };
    // The documented comment_created sample says "@bot please investigate".
    const e = eventOf(jira.parseDelivery({ headers: {}, rawBody: '', body: fixture('jira/comment_created.json') }));
    expect(matched(matchCommand(e, ruleSet))).toMatchObject({ command: { name: 'analyze' }, userContent: 'please investigate' });
    expect(matchCommand(e, JIRA).matched).toBe(false);
  });

  it('keeps what follows the phrase, code blocks included', () => {
    const m = matched(matchCommand(githubComment('@agent fix this crash:\n```\nTypeError: x is undefined\n```'), GITHUB));
    expect(m.userContent).toBe('this crash:\n```\nTypeError: x is undefined\n```');
  });

  it('a help request is matched like any command', () => {
    expect(matched(matchCommand(githubComment('@agent help'), GITHUB)).command).toMatchObject({ name: 'help', action: 'help' });
  });
});

describe('quotes and code are not scanned', () => {
  it('quoting a bot reply does not re-trigger', () => {
    const reply = '> Done. Reply `@agent fix` to apply it.\n> @agent fix\n\nThanks, looks good!';
    expect(notMatched(matchCommand(githubComment(reply), GITHUB))).toMatch(/outside quoted lines and code/);
  });

  it('nor does a command shown in code', () => {
    expect(matchCommand(githubComment('Use `@agent review` on PRs'), GITHUB).matched).toBe(false);
    expect(matchCommand(githubComment('```\n@agent fix\n```'), GITHUB).matched).toBe(false);
    expect(matchCommand(githubComment('{code}@agent fix{code}'), GITHUB).matched).toBe(false);
  });

  it('a real trigger after a quote still counts', () => {
    const m = matched(matchCommand(githubComment('> @agent fix\n\n@agent plan instead'), GITHUB));
    expect(m).toMatchObject({ command: { name: 'plan' }, userContent: 'instead' });
  });

  it('Slack quotes arrive HTML-escaped', () => {
    expect(maskUnscanned('&gt; <@U0LAN0Z89> analyze\nok')).toBe(' '.repeat('&gt; <@U0LAN0Z89> analyze'.length) + '\nok');
    expect(findTrigger('&gt; <@U0LAN0Z89> analyze', '@agent', [SLACK_BOT])).toBeNull();
  });
});

describe('new conversation', () => {
  it('is flagged and removed from the request', () => {
    const m = matched(matchCommand(githubComment('@agent new conversation review the auth flow'), GITHUB));
    expect(m).toMatchObject({ command: { name: 'review' }, userContent: 'the auth flow', newConversation: true });
    const r = matched(matchCommand(githubComment('@agent review the auth flow in a new conversation'), GITHUB));
    expect(r).toMatchObject({ command: { name: 'review' }, userContent: 'the auth flow', newConversation: true });
    expect(r.explanation).toMatch(/starts a fresh conversation/);
  });

  it('before the command word', () => {
    const m = matched(matchCommand(githubComment('@agent New Conversation: plan the migration'), GITHUB));
    expect(m).toMatchObject({ command: { name: 'plan' }, userContent: 'the migration', newConversation: true });
  });
});

describe('Slack', () => {
  const mention = () => eventOf(slack.parseDelivery({ headers: {}, rawBody: '', body: fixture('slack/app_mention.json') }));

  it('a <@BOTID> mention counts as the trigger', () => {
    const m = matched(matchCommand(mention(), SLACK, BOT_IDS));
    expect(m).toMatchObject({ command: { name: 'analyze' }, userContent: 'is it everything a river should be?', via: 'phrase' });
    expect(m.explanation).toMatch(/^The text says "<@U0LAN0Z89>"/);
  });

  it('app_mention is addressed to the bot even when its id is not configured', () => {
    const m = matched(matchCommand(mention(), SLACK));
    expect(m).toMatchObject({ command: { name: 'analyze' }, userContent: 'is it everything a river should be?', via: 'addressed' });
  });

  it('the first word after the mention names the command', () => {
    const e = slackEvent({ type: 'app_mention', user: 'U1', channel: 'C1', ts: '1.1', text: '<@U0LAN0Z89> discover where invoices are sent' });
    expect(matched(matchCommand(e, SLACK, BOT_IDS))).toMatchObject({ command: { name: 'discover' }, userContent: 'where invoices are sent' });
  });

  it('a DM needs no phrase, and its entities are decoded in the request', () => {
    const e = slackEvent({ type: 'message', channel_type: 'im', user: 'U1', channel: 'D1', ts: '1.2', text: 'status of a &lt; b &amp;&amp; c' });
    expect(matched(matchCommand(e, SLACK))).toMatchObject({ command: { name: 'status' }, userContent: 'of a < b && c', via: 'addressed' });
  });

  it('slash commands are addressed to the bot', () => {
    expect(matched(matchCommand(slashCommand('discover the billing flow'), SLACK))).toMatchObject({
      command: { name: 'discover' },
      userContent: 'the billing flow',
    });
    expect(matched(matchCommand(slashCommand(''), SLACK))).toMatchObject({ command: { name: 'analyze' }, userContent: '' });
  });

  it('a channel message is not an event the Slack commands run on', () => {
    const e = slackEvent({ type: 'message', channel_type: 'channel', user: 'U1', channel: 'C1', ts: '1.3', text: '<@U0LAN0Z89> analyze' });
    expect(notMatched(matchCommand(e, SLACK, BOT_IDS))).toBe('No slack command runs on message.channels events.');
  });

  it('an Approve button runs approve with the button value', () => {
    const m = matched(matchCommand(button('approve', 'task_123'), SLACK));
    expect(m).toMatchObject({ command: { name: 'approve', action: 'approve' }, userContent: 'task_123', via: 'action' });
    expect(matched(matchCommand(button('reject', 'task_123'), SLACK)).command.action).toBe('reject');
  });

  it('other buttons never fall back to the default command', () => {
    expect(notMatched(matchCommand(button('open_dashboard', ''), SLACK))).toBe('The button "open_dashboard" does not name a command.');
    expect(notMatched(matchCommand(button('analyze', ''), SLACK))).toMatch(/`analyze` does not run on block_actions/);
  });
});

describe('Jira', () => {
  it('a comment with the phrase', () => {
    expect(matched(matchCommand(jiraComment('@agent plan the rollout'), JIRA))).toMatchObject({ command: { name: 'plan' }, userContent: 'the rollout' });
  });

  it('a mention of the agent’s account counts as the phrase', () => {
    const m = matched(matchCommand(jiraComment('[~accountid:712020:agent-account] discover the auth code'), JIRA, BOT_IDS));
    expect(m).toMatchObject({ command: { name: 'discover' }, userContent: 'the auth code' });
  });

  it('assignment to the agent runs analyze; to anyone else nothing', () => {
    const m = matched(matchCommand(jiraAssigned(JIRA_BOT), JIRA, BOT_IDS));
    expect(m).toMatchObject({ command: { name: 'analyze' }, userContent: '', via: 'auto' });
    expect(notMatched(matchCommand(jiraAssigned('557058:someone-else'), JIRA, BOT_IDS))).toBe(
      'This jira:issue_assigned event is addressed to 557058:someone-else, not to the agent.',
    );
    expect(notMatched(matchCommand(jiraAssigned(JIRA_BOT), JIRA))).toMatch(/account id is not configured/);
  });

  it('a phrase in the description of an issue assigned to someone else does not run', () => {
    expect(matchCommand(jiraAssigned('557058:someone-else', '@agent fix it'), JIRA, BOT_IDS).matched).toBe(false);
    // …but when the agent is the assignee, the phrase picks the command.
    expect(matched(matchCommand(jiraAssigned(JIRA_BOT, '@agent plan it'), JIRA, BOT_IDS))).toMatchObject({ command: { name: 'plan' }, via: 'phrase' });
  });
});

describe('auto triggers and event types', () => {
  it('Sentry alerts and new issues run analyze without a phrase', () => {
    const alert = matched(matchCommand(sentryDelivery('event_alert', 'event_alert_triggered.json'), SENTRY));
    expect(alert).toMatchObject({ command: { name: 'analyze' }, userContent: '', newConversation: false, via: 'auto' });
    expect(alert.explanation).toBe('`analyze` runs automatically on event_alert.triggered events; no trigger phrase is needed.');
    expect(matched(matchCommand(sentryDelivery('issue', 'issue_created.json'), SENTRY)).command.name).toBe('analyze');
  });

  it('events no command lists are not matched', () => {
    // Sentry comments carry commands (`@agent open a Jira ticket`), so a comment without the phrase is plain chatter.
    expect(notMatched(matchCommand(sentryDelivery('comment', 'comment_created.json'), SENTRY))).toBe(
      'The text does not mention "@agent" outside quoted lines and code.',
    );
    const edited = githubEvent('issue_comment', 'issue_comment.created.json', (b) => {
      b.action = 'edited';
      b.comment.body = '@agent fix';
    });
    expect(notMatched(matchCommand(edited, GITHUB))).toBe('No github command runs on issue_comment.edited events.');
  });

  it('a command does not match an event outside its triggers', () => {
    const opened = githubEvent('issues', 'issues.opened.json', (b) => (b.issue.body = '@agent review this please'));
    expect(notMatched(matchCommand(opened, GITHUB))).toBe(
      '`review` does not run on issues.opened events (it runs on issue_comment.created, pull_request_review_comment.created, pull_request_review.submitted, pull_request.opened).',
    );
    const approveOnIssue = githubEvent('issues', 'issues.opened.json', (b) => (b.issue.body = '@agent approve'));
    expect(matchCommand(approveOnIssue, GITHUB).matched).toBe(false);
  });

  it('a label event matches on the label’s name', () => {
    const labeled = (name: string) => githubEvent('issues', 'issues.labeled.json', (b) => (b.label.name = name));
    expect(matched(matchCommand(labeled('@agent fix'), GITHUB)).command.name).toBe('fix');
    expect(matchCommand(labeled('bug'), GITHUB).matched).toBe(false);
  });

  it('an inline review comment and a new PR body can ask for a review', () => {
    const inline = githubEvent('pull_request_review_comment', 'pull_request_review_comment.created.json', (b) => (b.comment.body = '@agent review this hunk'));
    expect(matched(matchCommand(inline, GITHUB))).toMatchObject({ command: { name: 'review' }, userContent: 'this hunk' });
    const pr = githubEvent('pull_request', 'pull_request.opened.json', (b) => (b.pull_request.body = 'Adds emoji.\n\n@agent review'));
    expect(matched(matchCommand(pr, GITHUB))).toMatchObject({ command: { name: 'review' }, userContent: '' });
  });
});

describe('matchRoute: one matcher for a built-in route and a user webhook', () => {
  const route = (rules: Rule[], addressing: Route['addressing'] = 'phrase'): Route => ({ ...GITHUB, webhookId: addressing === 'every' ? 'wh_1' : null, addressing, commands: rules });
  const event = (text: string) => ({ ...githubComment(text), headers: {} });
  const fix = seeded(GITHUB).find((c) => c.name === 'fix')!;

  it('a built-in route runs the one rule the request names, and says why each other one did not', () => {
    const m = matchRoute(event('@agent fix the typo'), route(seeded(GITHUB)));
    expect(m.matched.map((x) => [x.rule.name, x.userContent, x.via])).toEqual([['fix', 'the typo', 'phrase']]);
    expect(m.decisions.find((d) => d.command === 'plan')).toEqual({ command: 'plan', matched: false, why: 'the request names fix' });
  });

  it("a rule's conditions and its enabled flag count on a built-in route as on a user's webhook", () => {
    const guarded = { ...fix, source: 'user' as const, conditions: { path: 'event.actor.name', op: 'equals' as const, value: 'someone-else' } };
    const others = seeded(GITHUB).filter((c) => c.name !== 'fix');
    expect(matchRoute(event('@agent fix it'), route([...others, guarded])).reason).toMatch(/but its conditions do not hold/);
    const off = matchRoute(event('@agent fix it'), route([...others, { ...fix, enabled: false }]));
    expect(off.matched[0]?.rule.name).not.toBe('fix');
  });

  it('a user webhook runs every matching rule in priority order, without a trigger phrase', () => {
    const a = { ...fix, name: 'a', priority: 20, source: 'user' as const };
    const b = { ...fix, name: 'b', priority: 10, source: 'user' as const, stop_after_match: true };
    const m = matchRoute(event('no phrase here'), route([a, b], 'every'));
    expect(m.matched.map((x) => [x.rule.name, x.via])).toEqual([['b', 'event']]);
    expect(m.decisions.map((d) => d.command)).toEqual(['b', 'a']);
  });
});
