// GitLab's built-in commands: the same as GitHub's, on notes written on issues and merge requests. A note is
// addressed by the trigger phrase (`@agent review`); an edited note ('…_note.update') runs nothing, so correcting a
// typo in an old comment does not start a second run.
import {
  analyzeCommand,
  approvalCommands,
  DEFAULT_TRIGGER_PHRASE,
  fixCommand,
  help,
  improveCommand,
  planCommand,
  READ_ONLY,
} from '../../rules/command-kits.js';
import { loadRuleSet } from '../../rules/template.js';
import type { RuleSet } from '../../rules/types.js';
import { GITLAB_PAYLOAD_ROOTS } from './parse.js';

const NOTES = ['issue_note.create', 'merge_request_note.create'];
const MR_NOTES = ['merge_request_note.create'];

const SUBJECT =
  '{{project.path_with_namespace}} {{object_attributes.noteable_type}} {{issue.iid || merge_request.iid}}: ' +
  '"{{issue.title || merge_request.title}}"\n{{object_attributes.url}}\n\n{{issue.description || merge_request.description}}\n';
const REQUEST = '\nRequest from @{{user.username}}: {{user_content}}\n';
/** What analyze, plan, fix and improve are about: the note's issue or merge request and the request. */
const ABOUT = `GitLab ${SUBJECT}${REQUEST}\n`;

export const GITLAB_RULES: RuleSet = loadRuleSet(
  {
    provider: 'gitlab',
    triggerPhrase: DEFAULT_TRIGGER_PHRASE,
    defaultCommand: 'analyze',
    autoTriggers: {},
    commands: [
      analyzeCommand(NOTES, 'planning', ABOUT),
      planCommand(NOTES, 'planning', ABOUT),
      fixCommand(NOTES, ABOUT),
      {
        name: 'review',
        aliases: ['cr'],
        description: 'Review the merge request: correctness, tests, security, readability. Changes nothing.',
        triggers: MR_NOTES,
        // The shipped reviewer agent is written for GitHub (gh, pull/<n>/head); the prompt here says all it needs.
        agent: null,
        template:
          'Review GitLab merge request {{project.path_with_namespace}}!{{merge_request.iid}}: "{{merge_request.title}}"\n' +
          '{{object_attributes.url}}\nBranch {{merge_request.source_branch}} into {{merge_request.target_branch}}\n\n' +
          `{{merge_request.description}}\n${REQUEST}\n` +
          'The merge request is checked out. Read the change (git diff against the target branch) and the code around ' +
          'it. Do not change files. Report problems by file and line, most serious first: bugs, missing tests, ' +
          'security, then readability.',
        permissions: READ_ONLY,
        needs_approval: false,
      },
      improveCommand(NOTES, ABOUT),
      ...approvalCommands(NOTES),
      help(NOTES),
    ],
  },
  { knownRoots: GITLAB_PAYLOAD_ROOTS },
);
