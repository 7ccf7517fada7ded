// The built-in command tables, one rule set per provider (issue 3, items 4 and 8). Plain data, checked by
// loadRuleSet like any user-defined table. Agents are the ones shipped in agent-home/.claude/agents. Read-only
// commands cannot edit files and may run only read-only shell commands; fix and improve may edit and run tests, and
// wait for approval unless a maintainer asked.
import { GITLAB_RULES } from '../providers/gitlab/rules.js';
import {
  analyzeCommand,
  approvalCommands,
  continueCommand,
  DEFAULT_TRIGGER_PHRASE,
  EDIT_AND_TEST,
  fixCommand,
  help,
  improveCommand,
  NO_RUN,
  planCommand,
  READ_ONLY,
  REVIEW_ONLY,
  ticketCommand,
} from './command-kits.js';
import { loadRuleSet } from './template.js';
import type { RuleSet, RuleSetInput } from './types.js';

export { DEFAULT_TRIGGER_PHRASE, EDIT_AND_TEST, READ_ONLY } from './command-kits.js';

// ---- GitHub ----

// A review's summary is written by a person like any comment ("@agent review" when submitting a review).
const GITHUB_COMMENTS = ['issue_comment.created', 'pull_request_review_comment.created', 'pull_request_review.submitted'];
const GITHUB_ALL = [...GITHUB_COMMENTS, 'issues.opened', 'issues.labeled', 'pull_request.opened'];
const GITHUB_PR = [...GITHUB_COMMENTS, 'pull_request.opened'];

// One command serves issue comments (issue.*), review comments and PR events (pull_request.*): `a || b` takes
// whichever the event has.
const GITHUB_SUBJECT =
  '{{repository.full_name}}#{{issue.number || pull_request.number}}: "{{issue.title || pull_request.title}}"\n' +
  '{{issue.html_url || pull_request.html_url}}\n\n' +
  '{{issue.body || pull_request.body}}\n';
const GITHUB_REQUEST = '\nRequest from @{{sender.login}}: {{user_content}}\n';
const GITHUB_INLINE =
  'Inline comment location (blank for conversation comments): {{comment.path}} {{comment.line || comment.original_line}}\n';

export const GITHUB_RULES: RuleSetInput = {
  provider: 'github',
  triggerPhrase: DEFAULT_TRIGGER_PHRASE,
  defaultCommand: 'analyze',
  autoTriggers: {},
  commands: [
    analyzeCommand(GITHUB_ALL, 'github-issue-handler', `GitHub issue ${GITHUB_SUBJECT}${GITHUB_REQUEST}\n`),
    planCommand(GITHUB_ALL, 'planning', `GitHub issue ${GITHUB_SUBJECT}${GITHUB_REQUEST}\n`),
    fixCommand(GITHUB_ALL, `GitHub issue ${GITHUB_SUBJECT}${GITHUB_REQUEST}${GITHUB_INLINE}\n`),
    {
      name: 'review',
      aliases: ['cr'],
      description: 'Review the pull request: correctness, tests, security, readability. Changes nothing.',
      triggers: GITHUB_PR,
      agent: 'github-pr-review',
      template:
        'Review pull request {{repository.full_name}}#{{pull_request.number || issue.number}}: ' +
        '"{{pull_request.title || issue.title}}"\n{{pull_request.html_url || issue.html_url}}\n' +
        'Branch {{pull_request.head.ref}} into {{pull_request.base.ref}}\n\n{{pull_request.body || issue.body}}\n' +
        `${GITHUB_REQUEST}${GITHUB_INLINE}\n` +
        'Read the change (git diff against the base branch) and the code around it. Do not change files. Report ' +
        'problems by file and line, most serious first: bugs, missing tests, security, then readability.\n' +
        'Also write your findings to .agent/review.json as {"summary": "…", "comments": [{"path": "src/a.ts", ' +
        '"line": 12, "body": "…"}]} (line: in the new version of the file): they are posted as line comments.',
      permissions: REVIEW_ONLY,
      needs_approval: false,
    },
    improveCommand(GITHUB_ALL, `GitHub ${GITHUB_SUBJECT}${GITHUB_REQUEST}${GITHUB_INLINE}\n`),
    {
      name: 'address',
      aliases: ['apply'],
      description: 'Address the review of the pull request: change the code as the reviewers asked and run the tests.',
      triggers: GITHUB_PR,
      agent: 'executor',
      template:
        'Address the review of pull request {{repository.full_name}}#{{pull_request.number || issue.number}}: ' +
        '"{{pull_request.title || issue.title}}"\n{{pull_request.html_url || issue.html_url}}\n' +
        `${GITHUB_REQUEST}${GITHUB_INLINE}\n` +
        'Make the changes the review asks for, keep the change focused, and run the tests. Do not push. Finish with ' +
        'a summary of what changed for each review point.',
      permissions: EDIT_AND_TEST,
      needs_approval: 'non-maintainers',
    },
    ticketCommand(GITHUB_COMMENTS, `GitHub ${GITHUB_SUBJECT}${GITHUB_REQUEST}`),
    continueCommand(GITHUB_COMMENTS),
    ...approvalCommands(GITHUB_COMMENTS),
    help(GITHUB_ALL),
  ],
};

// ---- Jira ----

const JIRA_EVENTS = ['comment_created', 'jira:issue_assigned'];
const JIRA_SUBJECT =
  'Jira issue {{issue.key}}: "{{issue.fields.summary}}" (status: {{issue.fields.status.name}})\n\n' +
  '{{issue.fields.description}}\n\n' +
  'Request from {{comment.author.displayName || user.displayName}}: {{user_content}}\n\n';

export const JIRA_RULES: RuleSetInput = {
  provider: 'jira',
  triggerPhrase: DEFAULT_TRIGGER_PHRASE,
  defaultCommand: 'analyze',
  // Only fires when the assignee is the agent's own account (the matcher checks addressedTo against botMentionIds).
  autoTriggers: { 'jira:issue_assigned': 'analyze' },
  commands: [
    analyzeCommand(JIRA_EVENTS, 'planning', JIRA_SUBJECT),
    planCommand(JIRA_EVENTS, 'jira-code-plan', JIRA_SUBJECT),
    fixCommand(JIRA_EVENTS, JIRA_SUBJECT),
    {
      name: 'discover',
      aliases: ['explore', 'find'],
      description: 'Find where something lives in the code and how it fits together. Changes nothing.',
      triggers: JIRA_EVENTS,
      agent: 'planning',
      template:
        `For ${JIRA_SUBJECT}` +
        'Find the code this concerns: the files, entry points and data flow involved, with file paths and a short ' +
        'explanation of how they connect. Do not change files.',
      permissions: READ_ONLY,
      needs_approval: false,
    },
    continueCommand(['comment_created']),
    ...approvalCommands(['comment_created']),
    help(['comment_created']),
  ],
};

// ---- Slack ----

const SLACK_EVENTS = ['app_mention', 'message.im', 'slash_command'];
const SLACK_REQUEST = 'A Slack user (<@{{event.user || user_id}}>) asks: {{user_content}}\n\n';

export const SLACK_RULES: RuleSetInput = {
  provider: 'slack',
  triggerPhrase: DEFAULT_TRIGGER_PHRASE,
  defaultCommand: 'analyze',
  autoTriggers: {},
  commands: [
    help(SLACK_EVENTS),
    {
      name: 'analyze',
      aliases: ['analyse', 'investigate', 'ask'],
      description: 'Answer a question or investigate a problem using the code. Changes nothing.',
      triggers: SLACK_EVENTS,
      agent: 'slack-inquiry',
      template:
        SLACK_REQUEST +
        'Investigate using the code in this repository. Do not change files. Answer briefly for Slack: the answer ' +
        'first, then the evidence (files and lines).',
      permissions: READ_ONLY,
      needs_approval: false,
    },
    {
      name: 'discover',
      aliases: ['explore', 'find'],
      description: 'Find where something lives in the code and how it fits together. Changes nothing.',
      triggers: SLACK_EVENTS,
      agent: 'slack-inquiry',
      template:
        SLACK_REQUEST +
        'Find the code this concerns: the files, entry points and data flow involved, with file paths and a short ' +
        'explanation of how they connect. Do not change files. Keep it short enough for Slack.',
      permissions: READ_ONLY,
      needs_approval: false,
    },
    {
      name: 'status',
      aliases: ['progress'],
      description: "Report the agent's queue: tasks running, queued and waiting for approval. Answered at once, without a model run.",
      triggers: SLACK_EVENTS,
      agent: null,
      template: '',
      permissions: NO_RUN,
      needs_approval: false,
      action: 'status',
    },
    ticketCommand(SLACK_EVENTS, SLACK_REQUEST),
    continueCommand(SLACK_EVENTS),
    // Buttons on the approval message send block_actions whose action_id is the command name.
    ...approvalCommands([...SLACK_EVENTS, 'block_actions']),
  ],
};

// ---- Sentry ----

const SENTRY_EVENTS = ['event_alert.triggered', 'issue.created'];
// A comment on the Sentry issue ("@agent open a Jira ticket") is a command in the thread.
const SENTRY_COMMENTS = ['comment.created'];

export const SENTRY_RULES: RuleSetInput = {
  provider: 'sentry',
  triggerPhrase: DEFAULT_TRIGGER_PHRASE,
  defaultCommand: 'analyze',
  autoTriggers: { 'event_alert.triggered': 'analyze', 'issue.created': 'analyze' },
  commands: [
    {
      name: 'analyze',
      aliases: ['analyse', 'investigate'],
      description: 'Find the cause of the Sentry error in the code and suggest a fix. Changes nothing.',
      triggers: [...SENTRY_EVENTS, ...SENTRY_COMMENTS],
      agent: 'planning',
      // event_alert.triggered carries data.event; issue.created carries data.issue.
      template:
        'Sentry reported: {{data.event.title || data.issue.title}}\n' +
        'Culprit: {{data.event.culprit || data.issue.culprit}}; level: {{data.event.level || data.issue.level}}; ' +
        'platform: {{data.event.platform || data.issue.platform}}\n' +
        'Link: {{data.event.web_url || data.issue.web_url || data.issue.permalink}}\n' +
        'Alert rule: {{data.triggered_rule}}\n' +
        'Stack frames (JSON, innermost last): {{data.event.exception.values.0.stacktrace.frames}}\n' +
        '{{user_content}}\n\n' +
        'Find the cause in this repository. Do not change files. Answer with the cause, where it is (files and ' +
        'lines), and a suggested fix.',
      permissions: READ_ONLY,
      needs_approval: false,
    },
    ticketCommand(
      SENTRY_COMMENTS,
      'Sentry issue {{data.issue_id}}; the analysis of its alert earlier in this conversation is the starting point.\n' +
        'Request from {{actor.name}}: {{user_content}}\n',
    ),
    continueCommand(SENTRY_COMMENTS),
    help(SENTRY_COMMENTS),
  ],
};

/** The built-in rule sets by provider, each checked by loadRuleSet when this module loads. */
export const BUILTIN_RULE_SETS: Readonly<Record<'github' | 'jira' | 'slack' | 'sentry' | 'gitlab', RuleSet>> = {
  github: loadRuleSet(GITHUB_RULES),
  jira: loadRuleSet(JIRA_RULES),
  slack: loadRuleSet(SLACK_RULES),
  sentry: loadRuleSet(SENTRY_RULES),
  gitlab: GITLAB_RULES, // checked in its folder, against GitLab's payload fields
};
