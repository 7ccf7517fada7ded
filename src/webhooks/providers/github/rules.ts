// GitHub's built-in commands: on issues, pull requests, their comments and review comments.
import {
  analyzeCommand,
  approvalCommands,
  continueCommand,
  DEFAULT_TRIGGER_PHRASE,
  EDIT_AND_TEST,
  fixCommand,
  help,
  improveCommand,
  planCommand,
  REVIEW_ONLY,
  ticketCommand,
} from '../../rules/command-kits.js';
import type { RuleSetInput } from '../../rules/types.js';

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
