import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGithub, startFakeGithub } from './support/fake-providers.js';
import { type Harness, startHarness } from './support/harness.js';
import { type ScriptedModel, startScriptedModel } from './support/scripted-model.js';

// Budgets against real Claude Code runs: `[[script:spend]]` makes the scripted model report 200,000 input and 20,000
// output tokens a turn ($0.90 at Sonnet 4.5 prices) with a tool call every turn, so a run never ends by itself; only
// a limit stops it. Claude Code checks --max-budget-usd after each turn, so a stopped run has spent one turn ($0.90).
const SESSION = 'budget-test';
const TURN_COST = 0.9;

describe('budgets', () => {
  let model: ScriptedModel;
  let github: FakeGithub;
  let h: Harness;

  beforeAll(async () => {
    model = await startScriptedModel();
    github = await startFakeGithub();
    h = await startHarness({ model, env: { GITHUB_TOKEN: 'ghp_test_token', GITHUB_API_URL: github.url } });
  });
  afterAll(async () => {
    await h?.close();
    await github?.close();
    await model?.close();
  });

  const createBudget = async (body: unknown) => {
    const res = await h.request('POST', '/api/budgets', body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.budget_id as string;
  };
  const deleteBudget = async (id: string) => expect((await h.request('DELETE', `/api/budgets/${id}`)).status).toBe(204);
  const chat = async (message: string, extra: Record<string, unknown> = {}) => {
    const res = await h.request('POST', '/api/chat', { message, session_id: SESSION, ...extra });
    expect(res.status).toBe(202);
    return res.body as { task_id: string; conversation_id: string };
  };

  it('creates, reads, updates and deletes budgets, and names the field of a bad request', async () => {
    const created = await h.request('POST', '/api/budgets', { scope: 'source', key: 'github', limit_usd: 5 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ scope: 'source', key: 'github', period: 'day', limit_usd: 5, spent_usd: 0, remaining_usd: 5, enabled: true });
    expect(created.body.budget_id).toMatch(/^budget_/);
    expect(Date.parse(created.body.resets_at) % 86_400_000).toBe(0);
    const id = created.body.budget_id;
    expect((await h.request('GET', `/api/budgets/${id}`)).body).toEqual(created.body);

    const patched = await h.request('PATCH', `/api/budgets/${id}`, { limit_usd: 7.5, enabled: false });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ budget_id: id, limit_usd: 7.5, enabled: false, key: 'github' });
    const perTask = await h.request('POST', '/api/budgets', { scope: 'task', limit_usd: 2 });
    expect(perTask.body).toMatchObject({ scope: 'task', key: null, period: 'task', spent_usd: null, remaining_usd: null, resets_at: null });
    const list = await h.request('GET', '/api/budgets');
    expect(list.body.budgets.map((b: any) => b.budget_id)).toEqual([id, perTask.body.budget_id]);

    await deleteBudget(id);
    await deleteBudget(perTask.body.budget_id);
    expect((await h.request('GET', `/api/budgets/${id}`)).status).toBe(404);
    expect((await h.request('DELETE', `/api/budgets/${id}`)).status).toBe(404);
    expect((await h.request('PATCH', `/api/budgets/${id}`, { limit_usd: 1 })).status).toBe(404);

    const bad: Array<[string, string, unknown, string]> = [
      ['POST', '/api/budgets', { scope: 'source', limit_usd: 5 }, 'key: is required for scope source'],
      ['POST', '/api/budgets', { scope: 'global', key: 'x', limit_usd: 5 }, 'key: must be null for scope global'],
      ['POST', '/api/budgets', { scope: 'galaxy', limit_usd: 5 }, 'scope:'],
      ['POST', '/api/budgets', { scope: 'global', limit_usd: 0 }, 'limit_usd: must be more than 0'],
      ['POST', '/api/budgets', { scope: 'global', limit_usd: '5' }, 'limit_usd:'],
      ['POST', '/api/budgets', { scope: 'rule', key: 'builtin:github:ask' }, 'limit_usd:'],
      ['POST', '/api/budgets', { scope: 'task', limit_usd: 1, period: 'day' }, "period: must be 'task' for scope task"],
      ['POST', '/api/budgets', { scope: 'global', limit_usd: 1, enabled: 'yes' }, 'enabled:'],
      ['POST', '/api/budgets', { scope: 'global', limit_usd: 1, colour: 'red' }, 'colour'],
    ];
    const keep = await createBudget({ scope: 'requester', key: 'slack:U1', limit_usd: 3, enabled: false });
    bad.push(
      ['PATCH', `/api/budgets/${keep}`, {}, 'nothing to change'],
      ['PATCH', `/api/budgets/${keep}`, { limit_usd: -2 }, 'limit_usd:'],
      ['PATCH', `/api/budgets/${keep}`, { key: null }, 'key: is required for scope requester'],
    );
    for (const [method, url, body, message] of bad) {
      const res = await h.request(method, url, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error, JSON.stringify(body)).toContain(message);
    }
    await deleteBudget(keep);
  });

  it('stops a run that crosses its per-task limit and marks it budget', async () => {
    const perTask = await createBudget({ scope: 'task', limit_usd: 0.5 });
    const { task_id } = await chat('[[script:spend]] keep spending');
    const done = await h.waitForTask(task_id);
    expect(done).toMatchObject({ status: 'failed', outcome: 'budget', num_turns: 1 });
    expect(done.error).toContain('error_max_budget_usd');
    expect(done.error).toContain('Reached maximum budget ($0.5)');
    expect(done.error).toContain('(limit: the per-task budget of $0.50)');
    expect(done.cost_usd).toBeCloseTo(TURN_COST, 6);
    await deleteBudget(perTask);

    // The task's own limit (max_budget_usd) is one of the limits too, and the smallest one wins.
    const own = await chat('[[script:spend]] again', { max_budget_usd: 0.3 });
    const stopped = await h.waitForTask(own.task_id);
    expect(stopped).toMatchObject({ status: 'failed', outcome: 'budget' });
    expect(stopped.error).toContain("(limit: the task's own budget of $0.30)");
  });

  it('refuses a task before it starts once a daily limit is spent, and tells where the request came from', async () => {
    const spent = (await h.request('GET', '/api/analytics/summary')).body.today.cost_usd;
    expect(spent).toBeCloseTo(2 * TURN_COST, 6);
    const global = await createBudget({ scope: 'global', limit_usd: 1 });
    const summary = await h.request('GET', '/api/analytics/summary');
    expect(summary.body.budgets).toEqual([expect.objectContaining({ budget_id: global, scope: 'global', limit_usd: 1, remaining_usd: 0 })]);
    expect(summary.body.budgets[0].spent_usd).toBeCloseTo(spent, 6);

    model.reset();
    const refused = await chat('[[script:text never said]] hello');
    const task = await h.waitForTask(refused.task_id);
    const reason = `global daily budget is spent: $${spent.toFixed(2)} of $1.00 (resets at 00:00 UTC)`;
    expect(task).toMatchObject({ status: 'failed', outcome: 'budget', error: reason, started_at: null, cost_usd: 0, num_turns: 0, duration_ms: null });
    // No Claude Code child ran: the model heard nothing and the task has no run events.
    expect(model.requests).toHaveLength(0);
    const events = await h.request('GET', `/api/tasks/${refused.task_id}/events`);
    expect(events.body.events.map((e: any) => e.item.kind)).not.toContain('init');
    // The dashboard conversation, where this request came from, gets the reason.
    const messages = await h.request('GET', `/api/conversations/${refused.conversation_id}/messages`);
    expect(messages.body.messages.at(-1)).toMatchObject({ role: 'assistant', content: `(failed) ${reason}` });

    // A GitHub request is answered on its issue.
    const fromGithub = await h.services.tasks.create({
      session_id: 'gh-session',
      source: 'github',
      input_message: '[[script:text never said]] review this',
      requester: 'github:octocat',
      rule: 'builtin:github:ask',
      source_metadata: { target: { provider: 'github', owner: 'acme', repo: 'app', issueNumber: 7, isPullRequest: false }, command: 'ask' },
    });
    const ghTask = await h.waitForTask(fromGithub.task_id);
    expect(ghTask).toMatchObject({ status: 'failed', outcome: 'budget', error: reason });
    // Posting back follows the task's final status (the observer runs after it is stored).
    const told = () => github.calls.some((c) => c.path.startsWith('/repos/acme/app/issues/') && String(c.body?.body).includes(reason));
    for (let i = 0; i < 100 && !told(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(told(), JSON.stringify(github.calls.map((c) => [c.method, c.path, c.body]))).toBe(true);
    expect(model.requests).toHaveLength(0);
    await deleteBudget(global);
  });

  it('caps a run at what is left of a daily limit, then refuses by source and by requester', async () => {
    const before = (await h.request('GET', '/api/analytics/summary')).body.today.cost_usd;
    const source = await createBudget({ scope: 'source', key: 'dashboard', limit_usd: 2.2 });
    const left = (2.2 - before).toFixed(2);
    const capped = await h.waitForTask((await chat('[[script:spend]] spend what is left')).task_id);
    expect(capped).toMatchObject({ status: 'failed', outcome: 'budget' });
    expect(capped.error).toContain(`(limit: what was left of the daily budget for source dashboard ($${left} of $2.20))`);

    const bySource = await h.waitForTask((await chat('[[script:text no]] hi')).task_id);
    expect(bySource.error).toMatch(/^daily budget for source dashboard is spent: \$\d+\.\d\d of \$2\.20 \(resets at 00:00 UTC\)$/);
    await deleteBudget(source);

    const requester = await createBudget({ scope: 'requester', key: `dashboard:${SESSION}`, limit_usd: 1.5 });
    const byRequester = await h.waitForTask((await chat('[[script:text no]] hi')).task_id);
    expect(byRequester).toMatchObject({ outcome: 'budget' });
    expect(byRequester.error).toContain(`daily budget for requester dashboard:${SESSION} is spent`);
    await deleteBudget(requester);

    // A limit for someone else does not apply; with room left, the task runs normally.
    await createBudget({ scope: 'requester', key: 'slack:U999', limit_usd: 0.01 });
    await createBudget({ scope: 'rule', key: 'builtin:github:ask', limit_usd: 0.01 });
    const ok = await h.waitForTask((await chat('[[script:text All fine.]] hi')).task_id);
    expect(ok).toMatchObject({ status: 'completed', outcome: 'success', output: 'All fine.' });
  });
});
