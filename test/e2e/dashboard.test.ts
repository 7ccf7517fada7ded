// The dashboard in a real headless Chromium (Debian's package, driven by playwright-core) against the real service:
// real storage, queue, worker and Claude Code CLI, with the scripted model. Each flow saves a screenshot of its page
// at 1280×800: to test-results/screenshots/, or with UPDATE_SCREENSHOTS=1 to docs/screenshots/ (the ones the README
// shows), so that running the tests leaves the checkout as it was.
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerRegistry } from '../../src/cluster/worker-registry.js';
import { usd } from '../../web/src/lib/format.js';
import { buildWebIfStale, CHROMIUM, type DashboardBrowser, haveChromium, openBrowser, SHOTS } from '../support/browser.js';
import { type ScriptedHarness, startScriptedHarness } from '../support/harness.js';
import { signGeneric } from '../support/signing.js';

fs.mkdirSync(SHOTS, { recursive: true });

describe.skipIf(!haveChromium)(`dashboard in headless Chromium${haveChromium ? '' : ` (skipped: no browser at ${CHROMIUM})`}`, () => {
  let h: ScriptedHarness;
  /** Its cspViolations are what the browser refused under the service's Content-Security-Policy: must stay empty. */
  let b: DashboardBrowser;
  let context: BrowserContext;
  let page: Page;
  /** Which of the APIs built alongside the dashboard this service has (a 404 `no route` means not yet). */
  const has: Record<'ledger' | 'analytics' | 'webhooks' | 'registry', boolean> = { ledger: false, analytics: false, webhooks: false, registry: false };
  let chatTaskId = '';

  beforeAll(async () => {
    buildWebIfStale();
    // Empty rate limits mean the service's defaults: the dashboard must work under them.
    h = await startScriptedHarness({
      env: { DEMO_MODE: 'true', MAX_CONCURRENT_TASKS: '3', PUBLIC_URL: 'https://agent.example.com', RATE_LIMIT_API_PER_MINUTE: '', RATE_LIMIT_WEBHOOKS_PER_MINUTE: '' },
    });
    for (const [name, probe] of [
      ['ledger', '/api/ledger?limit=1'],
      ['analytics', '/api/analytics/summary'],
      ['webhooks', '/api/webhooks'],
      ['registry', '/api/registry/agents'],
    ] as const) {
      has[name] = (await h.request('GET', probe)).status === 200;
    }
    b = await openBrowser();
    ({ context, page } = b);
    fs.mkdirSync(SHOTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await b?.close();
    await h?.close();
  });

  /** `scrollTo`: a selector to bring to the top first; by default the page's top. */
  const shot = async (name: string, scrollTo?: string) => {
    await page.evaluate(scrollTo ? `document.querySelector(${JSON.stringify(scrollTo)}).scrollIntoView()` : 'scrollTo(0, 0)');
    // Let charts and fonts settle; the stream cursor blinks, reducedMotion keeps it still.
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  };
  const taskStatus = async (id: string) => (await h.request('GET', `/api/tasks/${id}`)).body.status as string;

  it('serves the dashboard at / with client routes surviving a reload, and keeps JSON 404s for service paths', async () => {
    const res = await fetch(`${h.url}/ledger`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('<div id="root">');
    const missing = await fetch(`${h.url}/api/nothing-here`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no route GET /api/nothing-here' });
    expect((await fetch(`${h.url}/assets/gone-abc123.js`)).status).toBe(404);
    const html = await (await fetch(`${h.url}/`)).text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(`${h.url}${asset}`);
    expect(js.headers.get('cache-control')).toContain('immutable');
  });

  it('chat: a new conversation streams its reply in live, before the task ends', async () => {
    await page.goto(`${h.url}/chat`);
    await page.getByTestId('demo-banner').waitFor();
    await page.locator('[data-live="open"]').waitFor();
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('Tell me about streaming [[script:slow 4000 streamed reply text arrives piece by piece]]');
    await page.getByRole('button', { name: 'Send' }).click();

    const reply = page.getByTestId('live-reply');
    await reply.waitFor({ timeout: 30_000 });
    chatTaskId = (await reply.getAttribute('data-task-id'))!;
    // Some of the text is on screen while the rest is still being produced…
    // A function, not a string: the page's CSP forbids eval, and Playwright evaluates a string predicate on every poll.
    const partial = await page.waitForFunction(
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
    const answer = page.locator('[data-role="assistant"]').filter({ hasText: 'streamed reply text arrives piece by piece' });
    await answer.waitFor({ timeout: 30_000 });
    expect(await taskStatus(chatTaskId)).toBe('completed');
    await expect.poll(() => page.url()).toMatch(/\/chat\/conv_/);

    // Continue the conversation with a chosen model.
    await page.getByRole('textbox', { name: 'Reply', exact: true }).fill('And once more [[script:text Second answer.]]');
    await page.getByLabel('Model').selectOption('claude-haiku-4-5');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('[data-role="assistant"]').filter({ hasText: 'Second answer.' }).waitFor({ timeout: 30_000 });
    const conversationId = page.url().split('/chat/')[1]!;
    const tasks = (await h.request('GET', `/api/tasks?conversation_id=${conversationId}`)).body.tasks as Array<{ model: string | null }>;
    expect(tasks.map((t) => t.model)).toContain('claude-haiku-4-5');
    await expect.poll(() => page.locator('nav[aria-label="Conversations"] a[aria-current="page"]').count()).toBe(1);
    await shot('chat');
  }, 90_000);

  it('chat: replies render as Markdown (heading, table, highlighted code), a follow-up says it waits its turn, and finished replies keep their steps', async () => {
    const reply = '## Plan with **bold** steps\\n\\n| step | owner |\\n|---|---|\\n| build | agent |\\n\\n```js\\nconst answer = 42;\\n```';
    const first = await h.request('POST', '/api/chat', { message: `Plan it [[script:slow 5000 ${reply}]]` });
    const { task_id: a, conversation_id } = first.body;
    await h.waitForTask(a, ['running']);
    const b = (await h.request('POST', '/api/chat', { message: 'Now write it [[script:tool]]', conversation_id })).body.task_id as string;

    await page.goto(`${h.url}/chat/${conversation_id}`);
    const waiting = page.locator(`[data-testid="live-reply"][data-task-id="${b}"]`);
    await waiting.getByText('Waiting for the run before it in this conversation to finish.').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.title()).toMatch(/running\) Claude Code Agent$/);

    const plan = page.locator('[data-role="assistant"] h2').filter({ hasText: 'Plan with bold steps' });
    await plan.waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-role="assistant"] strong').first().textContent()).toBe('bold');
    // GitHub-flavoured table and a highlighted code block, as HTML.
    const answer = page.locator('[data-role="assistant"]').filter({ has: page.locator('h2', { hasText: 'Plan with bold steps' }) });
    expect(await answer.locator('table th').allTextContents()).toEqual(['step', 'owner']);
    expect(await answer.locator('table td').allTextContents()).toEqual(['build', 'agent']);
    await answer.locator('pre code.hljs').filter({ hasText: 'const answer = 42;' }).waitFor({ timeout: 10_000 });
    expect(await answer.locator('pre code .hljs-keyword').first().textContent()).toBe('const');

    const wrote = page.locator('[data-role="assistant"]').filter({ hasText: 'Wrote hello.txt.' });
    await wrote.waitFor({ timeout: 30_000 });
    await wrote.getByText('Steps of the run').click();
    await wrote.locator('[data-block="tool"]').filter({ hasText: 'Write' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => page.title()).toBe('Claude Code Agent');
  }, 90_000);

  it('chat: conversations are renamed, found, archived and deleted from the page; webhook threads are listed apart', async () => {
    const id = (await h.request('POST', '/api/conversations', { title: 'Quarterly plan' })).body.conversation_id as string;
    await page.goto(`${h.url}/chat/${id}`);
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('Title', { exact: true }).fill('Quarterly roadmap');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Quarterly roadmap' }).waitFor();
    expect((await h.request('GET', `/api/conversations/${id}`)).body.title).toBe('Quarterly roadmap');

    const nav = page.locator('nav[aria-label="Conversations"]');
    await page.getByLabel('Search conversations').fill('ROADMAP');
    await expect.poll(() => nav.locator('li').allTextContents()).toEqual([expect.stringContaining('Quarterly roadmap')]);
    await page.getByLabel('Show').selectOption('thread');
    await nav.getByText('No conversation titled like “ROADMAP”.').waitFor();
    await page.getByLabel('Show').selectOption('chat');

    await page.getByRole('button', { name: 'Archive' }).click();
    await page.getByRole('button', { name: 'Unarchive' }).waitFor();
    await nav.getByText('No conversation titled like “ROADMAP”.').waitFor();
    await page.getByLabel('Show').selectOption('archived');
    await nav.getByText('Quarterly roadmap').waitFor();

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.url()).toMatch(/\/chat$/);
    expect((await h.request('GET', `/api/conversations/${id}`)).status).toBe(404);
  }, 60_000);

  it('overview: watches a running task call tools live and cancels it', async () => {
    const started = await h.request('POST', '/api/chat', { message: 'Run the long job [[script:steps 30 700]]' });
    const taskId = started.body.task_id as string;
    await h.waitForTask(taskId, ['running']);
    await page.goto(`${h.url}/`);
    await page.locator(`li[data-task-id="${taskId}"] a`).click();
    const detail = page.locator(`article[aria-label="Task ${taskId}"]`);
    await detail.locator('[data-status="running"]').waitFor();
    // Tool calls arrive with their input and, when it comes back, their result.
    await detail.locator('[data-block="tool"]').filter({ hasText: 'echo step 2' }).waitFor({ timeout: 30_000 });
    await expect.poll(() => detail.locator('[data-block="tool"]').first().textContent()).toContain('step 1');
    await shot('overview');

    await detail.getByRole('button', { name: 'Cancel' }).click();
    // The status changes on screen from the live event; nothing reloads the task.
    await detail.locator('[data-status="cancelled"]').waitFor({ timeout: 30_000 });
    await page.locator(`li[data-task-id="${taskId}"] [data-status="cancelled"]`).waitFor();
    expect(await taskStatus(taskId)).toBe('cancelled');
  }, 90_000);

  it('overview: the workers card shows every worker with its load, and one that stopped beating as gone', async () => {
    // A worker on another machine that registered and then fell silent (its last heartbeat long past
    // WORKER_DEAD_SECONDS), written through the service's own registry as that worker process would have written it.
    const longAgo = Date.now() - 10 * 60_000;
    const deadId = 'other-host/4242/wdead1';
    await new WorkerRegistry(h.services.storage.db).register(
      { worker_id: deadId, host: 'other-host', pid: 4242, version: '0.0.0', started_at: longAgo, metrics_port: null },
      { running: 1, capacity: 2, draining: false },
      longAgo,
    );
    const started = await h.request('POST', '/api/chat', { message: 'A long one [[script:slow 10000 still going]]' });
    const taskId = started.body.task_id as string;
    await h.waitForTask(taskId, ['running']);
    await page.goto(`${h.url}/`);
    const workers = page.getByRole('list', { name: 'workers' });
    // This service's own worker: live, with the run it has going counted against its MAX_CONCURRENT_TASKS (3).
    const own = workers.locator(`li[data-state="live"]`).filter({ hasText: `pid ${process.pid}` });
    await own.filter({ hasText: /[1-3] \/ 3/ }).waitFor({ timeout: 30_000 });
    const dead = workers.locator(`li[data-worker="${deadId}"]`);
    await expect.poll(() => dead.getAttribute('data-state'), { timeout: 15_000 }).toBe('gone');
    expect(await dead.textContent()).toMatch(/gone: no heartbeat/);
    expect(await dead.textContent()).toContain('—'); // a gone worker has no load
    await shot('overview-workers', 'ul[aria-label="workers"]');
    await h.request('POST', `/api/tasks/${taskId}/cancel`);
    await h.waitForTask(taskId, ['cancelled', 'completed']);
  }, 60_000);

  it('ledger: the chat task is listed with its cost, and filters, sort and CSV export work', async (ctx) => {
    ctx.skip(!has.ledger, 'GET /api/ledger is not on this service yet');
    await page.goto(`${h.url}/ledger`);
    const row = page.locator(`tr[data-task-id="${chatTaskId}"]`);
    await row.waitFor();
    const task = (await h.request('GET', `/api/tasks/${chatTaskId}`)).body;
    expect(task.cost_usd).toBeGreaterThan(0);
    expect(await row.textContent()).toContain(usd(task.cost_usd));
    // The cancelled tasks earlier tests left (the API's count, not a number this test assumes).
    const cancelled = (await h.request('GET', '/api/tasks?status=cancelled&limit=100')).body.tasks.length;
    expect(cancelled).toBeGreaterThan(0);
    await page.getByLabel('Status').selectOption('cancelled');
    await expect.poll(() => page.locator('tr[data-task-id]').count()).toBe(cancelled);
    expect(await row.count()).toBe(0);
    expect(page.url()).toContain('status=cancelled');
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('button', { name: /^Cost/ }).click();
    await expect.poll(() => page.locator('th[aria-sort="descending"]').textContent()).toContain('Cost');
    const csvHref = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    const csv = await (await fetch(`${h.url}${csvHref}`)).text();
    expect(csv).toContain(chatTaskId);
    await shot('ledger');
  }, 60_000);

  it('analytics: the chat task’s cost shows in the totals and the chart', async (ctx) => {
    ctx.skip(!has.analytics, 'GET /api/analytics/summary is not on this service yet');
    let summary: { total: { cost_usd: number; tasks: number } } = { total: { cost_usd: 0, tasks: 0 } };
    await expect
      .poll(async () => {
        summary = (await h.request('GET', '/api/analytics/summary')).body;
        return summary.total.cost_usd;
      })
      .toBeGreaterThan(0);
    await page.goto(`${h.url}/analytics`);
    await page.getByText('Cost, all time').waitFor();
    const card = page.locator('div', { has: page.getByText('Cost, all time', { exact: true }) }).last();
    await expect.poll(() => card.textContent()).toContain(usd(summary.total.cost_usd));
    await page.getByTestId('cost-chart').locator('.recharts-bar-rectangle').first().waitFor();
    // Budgets are visible and editable here.
    await page.getByRole('form', { name: 'New budget' }).getByLabel('Limit per day (USD)').fill('25');
    await page.getByRole('button', { name: 'Add budget' }).click();
    await page.getByLabel('Limit in USD').first().waitFor();
    expect((await h.request('GET', '/api/budgets')).body.budgets).toMatchObject([{ scope: 'global', limit_usd: 25, enabled: true }]);
    await page.getByRole('form', { name: 'New budget' }).getByLabel('Scope').selectOption('source');
    await page.getByRole('button', { name: 'Add budget' }).click();
    await page.getByRole('form', { name: 'New budget' }).getByRole('alert').filter({ hasText: 'key' }).waitFor();
    await shot('analytics');
  }, 60_000);

  it('webhooks: create a dynamic webhook and a command, post a signed delivery, inspect and replay it', async (ctx) => {
    ctx.skip(!has.webhooks, 'GET /api/webhooks is not on this service yet');
    await page.goto(`${h.url}/hooks`);
    await page.getByLabel('Name').fill('Deploy failures');
    await page.getByLabel('Provider').selectOption('generic');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    // The secret is shown once, on the new webhook's page.
    const secret = (await page.locator('[data-secret]').textContent())!.trim();
    expect(secret.length).toBeGreaterThanOrEqual(16);
    const webhookId = page.url().split('/hooks/')[1]!;
    expect(await page.locator('[data-endpoint]').textContent()).toBe(`https://agent.example.com/webhooks/generic/${webhookId}`);
    await page.reload();
    await page.getByRole('heading', { name: 'Deploy failures' }).waitFor();
    expect(await page.locator('[data-secret]').count()).toBe(0);

    await page.getByRole('button', { name: 'Add command' }).click();
    const form = page.getByRole('form', { name: 'New command' });
    await form.getByLabel('Name').fill('postmortem');
    await form.getByLabel('Trigger').fill('deploy.failed');
    await form.getByLabel('Template').fill('Deploy {{id}} failed on {{env}} [[script:text Looked at it.]]');
    await form.getByLabel('Conditions (JSON)').fill('{"path": "payload.env", "op": "equals", "value": "prod"}');
    await form.getByRole('button', { name: 'Add command' }).click();
    await page.locator('[data-command="postmortem"]').waitFor();

    const body = JSON.stringify({ id: 'dep-7', event_type: 'deploy.failed', env: 'prod' });
    const delivered = await fetch(`${h.url}/webhooks/generic/${webhookId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature-256': signGeneric(secret, body), 'x-delivery-id': 'dep-7' },
      body,
    });
    expect(delivered.status).toBe(202);
    const firstTask = ((await delivered.json()) as { task_id: string }).task_id;

    await page.getByRole('button', { name: 'Refresh' }).click();
    const first = page.locator('li[data-event-id]').filter({ hasText: 'matched postmortem' });
    await first.waitFor();
    // Pinned by id: the replay adds a delivery of its own above it.
    const delivery = page.locator(`li[data-event-id="${await first.getAttribute('data-event-id')}"]`);
    await delivery.getByRole('button').first().click();
    await delivery.getByLabel('Rule decisions').getByText('postmortem').waitFor();
    expect(await delivery.textContent()).toContain('Deploy dep-7 failed on prod');
    await delivery.getByRole('button', { name: 'Replay' }).click();
    const replayed = delivery.getByRole('status').filter({ hasText: 'Replayed: task' });
    await replayed.waitFor();
    const replayTask = (await replayed.locator('a').textContent())!.trim();
    expect(replayTask).not.toBe(firstTask);
    expect((await h.waitForTask(replayTask)).output).toBe('Looked at it.');

    // The dry run explains without running anything.
    const dry = page.locator('section', { has: page.getByRole('heading', { name: 'Dry run' }) });
    await dry.getByLabel('Payload (JSON)').fill('{"event_type": "deploy.failed", "env": "staging"}');
    await dry.getByRole('button', { name: 'Test' }).click();
    await dry.getByRole('status').getByText(/postmortem/).waitFor();
    await shot('webhooks', 'section:has([data-command])');
  }, 90_000);

  it("webhooks: a built-in route's rule is edited on the same editor (an override) and restored", async (ctx) => {
    ctx.skip(!has.webhooks, 'GET /api/webhooks is not on this service yet');
    await page.goto(`${h.url}/hooks/static/github`);
    const help = page.locator('[data-command="help"]');
    await help.getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: 'Edit command help' });
    expect(await form.getByLabel('Action').inputValue()).toBe('help');
    await form.getByLabel('Trigger').fill('issue_comment.created');
    await form.getByRole('button', { name: 'Save command' }).click();
    await help.getByText('overridden').waitFor();
    const route = await h.request('GET', '/api/webhooks/static/github');
    expect(route.body.commands.find((c: any) => c.name === 'help')).toMatchObject({ action: 'help', triggers: ['issue_comment.created'], overridden: true, permissions: { permission_mode: 'default', disallowed_tools: ['Edit', 'Write', 'NotebookEdit'] } });

    page.once('dialog', (d) => void d.accept());
    await help.getByRole('button', { name: 'Restore built-in' }).click();
    await help.getByText('overridden').waitFor({ state: 'detached' });
    expect((await h.request('GET', '/api/webhooks/static/github')).body.commands.find((c: any) => c.name === 'help').overridden).toBe(false);
  });

  it('overview: approves a task that waits for approval, and rejects another', async (ctx) => {
    ctx.skip(!has.webhooks, 'GET /api/webhooks is not on this service yet');
    const created = await h.request('POST', '/api/webhooks', { name: 'Gated', provider: 'generic', secret: 'gated-secret-123456789' });
    const id = created.body.webhook_id as string;
    const command = await h.request('POST', `/api/webhooks/${id}/commands`, { name: 'gated', trigger: 'gate', template: 'Gate {{n}} [[script:text Approved run.]]', needs_approval: true });
    expect(command.status).toBe(201);
    const deliver = async (n: number) => {
      const body = JSON.stringify({ event_type: 'gate', n });
      const res = await fetch(`${h.url}/webhooks/generic/${id}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature-256': signGeneric('gated-secret-123456789', body) }, body });
      return ((await res.json()) as { task_id: string }).task_id;
    };
    const [approveId, rejectId] = [await deliver(1), await deliver(2)];
    expect(await taskStatus(approveId)).toBe('waiting_approval');
    await page.goto(`${h.url}/`);
    await page.getByRole('button', { name: 'Waiting approval' }).click();
    await page.locator(`li[data-task-id="${approveId}"]`).getByRole('button', { name: 'Approve' }).click();
    await page.locator(`li[data-task-id="${rejectId}"]`).getByRole('button', { name: 'Reject' }).click();
    expect((await h.waitForTask(approveId)).output).toBe('Approved run.');
    expect(await taskStatus(rejectId)).toBe('cancelled');
    // Both leave the "waiting" view's counter on the next status refresh.
    await page.getByRole('button', { name: 'All' }).click();
    await page.locator(`li[data-task-id="${approveId}"] [data-status="completed"]`).waitFor({ timeout: 30_000 });
  }, 60_000);

  it('registry: editing an agent into invalid frontmatter shows the service’s error beside the editor', async (ctx) => {
    ctx.skip(!has.registry, 'GET /api/registry/agents is not on this service yet');
    await page.goto(`${h.url}/registry/agents`);
    await page.getByRole('link', { name: 'planning', exact: true }).click();
    const editor = page.getByLabel('Agent file (markdown with frontmatter)');
    await editor.waitFor();
    const original = await editor.inputValue();
    await editor.fill(original.replace(/^description:.*$/m, 'description:'));
    await page.getByRole('button', { name: 'Save' }).click();
    const error = page.getByTestId('editor-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('description');
    const stored = (await h.request('GET', '/api/registry/agents/planning')).body;
    expect(stored.content).toBe(original);
    await shot('registry');
  }, 60_000);

  it('fits a phone screen and can be driven from the keyboard', async () => {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${h.url}/`);
    await phone.locator('li[data-task-id]').first().waitFor();
    // Nothing sticks out sideways (the nav and wide tables scroll inside their own boxes).
    const overflow = await phone.evaluate(
      `[...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > innerWidth + 1 && !el.closest('.overflow-x-auto')).slice(0, 5).map((el) => el.tagName + ' ' + el.className)`,
    );
    expect(overflow).toEqual([]);
    expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: path.join(SHOTS, 'overview-phone.png') });
    // Tab reaches the navigation; Enter follows it.
    for (let i = 0; i < 8; i++) {
      await phone.keyboard.press('Tab');
      if ((await phone.evaluate('document.activeElement && document.activeElement.textContent')) === 'Ledger') break;
    }
    await phone.keyboard.press('Enter');
    await expect.poll(() => phone.url()).toMatch(/\/ledger$/);
    await phone.close();
    expect(b.pageErrors).toEqual([]);
    expect(b.cspViolations).toEqual([]);
  }, 60_000);
});
