import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GITHUB_RULES as GITHUB_INPUT } from '../providers/github/rules.js';
import { JIRA_RULES as JIRA_INPUT } from '../providers/jira/rules.js';
import { SENTRY_RULES as SENTRY_INPUT } from '../providers/sentry/rules.js';
import { SLACK_RULES as SLACK_INPUT } from '../providers/slack/rules.js';
import { BUILTIN_RULE_SETS } from './builtin-commands.js';
import { loadRuleSet, renderTemplate } from './template.js';
import type { CommandSpec, RuleSet } from './types.js';

const FIXTURES = new URL('../../../test/fixtures/', import.meta.url);
const fixture = (name: string) => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, any>;
const slashFields = () => Object.fromEntries(new URLSearchParams(readFileSync(new URL('slack/slash_command.txt', FIXTURES), 'utf8')));

const names = (ruleSet: RuleSet) => ruleSet.commands.map((c) => c.name).sort();
const byName = (ruleSet: RuleSet, name: string): CommandSpec => ruleSet.commands.find((c) => c.name === name)!;
const eventsOf = (ruleSet: RuleSet) => [...new Set(ruleSet.commands.flatMap((c) => c.triggers))].sort();
const render = (command: CommandSpec, payload: unknown, provider: string, user_content = 'look at the login page') =>
  renderTemplate(command.template, { payload, user_content, provider, task_id: 'task_01J' });

// The tables as loaded: each rule with its defaults filled in (action, priority, enabled…).
const { github: GITHUB_RULES, jira: JIRA_RULES, slack: SLACK_RULES, sentry: SENTRY_RULES } = BUILTIN_RULE_SETS;

describe('built-in tables', () => {
  it('load cleanly', () => {
    for (const table of [GITHUB_INPUT, JIRA_INPUT, SLACK_INPUT, SENTRY_INPUT]) {
      const loaded = loadRuleSet(table);
      expect(loadRuleSet(loaded)).toEqual(loaded);
      expect(loaded.commands.every((c) => c.enabled && c.conditions === null && !c.stop_after_match)).toBe(true);
    }
    expect(Object.keys(BUILTIN_RULE_SETS).sort()).toEqual(['github', 'gitlab', 'jira', 'sentry', 'slack']);
  });

  it('have the commands and events of issue 3 (approve/reject wherever approval is asked for)', () => {
    expect(names(GITHUB_RULES)).toEqual(['address', 'analyze', 'approve', 'continue', 'fix', 'help', 'improve', 'plan', 'reject', 'review', 'ticket']);
    expect(eventsOf(GITHUB_RULES)).toEqual([
      'issue_comment.created',
      'issues.labeled',
      'issues.opened',
      'pull_request.opened',
      'pull_request_review.submitted',
      'pull_request_review_comment.created',
    ]);
    expect(names(JIRA_RULES)).toEqual(['analyze', 'approve', 'continue', 'discover', 'fix', 'help', 'plan', 'reject']);
    expect(eventsOf(JIRA_RULES)).toEqual(['comment_created', 'jira:issue_assigned']);
    expect(names(SLACK_RULES)).toEqual(['analyze', 'approve', 'continue', 'discover', 'help', 'reject', 'status', 'ticket']);
    expect(eventsOf(SLACK_RULES)).toEqual(['app_mention', 'block_actions', 'message.im', 'slash_command']);
    expect(names(SENTRY_RULES)).toEqual(['analyze', 'continue', 'help', 'ticket']);
    expect(SENTRY_RULES.autoTriggers).toEqual({ 'event_alert.triggered': 'analyze', 'issue.created': 'analyze' });
  });

  it('help answers from the table and approve/reject act on waiting tasks: properties of the rule, not its name', () => {
    for (const table of [GITHUB_RULES, JIRA_RULES, SLACK_RULES]) {
      expect(byName(table, 'help')).toMatchObject({ action: 'help', agent: null, template: '' });
      expect(byName(table, 'approve')).toMatchObject({ action: 'approve', needs_approval: false });
      expect(byName(table, 'reject')).toMatchObject({ action: 'reject', needs_approval: false });
    }
    expect(byName(SLACK_RULES, 'status')).toMatchObject({ action: 'status', template: '' });
    expect(byName(GITHUB_RULES, 'fix')).toMatchObject({ action: 'create_task', needs_approval: 'non-maintainers' });
  });
});

describe('permissions', () => {
  const all = [GITHUB_RULES, JIRA_RULES, SLACK_RULES, SENTRY_RULES].flatMap((t) => t.commands.map((c) => [t.provider, c] as const));
  const MUTATING = /^Bash\((?:npm|npx|pytest|go|cargo|rm|mv|cp|git (?:push|commit|checkout|reset|add))/;

  it('read-only commands cannot edit and run only read-only shell commands', () => {
    const readOnly = all.filter(([, c]) => ['analyze', 'plan', 'review', 'discover', 'status'].includes(c.name));
    expect(readOnly.length).toBe(10);
    for (const [provider, c] of readOnly) {
      const label = `${provider} ${c.name}`;
      expect(c.permissions.permission_mode, label).toBe('default');
      // A review may write its findings file (posted as line comments), and nothing else: default mode refuses
      // every other write in -p runs, Edit(path) rules being the only way file paths are allowed.
      const writes = c.name === 'review' && provider === 'github' ? ['NotebookEdit'] : ['Edit', 'Write', 'NotebookEdit'];
      expect(c.permissions.disallowed_tools, label).toEqual(expect.arrayContaining(writes));
      expect(c.permissions.allowed_tools?.filter((t) => t.startsWith('Edit(')), label).toEqual(writes.length === 1 ? ['Edit(./.agent/review.json)'] : []);
      expect(c.permissions.allowed_tools?.filter((t) => MUTATING.test(t) || t === 'Edit' || t === 'Write' || t === 'Bash'), label).toEqual([]);
      expect(c.needs_approval, label).toBe(false);
    }
  });

  it('fix, improve and address may edit and run tests, and wait for approval unless a maintainer asks', () => {
    const editing = all.filter(([, c]) => c.name === 'fix' || c.name === 'improve' || c.name === 'address');
    expect(editing.map(([p, c]) => `${p} ${c.name}`)).toEqual(['github fix', 'github improve', 'github address', 'jira fix']);
    for (const [, c] of editing) {
      expect(c.permissions.permission_mode).toBe('acceptEdits');
      expect(c.permissions.allowed_tools).toEqual(expect.arrayContaining(['Edit', 'Write', 'Bash(npm test:*)', 'Bash(git diff:*)', 'Bash(git status:*)']));
      expect(c.permissions.allowed_tools).not.toContain('Bash');
      expect(c.permissions.disallowed_tools).toContain('Bash(git push:*)');
      expect(c.needs_approval).toBe('non-maintainers');
    }
  });
});

describe('templates render against the sample payloads', () => {
  const noBraces = (text: string) => expect(text).not.toMatch(/\{\{|\}\}/);

  it('GitHub review of a new pull request', () => {
    const out = render(byName(GITHUB_RULES, 'review'), fixture('github/pull_request.opened.json'), 'github');
    noBraces(out);
    expect(out).toContain('Review pull request Codertocat/Hello-World#2: "Update the README with new information."');
    expect(out).toContain('https://github.com/Codertocat/Hello-World/pull/2');
    expect(out).toContain('Branch changes into master');
    expect(out).toContain('Request from @Codertocat: look at the login page');
  });

  it('GitHub review of an inline comment names the file and line', () => {
    const out = render(byName(GITHUB_RULES, 'review'), fixture('github/pull_request_review_comment.created.json'), 'github');
    noBraces(out);
    expect(out).toContain('Codertocat/Hello-World#2');
    expect(out).toContain('README.md 265');
  });

  it('every GitHub command on every sample payload of its events', () => {
    const samples: Record<string, string> = {
      'issue_comment.created': 'github/issue_comment.created.json',
      'pull_request_review_comment.created': 'github/pull_request_review_comment.created.json',
      'pull_request_review.submitted': 'github/pull_request_review.submitted.json',
      'issues.opened': 'github/issues.opened.json',
      'issues.labeled': 'github/issues.labeled.json',
      'pull_request.opened': 'github/pull_request.opened.json',
    };
    for (const command of GITHUB_RULES.commands.filter((c) => c.template !== '')) {
      for (const eventType of command.triggers) {
        const payload = fixture(samples[eventType]!);
        const out = render(command, payload, 'github');
        noBraces(out);
        const number = payload.issue?.number ?? payload.pull_request?.number;
        expect(out, `${command.name} on ${eventType}`).toContain(`Codertocat/Hello-World#${number}`);
      }
    }
  });

  it('Jira commands on a comment and on an assignment', () => {
    const comment = fixture('jira/comment_created.json');
    const assigned = { ...fixture('jira/jira_issue_created.json'), webhookEvent: 'jira:issue_updated', assigneeAccountId: '712020:agent' };
    for (const command of JIRA_RULES.commands.filter((c) => c.template !== '')) {
      const onComment = render(command, comment, 'jira');
      noBraces(onComment);
      expect(onComment).toContain('Jira issue PROJ-5: "Test issue" (status: Open)');
      expect(onComment).toContain('Request from Commenter: look at the login page');
      const onAssign = render(command, assigned, 'jira', '');
      noBraces(onAssign);
      expect(onAssign).toContain('PI-1: "Migrate Infra to Cloud" (status: To Do)');
      expect(onAssign).toContain('We need to migrate our current infrastructure');
    }
  });

  it('Slack commands on a mention and a slash command', () => {
    for (const command of SLACK_RULES.commands.filter((c) => c.template !== '')) {
      const mention = render(command, fixture('slack/app_mention.json'), 'slack');
      noBraces(mention);
      expect(mention).toContain('A Slack user (<@U061F7AUR>) asks: look at the login page');
      expect(render(command, slashFields(), 'slack')).toContain('(<@U2CERLKJA>)');
    }
  });

  it('Sentry analyze on an alert and on a new issue', () => {
    const analyze = byName(SENTRY_RULES, 'analyze');
    const alert = render(analyze, fixture('sentry/event_alert_triggered.json'), 'sentry', '');
    noBraces(alert);
    expect(alert).toContain('Sentry reported: ReferenceError: heck is not defined');
    expect(alert).toContain('Culprit: ?(<anonymous>); level: error; platform: javascript');
    expect(alert).toContain('Link: https://sentry.io/organizations/test-org/issues/1117540176/events/e4874d664c3540c1a32eab185f12c5ab/');
    expect(alert).toContain('Alert rule: Very Important Alert Rule!');
    expect(alert).toContain('"filename":"/js/prod/runner-4.1.7.min.js"');

    const issue = render(analyze, fixture('sentry/issue_created.json'), 'sentry', '');
    noBraces(issue);
    expect(issue).toContain('Sentry reported: ReferenceError: blooopy is not defined');
    expect(issue).toContain('Culprit: ?(runner); level: error; platform: javascript');
  });
});
