// Details of the dashboard a user notices, in a real headless Chromium against the real service (storage, queue,
// worker, Claude Code with the scripted model): the approval card says what will run, who asked, where and with which
// permissions; the Registry guards unsaved edits and shows each agent's runs; the active tab is marked; the phone's
// navigation shows that it scrolls.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale, type DashboardBrowser, haveChromium, openBrowser, SHOTS } from '../support/browser.js';
import { type ScriptedHarness, startScriptedHarness } from '../support/harness.js';
import { signGeneric } from '../support/signing.js';

const SECRET = 'approval-card-secret-123456';

describe.skipIf(!haveChromium)('dashboard details in headless Chromium', () => {
  let h: ScriptedHarness;
  let b: DashboardBrowser;
  let webhookId = '';

  beforeAll(async () => {
    buildWebIfStale();
    h = await startScriptedHarness({ env: { RATE_LIMIT_API_PER_MINUTE: '', RATE_LIMIT_WEBHOOKS_PER_MINUTE: '' } });
    webhookId = (await h.request('POST', '/api/webhooks', { name: 'Deploys', provider: 'generic', secret: SECRET })).body.webhook_id as string;
    const command = await h.request('POST', `/api/webhooks/${webhookId}/commands`, {
      name: 'triage',
      trigger: 'deploy.failed',
      template: 'Find why deploy {{id}} failed on {{env}} [[script:text Triaged.]]',
      needs_approval: true,
      permissions: { permission_mode: 'dontAsk', allowed_tools: ['Read', 'Bash(git log:*)'] },
    });
    expect(command.status).toBe(201);
    b = await openBrowser();
  }, 240_000);

  afterAll(async () => {
    await b?.close();
    await h?.close();
  });

  const deliver = async (id: string, env: string) => {
    const body = JSON.stringify({ event_type: 'deploy.failed', id, env, thread_id: `deploy-${id}`, title: `Deploy ${id}` });
    const res = await fetch(`${h.url}/webhooks/generic/${webhookId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature-256': signGeneric(SECRET, body), 'x-delivery-id': `delivery-${id}` },
      body,
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { task_id: string }).task_id;
  };

  it('shows the rendered prompt, the command, the thread and the delivery link; the delivery opens in the inspector', async () => {
    const first = await deliver('d-41', 'prod');
    const second = await deliver('d-42', 'staging');
    const { page } = b;
    await page.goto(`${h.url}/tasks/${second}`);
    const card = page.locator(`article[aria-label="Task ${second}"]`).getByTestId('approval-card');
    // The prompt the run will get, rendered from this delivery: two waiting tasks no longer look alike.
    await card.getByTestId('approval-prompt').getByText('Find why deploy d-42 failed on staging').waitFor();
    expect(await card.textContent()).toContain('triage');
    expect(await card.textContent()).toContain('deploy.failed');
    expect(await card.getByTestId('approval-permissions').textContent()).toContain('dontAsk permission mode · may use Read, Bash(git log:*)');
    await card.getByRole('link', { name: 'Deploy d-42' }).waitFor();
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'approval.png') });

    await card.getByTestId('approval-delivery').click();
    await expect.poll(() => page.url()).toContain(`/hooks/${webhookId}?delivery=`);
    const opened = page.locator('li[data-event-id][aria-current="true"]');
    await opened.getByLabel('Rule decisions').waitFor();
    expect(await opened.textContent()).toContain('Find why deploy d-42 failed on staging');

    // The "Waiting approval" filter drops a task once it is approved, without a reload.
    await page.goto(`${h.url}/`);
    await page.getByRole('button', { name: 'Waiting approval' }).click();
    const row = page.locator(`li[data-task-id="${first}"]`);
    await row.waitFor();
    await row.getByRole('button', { name: 'Approve' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await h.waitForTask(first)).output).toBe('Triaged.');
    await page.locator(`li[data-task-id="${second}"]`).getByRole('button', { name: 'Reject' }).click();
    await page.locator(`li[data-task-id="${second}"]`).waitFor({ state: 'detached' });
    expect(b.pageErrors).toEqual([]);
    expect(b.cspViolations).toEqual([]);
  }, 120_000);

  it('GET /api/tasks/{id}/approval: a chat task has no delivery and its message is its prompt; an unknown task is a 404', async () => {
    const chat = (await h.request('POST', '/api/chat', { message: 'Just a question [[script:text Yes.]]' })).body.task_id as string;
    const context = await h.request('GET', `/api/tasks/${chat}/approval`);
    expect(context.status).toBe(200);
    expect(context.body).toMatchObject({ task_id: chat, prompt: 'Just a question [[script:text Yes.]]', command: null, delivery: null });
    const missing = await h.request('GET', '/api/tasks/task_nope/approval');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toContain('task_nope');
  });

  it("registry: an agent's runs and cost are listed; leaving an edited agent asks first", async () => {
    const chat = (await h.request('POST', '/api/chat', { message: 'Plan [[script:text Planned.]]', agent: 'planning' })).body.task_id as string;
    await h.waitForTask(chat);
    const { page } = b;
    await page.goto(`${h.url}/registry`);
    // The index shows the agents, and their tab says so.
    await page.locator('nav[aria-label="Registry"] a[aria-current="page"]', { hasText: 'Agents' }).waitFor();
    await page.locator('nav[aria-label="Main"] a[aria-current="page"]', { hasText: 'Registry' }).waitFor();
    const planning = page.locator('ul[aria-label="agents"] li', { has: page.getByRole('link', { name: 'planning', exact: true }) });
    await expect.poll(() => planning.locator('[data-usage]').textContent()).toMatch(/^1 run · \$\d/);

    await planning.getByRole('link', { name: 'planning', exact: true }).click();
    const editor = page.getByLabel('Agent file (markdown with frontmatter)');
    await editor.waitFor();
    await editor.fill(`${await editor.inputValue()}\nOne more line.`);
    const editing = page.url();
    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.dismiss();
    });
    await page.getByRole('link', { name: 'All agents' }).click();
    await expect.poll(() => asked).toContain('unsaved changes');
    expect(page.url()).toBe(editing);
    expect(await editor.inputValue()).toContain('One more line.');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('link', { name: 'All agents' }).click();
    await expect.poll(() => page.url()).toBe(`${h.url}/registry/agents`);
    expect((await h.request('GET', '/api/registry/agents/planning')).body.content).not.toContain('One more line.');
  }, 60_000);

  it('marks the Overview tab on a task, and the phone navigation shows it scrolls', async () => {
    const chat = (await h.request('POST', '/api/chat', { message: 'Hi [[script:text Hello.]]' })).body.task_id as string;
    await h.waitForTask(chat);
    await b.page.goto(`${h.url}/tasks/${chat}`);
    await b.page.locator('nav[aria-label="Main"] a[aria-current="page"]', { hasText: 'Overview' }).waitFor();

    const phone = await b.context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${h.url}/`);
    const nav = phone.locator('nav[aria-label="Main"]');
    await phone.locator('[data-nav-hint="after"]').waitFor();
    expect(await phone.locator('[data-nav-hint="before"]').count()).toBe(0);
    await nav.evaluate((el) => el.scrollBy({ left: 10_000 }));
    await phone.locator('[data-nav-hint="after"]').waitFor({ state: 'detached' });
    await phone.locator('[data-nav-hint="before"]').waitFor();
    // The current tab is scrolled into view: the Registry, last in the row, is visible once opened.
    await phone.goto(`${h.url}/registry`);
    await expect.poll(() => phone.locator('nav[aria-label="Main"] a[aria-current="page"]').evaluate((a) => a.getBoundingClientRect().right <= (globalThis as unknown as { innerWidth: number }).innerWidth)).toBe(true);
    await phone.close();
    expect(b.pageErrors).toEqual([]);
  }, 60_000);
});
