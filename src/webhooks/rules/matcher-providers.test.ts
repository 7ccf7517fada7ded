// The matcher on each provider's own events: Slack mentions, DMs, slash commands and buttons; Jira comments and
// assignments; Sentry alerts; GitHub's event types. The phrase, quotes and matchRoute are in matcher.test.ts.
import { describe, expect, it } from 'vitest';
import {
  BOT_IDS,
  button,
  eventOf,
  fixture,
  GITHUB,
  githubEvent,
  JIRA,
  JIRA_BOT,
  jiraAssigned,
  jiraComment,
  matched,
  notMatched,
  SENTRY,
  sentryDelivery,
  SLACK,
  slackEvent,
  slashCommand,
} from '../../../test/support/provider-events.js';
import * as slack from '../providers/slack/parse.js';
import { matchCommand } from './matcher.js';

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
