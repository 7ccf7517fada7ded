// A Jira issue has no repository of its own: its project's code lives in the GitHub repository JIRA_REPOSITORIES maps
// the project to, so a Jira task's changes go to GitHub's code host for that repository. The one place a provider's
// folder reaches into another's (test/provider-boundary.test.ts allows exactly this import).
import type { CodeHost, DeliveryDeps } from '../../../delivery/code-host.js';
import { githubHost } from '../github/code-host.js';
import { jiraRepository } from './repository.js';
import type { JiraTarget } from './target.js';

export function jiraHost(deps: DeliveryDeps, target: JiraTarget): CodeHost | undefined {
  const repository = jiraRepository(deps.config, target.issueKey);
  return repository && githubHost(deps, repository);
}
