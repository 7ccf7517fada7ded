// The built-in command tables, one rule set per provider (issue 3, items 4 and 8), each in its provider's folder
// (providers/<name>/rules.ts, from the shared parts in command-kits.ts). Plain data, checked by loadRuleSet like any
// user-defined table. Agents are the ones shipped in agent-home/.claude/agents. Read-only commands cannot edit files
// and may run only read-only shell commands; fix and improve may edit and run tests, and wait for approval unless a
// maintainer asked.
import type { ProviderName } from '../../contracts/webhook-commands.js';
import { GITHUB_RULES } from '../providers/github/rules.js';
import { GITLAB_RULES } from '../providers/gitlab/rules.js';
import { JIRA_RULES } from '../providers/jira/rules.js';
import { SENTRY_RULES } from '../providers/sentry/rules.js';
import { SLACK_RULES } from '../providers/slack/rules.js';
import { loadRuleSet } from './template.js';
import type { RuleSet } from './types.js';

export { DEFAULT_TRIGGER_PHRASE, EDIT_AND_TEST, READ_ONLY } from './command-kits.js';

/** The built-in rule sets by provider, each checked by loadRuleSet when this module loads. */
export const BUILTIN_RULE_SETS: Readonly<Record<ProviderName, RuleSet>> = {
  github: loadRuleSet(GITHUB_RULES),
  jira: loadRuleSet(JIRA_RULES),
  slack: loadRuleSet(SLACK_RULES),
  sentry: loadRuleSet(SENTRY_RULES),
  gitlab: GITLAB_RULES, // checked in its folder, against GitLab's payload fields
};
