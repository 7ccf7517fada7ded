import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectLive, startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';

const SECRETS = {
  API_TOKEN: 'api-token-7f3a9c',
  GITHUB_TOKEN: 'ghp_supersecretgithubtoken123',
  GITHUB_WEBHOOK_SECRET: 'gh-hook-secret-998877',
  SLACK_BOT_TOKEN: 'xoxb-secret-slack-token-445566',
  SLACK_SIGNING_SECRET: 'slack-signing-secret-112233',
  JIRA_API_TOKEN: 'jira-api-token-665544',
  JIRA_BASE_URL: 'http://127.0.0.1:9',
  JIRA_EMAIL: 'bot@example.com',
  SENTRY_AUTH_TOKEN: 'sentry-auth-token-223344',
};

describe('secrets and access', () => {
  let model: ScriptedModel;
  let h: Harness;
  const logLines: string[] = [];

  beforeAll(async () => {
    model = await startScriptedModel();
    h = await startHarness({ model, env: { ...SECRETS, LOG_LEVEL: 'debug' }, logLines });
  });
  afterAll(async () => {
    await h?.close();
    await model?.close();
  });

  it('requires the API token on /api and /ws, never on /health', async () => {
    const plain = (p: string, headers: Record<string, string> = {}) => fetch(`${h.url}${p}`, { headers });
    expect((await plain('/api/tasks')).status).toBe(401);
    expect(await (await plain('/api/tasks')).json()).toEqual({ error: 'this API needs Authorization: Bearer <API_TOKEN>' });
    expect((await plain('/api/tasks', { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await plain('/api/tasks', { authorization: `Bearer ${SECRETS.API_TOKEN}` })).status).toBe(200);
    expect((await plain('/health')).status).toBe(200);
    await expect(connectLive(`${h.url.replace('http', 'ws')}/ws/s1`)).rejects.toThrow('401');
    await expect(connectLive(`${h.url.replace('http', 'ws')}/ws/s1?token=wrong`)).rejects.toThrow('401');
    const live = await connectLive(`${h.url.replace('http', 'ws')}/ws/s1?token=${SECRETS.API_TOKEN}`);
    await live.waitFor((e) => e.type === 'hello');
    live.close();
  });

  it('gives a Claude Code child the Anthropic settings and none of the service secrets', async () => {
    const task = await h.services.tasks.create({ session_id: 's', source: 'test', input_message: '[[script:bash env]] show env', allowed_tools: ['Bash(env)', 'Bash(env:*)'] });
    const done = await h.waitForTask(task.task_id);
    expect(done.status).toBe('completed');
    const env = done.output ?? '';
    expect(env).toContain(`ANTHROPIC_BASE_URL=${model.url}`);
    expect(env).toContain('PATH=');
    for (const [name, value] of Object.entries(SECRETS)) {
      expect(env, name).not.toContain(value);
      expect(env, name).not.toContain(`${name}=`);
    }
    expect(env).not.toContain('DATABASE_URL');
  });

  it('keeps secrets out of the logs', async () => {
    await fetch(`${h.url}/ws/s2?token=${SECRETS.API_TOKEN}`); // a plain GET: logged with its URL
    h.services.log.info({ note: `token is ${SECRETS.GITHUB_TOKEN}`, nested: { secret: 'shh' } }, `leaking ${SECRETS.SLACK_BOT_TOKEN}?`);
    const all = logLines.join('\n');
    expect(all).toContain('[REDACTED]');
    for (const [name, value] of Object.entries(SECRETS)) expect(all, name).not.toContain(value);
    expect(all).not.toContain('shh');
  });
});
