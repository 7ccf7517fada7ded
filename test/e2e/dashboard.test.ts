// The dashboard in a real headless Chromium (Debian's package, driven by playwright-core) against the real service:
// real storage, queue, worker and Claude Code CLI, with the scripted model. Each flow saves a screenshot of its page
// at 1280×800: to test-results/screenshots/, or with UPDATE_SCREENSHOTS=1 to docs/screenshots/ (the ones the README
// shows), so that running the tests leaves the checkout as it was.
// This file has the serving, chat, overview, ledger and analytics flows; the webhooks, approval, registry and phone
// flows are in dashboard-webhooks-and-registry.test.ts (the shared set-up is test/support/dashboard-suite.ts).
import { describe, expect, it } from 'vitest';
import { WorkerRegistry } from '../../src/cluster/worker-registry.js';
import { usd } from '../../web/src/lib/format.js';
import { DASHBOARD_SUITE, dashboardSuite, haveChromium } from '../support/dashboard-suite.js';

describe.skipIf(!haveChromium)(DASHBOARD_SUITE, () => {
  const ctx = dashboardSuite();
  const { shot, taskStatus } = ctx;
  /** Which of the APIs built alongside the dashboard this service has (a 404 `no route` means not yet). */
  let chatTaskId = '';

  it('serves the dashboard at / with client routes surviving a reload, and keeps JSON 404s for service paths', async () => {
    const res = await fetch(`${ctx.h.url}/ledger`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('<div id="root">');
    const missing = await fetch(`${ctx.h.url}/api/nothing-here`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no route GET /api/nothing-here' });
    expect((await fetch(`${ctx.h.url}/assets/gone-abc123.js`)).status).toBe(404);
    const html = await (await fetch(`${ctx.h.url}/`)).text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(`${ctx.h.url}${asset}`);
    expect(js.headers.get('cache-control')).toContain('immutable');
  });

  it('chat: a new conversation streams its reply in live, before the task ends', async () => {
    await ctx.page.goto(`${ctx.h.url}/chat`);
    await ctx.page.getByTestId('demo-banner').waitFor();
    await ctx.page.locator('[data-live="open"]').waitFor();
    await ctx.page.getByRole('textbox', { name: 'Message', exact: true }).fill('Tell me about streaming [[script:slow 4000 streamed reply text arrives piece by piece]]');
    await ctx.page.getByRole('button', { name: 'Send' }).click();

    const reply = ctx.page.getByTestId('live-reply');
    await reply.waitFor({ timeout: 30_000 });
    chatTaskId = (await reply.getAttribute('data-task-id'))!;
    // Some of the text is on screen while the rest is still being produced…
    // A function, not a string: the page's CSP forbids eval, and Playwright evaluates a string predicate on every poll.
    const partial = await ctx.page.waitForFunction(
      () => {
        const doc = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document;
        const t = doc.querySelector('[data-testid="live-reply"] [data-block="text"]')?.textContent;
        return t && !t.includes('piece by piece') ? t : false;
      },
      undefined,
      { timeout: 30_000, polling: 50 },
    );
    const partialText = (await partial.jsonValue()) as string;
    // …and the service still says the task is running: the text came over the WebSocket, not from a reload.
    expect(await taskStatus(chatTaskId)).toBe('running');
    expect('streamed reply text arrives piece by piece'.startsWith(partialText.trim())).toBe(true);

    // The finished reply replaces the live view, in the same page.
    const answer = ctx.page.locator('[data-role="assistant"]').filter({ hasText: 'streamed reply text arrives piece by piece' });
    await answer.waitFor({ timeout: 30_000 });
    expect(await taskStatus(chatTaskId)).toBe('completed');
    await expect.poll(() => ctx.page.url()).toMatch(/\/chat\/conv_/);

    // Continue the conversation with a chosen model.
    await ctx.page.getByRole('textbox', { name: 'Reply', exact: true }).fill('And once more [[script:text Second answer.]]');
    await ctx.page.getByLabel('Model').selectOption('claude-haiku-4-5');
    await ctx.page.getByRole('button', { name: 'Send' }).click();
    await ctx.page.locator('[data-role="assistant"]').filter({ hasText: 'Second answer.' }).waitFor({ timeout: 30_000 });
    const conversationId = ctx.page.url().split('/chat/')[1]!;
    const tasks = (await ctx.h.request('GET', `/api/tasks?conversation_id=${conversationId}`)).body.tasks as Array<{ model: string | null }>;
    expect(tasks.map((t) => t.model)).toContain('claude-haiku-4-5');
    await expect.poll(() => ctx.page.locator('nav[aria-label="Conversations"] a[aria-current="page"]').count()).toBe(1);
    await shot('chat');
  }, 90_000);

  it('chat: replies render as Markdown (heading, table, highlighted code), a follow-up says it waits its turn, and finished replies keep their steps', async () => {
    const reply = '## Plan with **bold** steps\\n\\n| step | owner |\\n|---|---|\\n| build | agent |\\n\\n```js\\nconst answer = 42;\\n```';
    const first = await ctx.h.request('POST', '/api/chat', { message: `Plan it [[script:slow 5000 ${reply}]]` });
    const { task_id: a, conversation_id } = first.body;
    await ctx.h.waitForTask(a, ['running']);
    const b = (await ctx.h.request('POST', '/api/chat', { message: 'Now write it [[script:tool]]', conversation_id })).body.task_id as string;

    await ctx.page.goto(`${ctx.h.url}/chat/${conversation_id}`);
    const waiting = ctx.page.locator(`[data-testid="live-reply"][data-task-id="${b}"]`);
    await waiting.getByText('Waiting for the run before it in this conversation to finish.').waitFor({ timeout: 30_000 });
    await expect.poll(() => ctx.page.title()).toMatch(/running\) Claude Code Agent$/);

    const plan = ctx.page.locator('[data-role="assistant"] h2').filter({ hasText: 'Plan with bold steps' });
    await plan.waitFor({ timeout: 30_000 });
    expect(await ctx.page.locator('[data-role="assistant"] strong').first().textContent()).toBe('bold');
    // GitHub-flavoured table and a highlighted code block, as HTML.
    const answer = ctx.page.locator('[data-role="assistant"]').filter({ has: ctx.page.locator('h2', { hasText: 'Plan with bold steps' }) });
    expect(await answer.locator('table th').allTextContents()).toEqual(['step', 'owner']);
    expect(await answer.locator('table td').allTextContents()).toEqual(['build', 'agent']);
    await answer.locator('pre code.hljs').filter({ hasText: 'const answer = 42;' }).waitFor({ timeout: 10_000 });
    expect(await answer.locator('pre code .hljs-keyword').first().textContent()).toBe('const');

    const wrote = ctx.page.locator('[data-role="assistant"]').filter({ hasText: 'Wrote hello.txt.' });
    await wrote.waitFor({ timeout: 30_000 });
    await wrote.getByText('Steps of the run').click();
    await wrote.locator('[data-block="tool"]').filter({ hasText: 'Write' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => ctx.page.title()).toBe('Claude Code Agent');
  }, 90_000);

  it('chat: conversations are renamed, found, archived and deleted from the page; webhook threads are listed apart', async () => {
    const id = (await ctx.h.request('POST', '/api/conversations', { title: 'Quarterly plan' })).body.conversation_id as string;
    await ctx.page.goto(`${ctx.h.url}/chat/${id}`);
    await ctx.page.getByRole('button', { name: 'Rename' }).click();
    await ctx.page.getByLabel('Title', { exact: true }).fill('Quarterly roadmap');
    await ctx.page.getByRole('button', { name: 'Save' }).click();
    await ctx.page.getByRole('heading', { name: 'Quarterly roadmap' }).waitFor();
    expect((await ctx.h.request('GET', `/api/conversations/${id}`)).body.title).toBe('Quarterly roadmap');

    const nav = ctx.page.locator('nav[aria-label="Conversations"]');
    await ctx.page.getByLabel('Search conversations').fill('ROADMAP');
    await expect.poll(() => nav.locator('li').allTextContents()).toEqual([expect.stringContaining('Quarterly roadmap')]);
    await ctx.page.getByLabel('Show').selectOption('thread');
    await nav.getByText('No conversation titled like “ROADMAP”.').waitFor();
    await ctx.page.getByLabel('Show').selectOption('chat');

    await ctx.page.getByRole('button', { name: 'Archive' }).click();
    await ctx.page.getByRole('button', { name: 'Unarchive' }).waitFor();
    await nav.getByText('No conversation titled like “ROADMAP”.').waitFor();
    await ctx.page.getByLabel('Show').selectOption('archived');
    await nav.getByText('Quarterly roadmap').waitFor();

    ctx.page.once('dialog', (d) => void d.accept());
    await ctx.page.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => ctx.page.url()).toMatch(/\/chat$/);
    expect((await ctx.h.request('GET', `/api/conversations/${id}`)).status).toBe(404);
  }, 60_000);

  it('overview: watches a running task call tools live and cancels it', async () => {
    const started = await ctx.h.request('POST', '/api/chat', { message: 'Run the long job [[script:steps 30 700]]' });
    const taskId = started.body.task_id as string;
    await ctx.h.waitForTask(taskId, ['running']);
    await ctx.page.goto(`${ctx.h.url}/`);
    await ctx.page.locator(`li[data-task-id="${taskId}"] a`).click();
    const detail = ctx.page.locator(`article[aria-label="Task ${taskId}"]`);
    await detail.locator('[data-status="running"]').waitFor();
    // Tool calls arrive with their input and, when it comes back, their result.
    await detail.locator('[data-block="tool"]').filter({ hasText: 'echo step 2' }).waitFor({ timeout: 30_000 });
    await expect.poll(() => detail.locator('[data-block="tool"]').first().textContent()).toContain('step 1');
    await shot('overview');

    await detail.getByRole('button', { name: 'Cancel' }).click();
    // The status changes on screen from the live event; nothing reloads the task.
    await detail.locator('[data-status="cancelled"]').waitFor({ timeout: 30_000 });
    await ctx.page.locator(`li[data-task-id="${taskId}"] [data-status="cancelled"]`).waitFor();
    expect(await taskStatus(taskId)).toBe('cancelled');
  }, 90_000);

  it('overview: the workers card shows every worker with its load, and one that stopped beating as gone', async () => {
    // A worker on another machine that registered and then fell silent (its last heartbeat long past
    // WORKER_DEAD_SECONDS), written through the service's own registry as that worker process would have written it.
    const longAgo = Date.now() - 10 * 60_000;
    const deadId = 'other-host/4242/wdead1';
    await new WorkerRegistry(ctx.h.services.storage.db).register(
      { worker_id: deadId, host: 'other-host', pid: 4242, version: '0.0.0', started_at: longAgo, metrics_port: null },
      { running: 1, capacity: 2, draining: false },
      longAgo,
    );
    const started = await ctx.h.request('POST', '/api/chat', { message: 'A long one [[script:slow 10000 still going]]' });
    const taskId = started.body.task_id as string;
    await ctx.h.waitForTask(taskId, ['running']);
    await ctx.page.goto(`${ctx.h.url}/`);
    const workers = ctx.page.getByRole('list', { name: 'workers' });
    // This service's own worker: live, with the run it has going counted against its MAX_CONCURRENT_TASKS (3).
    const own = workers.locator(`li[data-state="live"]`).filter({ hasText: `pid ${process.pid}` });
    await own.filter({ hasText: /[1-3] \/ 3/ }).waitFor({ timeout: 30_000 });
    const dead = workers.locator(`li[data-worker="${deadId}"]`);
    await expect.poll(() => dead.getAttribute('data-state'), { timeout: 15_000 }).toBe('gone');
    expect(await dead.textContent()).toMatch(/gone: no heartbeat/);
    expect(await dead.textContent()).toContain('—'); // a gone worker has no load
    await shot('overview-workers', 'ul[aria-label="workers"]');
    await ctx.h.request('POST', `/api/tasks/${taskId}/cancel`);
    await ctx.h.waitForTask(taskId, ['cancelled', 'completed']);
  }, 60_000);

  it('ledger: the chat task is listed with its cost, and filters, sort and CSV export work', async () => {
    await ctx.page.goto(`${ctx.h.url}/ledger`);
    const row = ctx.page.locator(`tr[data-task-id="${chatTaskId}"]`);
    await row.waitFor();
    const task = (await ctx.h.request('GET', `/api/tasks/${chatTaskId}`)).body;
    expect(task.cost_usd).toBeGreaterThan(0);
    expect(await row.textContent()).toContain(usd(task.cost_usd));
    // The cancelled tasks earlier tests left (the API's count, not a number this test assumes).
    const cancelled = (await ctx.h.request('GET', '/api/tasks?status=cancelled&limit=100')).body.tasks.length;
    expect(cancelled).toBeGreaterThan(0);
    await ctx.page.getByLabel('Status').selectOption('cancelled');
    await expect.poll(() => ctx.page.locator('tr[data-task-id]').count()).toBe(cancelled);
    expect(await row.count()).toBe(0);
    expect(ctx.page.url()).toContain('status=cancelled');
    await ctx.page.getByRole('button', { name: 'Clear' }).click();
    await ctx.page.getByRole('button', { name: /^Cost/ }).click();
    await expect.poll(() => ctx.page.locator('th[aria-sort="descending"]').textContent()).toContain('Cost');
    const csvHref = await ctx.page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    const csv = await (await fetch(`${ctx.h.url}${csvHref}`)).text();
    expect(csv).toContain(chatTaskId);
    await shot('ledger');
  }, 60_000);

  it('analytics: the chat task’s cost shows in the totals and the chart', async () => {
    let summary: { total: { cost_usd: number; tasks: number } } = { total: { cost_usd: 0, tasks: 0 } };
    await expect
      .poll(async () => {
        summary = (await ctx.h.request('GET', '/api/analytics/summary')).body;
        return summary.total.cost_usd;
      })
      .toBeGreaterThan(0);
    await ctx.page.goto(`${ctx.h.url}/analytics`);
    await ctx.page.getByText('Cost, all time').waitFor();
    const card = ctx.page.locator('div', { has: ctx.page.getByText('Cost, all time', { exact: true }) }).last();
    await expect.poll(() => card.textContent()).toContain(usd(summary.total.cost_usd));
    await ctx.page.getByTestId('cost-chart').locator('.recharts-bar-rectangle').first().waitFor();
    // Budgets are visible and editable here.
    await ctx.page.getByRole('form', { name: 'New budget' }).getByLabel('Limit per day (USD)').fill('25');
    await ctx.page.getByRole('button', { name: 'Add budget' }).click();
    await ctx.page.getByLabel('Limit in USD').first().waitFor();
    expect((await ctx.h.request('GET', '/api/budgets')).body.budgets).toMatchObject([{ scope: 'global', limit_usd: 25, enabled: true }]);
    await ctx.page.getByRole('form', { name: 'New budget' }).getByLabel('Scope').selectOption('source');
    await ctx.page.getByRole('button', { name: 'Add budget' }).click();
    await ctx.page.getByRole('form', { name: 'New budget' }).getByRole('alert').filter({ hasText: 'key' }).waitFor();
    await shot('analytics');
  }, 60_000);
});
