// Sentry's built-in commands: an alert or a new issue is analysed at once; comments on the issue carry commands.
import {
  continueCommand,
  DEFAULT_TRIGGER_PHRASE,
  help,
  READ_ONLY,
  ticketCommand,
} from '../../rules/command-kits.js';
import type { RuleSetInput } from '../../rules/types.js';

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
