// GitLab's built-in commands: the same as GitHub's, on notes written on issues and merge requests. A note is
// addressed by the trigger phrase (`@agent review`); an edited note ('…_note.update') runs nothing, so correcting a
// typo in an old comment does not start a second run.
import { approvalCommands, DEFAULT_TRIGGER_PHRASE, EDIT_AND_TEST, help, READ_ONLY } from '../../rules/command-kits.js';
import { loadRuleSet } from '../../rules/template.js';
import type { RuleSet } from '../../rules/types.js';
import { GITLAB_PAYLOAD_ROOTS } from './parse.js';


const NOTES = ['issue_note.create', 'merge_request_note.create'];
const MR_NOTES = ['merge_request_note.create'];

const SUBJECT =
  '{{project.path_with_namespace}} {{object_attributes.noteable_type}} {{issue.iid || merge_request.iid}}: ' +
  '"{{issue.title || merge_request.title}}"\n{{object_attributes.url}}\n\n{{issue.description || merge_request.description}}\n';
const REQUEST = '\nRequest from @{{user.username}}: {{user_content}}\n';
const NO_PUSH = 'Do not push. Finish with a summary of the change and the test results.';

export const GITLAB_RULES: RuleSet = loadRuleSet(
  {
    provider: 'gitlab',
    triggerPhrase: DEFAULT_TRIGGER_PHRASE,
    defaultCommand: 'analyze',
    autoTriggers: {},
    commands: [
      {
        name: 'analyze',
        aliases: ['analyse', 'investigate'],
        description: 'Investigate the issue in the code and explain the cause. Changes nothing.',
        triggers: NOTES,
        agent: 'planning',
        template: `Analyze GitLab ${SUBJECT}${REQUEST}\nInvestigate the code in this repository. Do not change files. Answer with what happens, why, where (files and lines), and what you would do next.`,
        permissions: READ_ONLY,
        needs_approval: false,
      },
      {
        name: 'plan',
        aliases: ['design'],
        description: 'Write an implementation plan: steps, files, tests, risks. Changes nothing.',
        triggers: NOTES,
        agent: 'planning',
        template: `Plan the work for GitLab ${SUBJECT}${REQUEST}\nRead the relevant code. Do not change files. Give numbered steps naming the files to change, the tests to add or update, and the risks.`,
        permissions: READ_ONLY,
        needs_approval: false,
      },
      {
        name: 'fix',
        aliases: ['implement'],
        description: 'Change the code to fix the issue and run the tests.',
        triggers: NOTES,
        agent: 'executor',
        template: `Fix GitLab ${SUBJECT}${REQUEST}\nMake the smallest change that fixes it, add or update a test, and run the tests. ${NO_PUSH}`,
        permissions: EDIT_AND_TEST,
        needs_approval: 'non-maintainers',
      },
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
      {
        name: 'improve',
        aliases: ['refactor'],
        description: 'Improve the code as asked (refactor, tests, docs) and run the tests.',
        triggers: NOTES,
        agent: 'executor',
        template: `Improve the code for GitLab ${SUBJECT}${REQUEST}\nKeep behaviour unchanged unless the request says otherwise, keep the change focused, and run the tests. ${NO_PUSH}`,
        permissions: EDIT_AND_TEST,
        needs_approval: 'non-maintainers',
      },
      ...approvalCommands(NOTES),
      help(NOTES),
    ],
  },
  { knownRoots: GITLAB_PAYLOAD_ROOTS },
);
