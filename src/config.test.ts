import fs from 'node:fs';
import os from 'node:os';
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

  it('GitLab: gitlab.com unless GITLAB_URL says otherwise; its token and webhook secret are secrets', () => {
    expect(loadConfig({}).GITLAB_URL).toBe('https://gitlab.com');
    expect(loadConfig({ GITLAB_URL: 'https://gitlab.example.com/' }).GITLAB_URL).toBe('https://gitlab.example.com');
    expect(() => loadConfig({ GITLAB_URL: 'gitlab.example.com' })).toThrow('GITLAB_URL');
    const c = loadConfig({ GITLAB_TOKEN: 'glpat-abcdef', GITLAB_WEBHOOK_SECRET: 'hook-secret' });
    expect(c.secretValues.sort()).toEqual(['glpat-abcdef', 'hook-secret']);
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

describe('secrets from files (*_FILE)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-config-'));
  const file = (name: string, content: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    return p;
  };

  it('reads a secret setting from the file its _FILE names, without the trailing newline', () => {
    const c = loadConfig({ GITHUB_TOKEN_FILE: file('gh', 'ghp_fromafile123\n'), API_TOKEN_FILE: file('api', 'api-from-file\r\n') });
    expect(c.GITHUB_TOKEN).toBe('ghp_fromafile123');
    expect(c.API_TOKEN).toBe('api-from-file');
    expect(c.secretValues).toEqual(expect.arrayContaining(['ghp_fromafile123', 'api-from-file']));
  });

  it('keeps a multi-line secret whole (a PEM key), trimming only the end', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----';
    const c = loadConfig({ GITHUB_APP_ID: '1', GITHUB_APP_PRIVATE_KEY_FILE: file('pem', `${pem}\n`) });
    expect(c.GITHUB_APP_PRIVATE_KEY).toBe(pem);
  });

  it('works for every secret setting', () => {
    const keys = ['API_TOKEN', 'GITHUB_WEBHOOK_SECRET', 'GITHUB_TOKEN', 'GITHUB_APP_PRIVATE_KEY', 'SLACK_SIGNING_SECRET', 'SLACK_BOT_TOKEN', 'JIRA_WEBHOOK_SECRET', 'JIRA_API_TOKEN', 'SENTRY_CLIENT_SECRET', 'SENTRY_AUTH_TOKEN', 'ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN'];
    const env = Object.fromEntries(keys.map((k) => [`${k}_FILE`, file(k, `value-of-${k}\n`)]));
    const c = loadConfig(env) as unknown as Record<string, unknown>;
    for (const k of keys) expect(c[k], k).toBe(`value-of-${k}`);
  });

  it('refuses a setting given both directly and as a file, naming both', () => {
    expect(() => loadConfig({ GITHUB_TOKEN: 'ghp_direct', GITHUB_TOKEN_FILE: file('gh2', 'ghp_file') })).toThrow(
      /GITHUB_TOKEN.*GITHUB_TOKEN_FILE|GITHUB_TOKEN_FILE.*GITHUB_TOKEN/,
    );
  });

  it('names the variable and the path of a file it cannot read', () => {
    const missing = path.join(dir, 'nope');
    expect(() => loadConfig({ SLACK_BOT_TOKEN_FILE: missing })).toThrow(ConfigError);
    expect(() => loadConfig({ SLACK_BOT_TOKEN_FILE: missing })).toThrow(`SLACK_BOT_TOKEN_FILE: cannot read ${missing}`);
    expect(() => loadConfig({ SLACK_BOT_TOKEN_FILE: dir })).toThrow(`SLACK_BOT_TOKEN_FILE: cannot read ${dir}`);
  });

  it('treats an empty _FILE as unset, and an empty file as an empty (unset) secret', () => {
    expect(loadConfig({ GITHUB_TOKEN_FILE: '' }).GITHUB_TOKEN).toBeUndefined();
    expect(loadConfig({ GITHUB_TOKEN_FILE: file('empty', '\n') }).GITHUB_TOKEN).toBeUndefined();
  });
});

describe('sandbox settings', () => {
  it('defaults to SANDBOX=auto with a shared network, and checks the values', () => {
    const c = loadConfig({});
    expect(c.SANDBOX).toBe('auto');
    expect(c.SANDBOX_ALLOWED_HOSTS).toBeUndefined();
    expect(c.SANDBOX_READ_ONLY_PATHS).toEqual([]);
    expect(() => loadConfig({ SANDBOX: 'docker' })).toThrow('SANDBOX');
    expect(() => loadConfig({ SANDBOX_READ_ONLY_PATHS: 'relative/path' })).toThrow('SANDBOX_READ_ONLY_PATHS');
  });

  it('reads SANDBOX_ALLOWED_HOSTS as a list, `none` as an empty one, and names a bad entry', () => {
    expect(loadConfig({ SANDBOX_ALLOWED_HOSTS: 'github.com, registry.npmjs.org:443' }).SANDBOX_ALLOWED_HOSTS).toEqual([
      { host: 'github.com', port: undefined },
      { host: 'registry.npmjs.org', port: 443 },
    ]);
    expect(loadConfig({ SANDBOX_ALLOWED_HOSTS: 'none' }).SANDBOX_ALLOWED_HOSTS).toEqual([]);
    expect(() => loadConfig({ SANDBOX_ALLOWED_HOSTS: 'github.com,https://x.org' })).toThrow(/SANDBOX_ALLOWED_HOSTS: "https:\/\/x.org" is not host/);
  });
});
