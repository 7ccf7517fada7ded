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
  it('refuses a non-loopback HOST without API_TOKEN, naming both, unless ALLOW_UNAUTHENTICATED says so', () => {
    for (const HOST of ['0.0.0.0', '::', '192.168.1.5', 'agent.example.com']) {
      expect(() => loadConfig({ HOST }), HOST).toThrow(ConfigError);
      try {
        loadConfig({ HOST });
      } catch (err) {
        for (const name of ['HOST', 'API_TOKEN', 'ALLOW_UNAUTHENTICATED']) expect((err as Error).message).toContain(name);
      }
      expect(loadConfig({ HOST, API_TOKEN: 'a-long-token' }).HOST).toBe(HOST);
      expect(loadConfig({ HOST, ALLOW_UNAUTHENTICATED: 'true' }).ALLOW_UNAUTHENTICATED).toBe(true);
    }
    for (const HOST of ['127.0.0.1', '127.0.0.2', 'localhost', '::1']) expect(loadConfig({ HOST }).HOST, HOST).toBe(HOST);
  });

  it('trusts no proxy unless TRUST_PROXY says which (true, a hop count, or addresses)', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 10.0.0.0/8,::1, fd00::/8' }).TRUST_PROXY).toEqual(['10.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
    for (const bad of ['yes please', '10.0.0.0/33', '-1', 'proxy.example.com']) expect(() => loadConfig({ TRUST_PROXY: bad }), bad).toThrow('TRUST_PROXY');
  });

  it('reads the access settings: metrics, hosts and rate limits', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ METRICS_PUBLIC: false, ALLOWED_HOSTS: [], ALLOW_UNAUTHENTICATED: false, RATE_LIMIT_API_PER_MINUTE: 1200, RATE_LIMIT_WEBHOOKS_PER_MINUTE: 600 });
    const d = loadConfig({ METRICS_PUBLIC: 'true', ALLOWED_HOSTS: 'a.example, B.example', RATE_LIMIT_API_PER_MINUTE: '0', RATE_LIMIT_WEBHOOKS_PER_MINUTE: '30' });
    expect(d).toMatchObject({ METRICS_PUBLIC: true, ALLOWED_HOSTS: ['a.example', 'b.example'], RATE_LIMIT_API_PER_MINUTE: 0, RATE_LIMIT_WEBHOOKS_PER_MINUTE: 30 });
    expect(() => loadConfig({ RATE_LIMIT_API_PER_MINUTE: '-1' })).toThrow('RATE_LIMIT_API_PER_MINUTE');
  });
});
