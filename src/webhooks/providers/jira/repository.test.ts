import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config.js';
import { jiraRepository } from './repository.js';

describe('JIRA_REPOSITORIES: a Jira project\'s GitHub repository', () => {
  it('maps an issue key to its project\'s repository, and nothing for other projects', () => {
    const config = loadConfig({ JIRA_REPOSITORIES: 'OPS=acme/api, WEB=acme/web.site' });
    expect(jiraRepository(config, 'OPS-12')).toEqual({ owner: 'acme', repo: 'api' });
    expect(jiraRepository(config, 'WEB-1')).toEqual({ owner: 'acme', repo: 'web.site' });
    expect(jiraRepository(config, 'OPSX-1')).toBeUndefined();
    expect(jiraRepository(loadConfig({}), 'OPS-1')).toBeUndefined();
  });

  it('refuses an entry that is not PROJECT=owner/repo, naming the setting', () => {
    expect(() => loadConfig({ JIRA_REPOSITORIES: 'OPS=acme' })).toThrow(/JIRA_REPOSITORIES/);
    expect(() => loadConfig({ JIRA_REPOSITORIES: 'ops=acme/api' })).toThrow(/PROJECT=owner\/repo/);
    expect(() => loadConfig({ JIRA_REPOSITORIES: 'OPS=acme/../x y' })).toThrow(/JIRA_REPOSITORIES/);
  });
});
