import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('config', () => {
  it('starts on embedded defaults with no settings at all', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ PORT: 8080, HOST: '127.0.0.1', MAX_CONCURRENT_TASKS: 5, TASK_TIMEOUT_SECONDS: 1800, DEFAULT_PERMISSION_MODE: 'acceptEdits' });
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.REDIS_URL).toBeUndefined();
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(c.workspacesDir).toBe(path.resolve('./data/workspaces'));
    expect(c.agentHome.endsWith('agent-home')).toBe(true);
  });

  it('treats empty values as unset', () => {
    const c = loadConfig({ PORT: '', DATABASE_URL: '' });
    expect(c.PORT).toBe(8080);
    expect(c.DATABASE_URL).toBeUndefined();
  });

  it('names every variable at fault', () => {
    const attempt = () => loadConfig({ PORT: 'eighty', MAX_CONCURRENT_TASKS: '0', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', DEMO_MODE: 'perhaps' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (err) {
      const message = (err as Error).message;
      for (const name of ['PORT', 'MAX_CONCURRENT_TASKS', 'DATABASE_URL', 'LOG_LEVEL', 'DEMO_MODE']) expect(message).toContain(name);
    }
  });

  it('checks settings that only make sense together', () => {
    expect(() => loadConfig({ GITHUB_APP_ID: '1' })).toThrow('GITHUB_APP_PRIVATE_KEY');
    expect(() => loadConfig({ JIRA_BASE_URL: 'https://x.atlassian.net' })).toThrow('JIRA_EMAIL');
  });

  it('collects secret values for redaction, and no others', () => {
    const c = loadConfig({ GITHUB_TOKEN: 'ghp_abcdef', ANTHROPIC_API_KEY: 'sk-ant-123456', PUBLIC_URL: 'https://agent.example.com' });
    expect(c.secretValues.sort()).toEqual(['ghp_abcdef', 'sk-ant-123456']);
  });
});
