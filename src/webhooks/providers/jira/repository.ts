import type { Config } from '../../../config.js';

/** The GitHub repository a Jira issue's code lives in (JIRA_REPOSITORIES, by the key's project), or undefined. */
export function jiraRepository(config: Pick<Config, 'JIRA_REPOSITORIES'>, issueKey: string): { owner: string; repo: string } | undefined {
  const project = issueKey.split('-')[0];
  const entry = config.JIRA_REPOSITORIES.find((e) => e.split('=')[0] === project);
  const [owner, repo] = entry?.split('=')[1]?.split('/') ?? [];
  return owner && repo ? { owner, repo } : undefined;
}
