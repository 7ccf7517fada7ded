// Jira's built-in commands: on comments and on an issue assigned to the agent's account.
import {
  analyzeCommand,
  approvalCommands,
  continueCommand,
  DEFAULT_TRIGGER_PHRASE,
  fixCommand,
  help,
  planCommand,
  READ_ONLY,
} from '../../rules/command-kits.js';
import type { RuleSetInput } from '../../rules/types.js';

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
