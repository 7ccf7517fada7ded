// What every provider's built-in command table is made of: the trigger phrase, the two permission sets (read-only;
// edit and test) and the commands every table has (help, approve, reject). Kept apart from the tables so a provider
// folder can build its own table from them (providers/gitlab/rules.ts) without importing every other table.
import type { CommandSpec, CommandSpecInput } from './types.js';

export const DEFAULT_TRIGGER_PHRASE = '@agent';

const READ_ONLY_BASH = [
  'Bash(git log:*)',
  'Bash(git show:*)',
  'Bash(git diff:*)',
  'Bash(git status:*)',
  'Bash(git blame:*)',
  'Bash(git grep:*)',
  'Bash(ls:*)',
];

/** Default mode denies other Bash commands in `-p` runs; Edit/Write are removed outright. */
export const READ_ONLY: CommandSpec['permissions'] = {
  permission_mode: 'default',
  allowed_tools: ['Read', 'Grep', 'Glob', ...READ_ONLY_BASH],
  disallowed_tools: ['Edit', 'Write', 'NotebookEdit'],
};

/**
 * Read-only, except the one file a review reports its findings in (src/webhooks/providers/github/review.ts): the service posts them
 * as line comments. Claude Code matches file paths with Edit(…) rules only, whichever tool writes.
 */
export const REVIEW_ONLY: CommandSpec['permissions'] = {
  permission_mode: 'default',
  allowed_tools: [...READ_ONLY.allowed_tools!, 'Edit(./.agent/review.json)'],
  disallowed_tools: ['NotebookEdit'],
};

/**
 * Edits are accepted; the shell is limited to running tests and inspecting the work tree. Pushing is left out: what
 * leaves the workspace is the service's decision, not the model's.
 */
export const EDIT_AND_TEST: CommandSpec['permissions'] = {
  permission_mode: 'acceptEdits',
  allowed_tools: [
    'Read',
    'Grep',
    'Glob',
    'Edit',
    'Write',
    'Bash(npm test:*)',
    'Bash(npm run test:*)',
    'Bash(npm run lint:*)',
    'Bash(npx vitest:*)',
    'Bash(npx tsc:*)',
    'Bash(pytest:*)',
    'Bash(go test:*)',
    'Bash(cargo test:*)',
    'Bash(git diff:*)',
    'Bash(git status:*)',
    'Bash(git log:*)',
    'Bash(git show:*)',
  ],
  disallowed_tools: ['Bash(git push:*)', 'NotebookEdit'],
};

/** Commands that never reach the model still carry read-only permissions, so a wiring mistake cannot widen them. */
export const NO_RUN = READ_ONLY;

export function help(triggers: string[]): CommandSpecInput {
  return {
    name: 'help',
    aliases: ['commands'],
    description: 'List the commands this agent understands.',
    triggers,
    agent: null,
    template: '',
    permissions: NO_RUN,
    needs_approval: false,
    action: 'help',
  };
}

export function approvalCommands(triggers: string[]): CommandSpecInput[] {
  return [
    {
      name: 'approve',
      aliases: ['approved', 'lgtm'],
      description: 'Approve the task waiting for approval in this thread, so it runs.',
      triggers,
      agent: null,
      template: '',
      permissions: NO_RUN,
      needs_approval: false,
      action: 'approve',
    },
    {
      name: 'reject',
      aliases: ['deny', 'cancel'],
      description: 'Reject the task waiting for approval in this thread; it is cancelled.',
      triggers,
      agent: null,
      template: '',
      permissions: NO_RUN,
      needs_approval: false,
      action: 'reject',
    },
  ];
}

/**
 * `@agent continue <flow id or link>`: this thread joins the named flow, so its commands resume that flow's Claude
 * session (src/flows/). Answered directly; only a maintainer may link.
 */
export function continueCommand(triggers: string[]): CommandSpecInput {
  return {
    name: 'continue',
    aliases: ['link'],
    description: 'Continue the work of another thread here: `continue <flow id, Jira key or link>`; its Claude session goes on in this thread.',
    triggers,
    agent: null,
    template: '',
    permissions: NO_RUN,
    needs_approval: false,
    action: 'continue',
  };
}

/**
 * `@agent open a Jira ticket`: the run writes the ticket (read-only); the service opens it in JIRA_TICKET_PROJECT from
 * the run's summary and links it into this thread's flow (src/flows/after-run.ts). `request` describes the thread and
 * what was asked.
 */
export function ticketCommand(triggers: string[], request: string): CommandSpecInput {
  return {
    name: 'ticket',
    aliases: ['open', 'jira'],
    description: 'Write up the problem as a Jira issue, which the service opens and links: commands there continue this session.',
    triggers,
    agent: null,
    template:
      `${request}\n` +
      'Write a Jira issue for this work from what you know and can read in this repository. Do not change files. ' +
      'The first line of your answer is the issue summary (one plain sentence, no Markdown); then the description: ' +
      'what happens, the cause as far as known (files and lines), and what done looks like.',
    options: { opens: 'jira_issue' },
    permissions: READ_ONLY,
    needs_approval: false,
  };
}

// The code commands GitHub, GitLab and Jira share. `subject` names the issue and the request, ending in a blank line
// ("GitHub issue …\nRequest from …\n\n"); the command's instructions follow it.

export function analyzeCommand(triggers: string[], agent: string, subject: string): CommandSpecInput {
  return {
    name: 'analyze',
    aliases: ['analyse', 'investigate'],
    description: 'Investigate the issue in the code and explain the cause. Changes nothing.',
    triggers,
    agent,
    template:
      `Analyze ${subject}` +
      'Investigate the code in this repository. Do not change files. Answer with what happens, why, where ' +
      '(files and lines), and what you would do next.',
    permissions: READ_ONLY,
    needs_approval: false,
  };
}

export function planCommand(triggers: string[], agent: string, subject: string): CommandSpecInput {
  return {
    name: 'plan',
    aliases: ['design'],
    description: 'Write an implementation plan: steps, files, tests, risks. Changes nothing.',
    triggers,
    agent,
    template:
      `Plan the work for ${subject}` +
      'Read the relevant code. Do not change files. Give numbered steps naming the files to change, the tests ' +
      'to add or update, and the risks.',
    permissions: READ_ONLY,
    needs_approval: false,
  };
}

const NO_PUSH = 'Do not push. Finish with a summary of the change and the test results.';

export function fixCommand(triggers: string[], subject: string): CommandSpecInput {
  return {
    name: 'fix',
    aliases: ['implement'],
    description: 'Change the code to fix the issue and run the tests.',
    triggers,
    agent: 'executor',
    template: `Fix ${subject}Make the smallest change that fixes it, add or update a test, and run the tests. ${NO_PUSH}`,
    permissions: EDIT_AND_TEST,
    needs_approval: 'non-maintainers',
  };
}

export function improveCommand(triggers: string[], subject: string): CommandSpecInput {
  return {
    name: 'improve',
    aliases: ['refactor'],
    description: 'Improve the code as asked (refactor, tests, docs) and run the tests.',
    triggers,
    agent: 'executor',
    template:
      `Improve the code for ${subject}` +
      `Keep behaviour unchanged unless the request says otherwise, keep the change focused, and run the tests. ${NO_PUSH}`,
    permissions: EDIT_AND_TEST,
    needs_approval: 'non-maintainers',
  };
}
