// Slack's built-in commands: on mentions, direct messages and the slash command; approval buttons.
import {
  approvalCommands,
  continueCommand,
  DEFAULT_TRIGGER_PHRASE,
  help,
  NO_RUN,
  READ_ONLY,
  ticketCommand,
} from '../../rules/command-kits.js';
import type { RuleSetInput } from '../../rules/types.js';

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
