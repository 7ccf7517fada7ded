// The dashboard's webhooks, approval, registry and phone flows in a real headless Chromium; the serving, chat,
// overview, ledger and analytics flows are in dashboard.test.ts (the shared set-up is test/support/dashboard-suite.ts).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHOTS } from '../support/browser.js';
import { DASHBOARD_SUITE, dashboardSuite, haveChromium } from '../support/dashboard-suite.js';
import { signGeneric } from '../support/signing.js';

describe.skipIf(!haveChromium)(DASHBOARD_SUITE, () => {
  const ctx = dashboardSuite();
  const { shot, taskStatus } = ctx;

  it('webhooks: create a dynamic webhook and a command, post a signed delivery, inspect and replay it', async () => {
    await ctx.page.goto(`${ctx.h.url}/hooks`);
    await ctx.page.getByLabel('Name').fill('Deploy failures');
    await ctx.page.getByLabel('Provider').selectOption('generic');
    await ctx.page.getByRole('button', { name: 'Create webhook' }).click();
    // The secret is shown once, on the new webhook's page.
    const secret = (await ctx.page.locator('[data-secret]').textContent())!.trim();
    expect(secret.length).toBeGreaterThanOrEqual(16);
    const webhookId = ctx.page.url().split('/hooks/')[1]!;
    expect(await ctx.page.locator('[data-endpoint]').textContent()).toBe(`https://agent.example.com/webhooks/generic/${webhookId}`);
    await ctx.page.reload();
    await ctx.page.getByRole('heading', { name: 'Deploy failures' }).waitFor();
    expect(await ctx.page.locator('[data-secret]').count()).toBe(0);

    await ctx.page.getByRole('button', { name: 'Add command' }).click();
    const form = ctx.page.getByRole('form', { name: 'New command' });
    await form.getByLabel('Name').fill('postmortem');
    await form.getByLabel('Trigger').fill('deploy.failed');
    await form.getByLabel('Template').fill('Deploy {{id}} failed on {{env}} [[script:text Looked at it.]]');
    await form.getByLabel('Conditions (JSON)').fill('{"path": "payload.env", "op": "equals", "value": "prod"}');
    await form.getByRole('button', { name: 'Add command' }).click();
    await ctx.page.locator('[data-command="postmortem"]').waitFor();

    const body = JSON.stringify({ id: 'dep-7', event_type: 'deploy.failed', env: 'prod' });
    const delivered = await fetch(`${ctx.h.url}/webhooks/generic/${webhookId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature-256': signGeneric(secret, body), 'x-delivery-id': 'dep-7' },
      body,
    });
    expect(delivered.status).toBe(202);
    const firstTask = ((await delivered.json()) as { task_id: string }).task_id;

    await ctx.page.getByRole('button', { name: 'Refresh' }).click();
    const first = ctx.page.locator('li[data-event-id]').filter({ hasText: 'matched postmortem' });
    await first.waitFor();
    // Pinned by id: the replay adds a delivery of its own above it.
    const delivery = ctx.page.locator(`li[data-event-id="${await first.getAttribute('data-event-id')}"]`);
    await delivery.getByRole('button').first().click();
    await delivery.getByLabel('Rule decisions').getByText('postmortem').waitFor();
    expect(await delivery.textContent()).toContain('Deploy dep-7 failed on prod');
    await delivery.getByRole('button', { name: 'Replay' }).click();
    const replayed = delivery.getByRole('status').filter({ hasText: 'Replayed: task' });
    await replayed.waitFor();
    const replayTask = (await replayed.locator('a').textContent())!.trim();
    expect(replayTask).not.toBe(firstTask);
    expect((await ctx.h.waitForTask(replayTask)).output).toBe('Looked at it.');

    // The dry run explains without running anything.
    const dry = ctx.page.locator('section', { has: ctx.page.getByRole('heading', { name: 'Dry run' }) });
    await dry.getByLabel('Payload (JSON)').fill('{"event_type": "deploy.failed", "env": "staging"}');
    await dry.getByRole('button', { name: 'Test' }).click();
    await dry.getByRole('status').getByText(/postmortem/).waitFor();
    await shot('webhooks', 'section:has([data-command])');
  }, 90_000);

  it("webhooks: a built-in route's rule is edited on the same editor (an override) and restored", async () => {
    await ctx.page.goto(`${ctx.h.url}/hooks/static/github`);
    const help = ctx.page.locator('[data-command="help"]');
    await help.getByRole('button', { name: 'Edit' }).click();
    const form = ctx.page.getByRole('form', { name: 'Edit command help' });
    expect(await form.getByLabel('Action').inputValue()).toBe('help');
    await form.getByLabel('Trigger').fill('issue_comment.created');
    await form.getByRole('button', { name: 'Save command' }).click();
    await help.getByText('overridden').waitFor();
    const route = await ctx.h.request('GET', '/api/webhooks/static/github');
    expect(route.body.commands.find((c: any) => c.name === 'help')).toMatchObject({ action: 'help', triggers: ['issue_comment.created'], overridden: true, permissions: { permission_mode: 'default', disallowed_tools: ['Edit', 'Write', 'NotebookEdit'] } });

    ctx.page.once('dialog', (d) => void d.accept());
    await help.getByRole('button', { name: 'Restore built-in' }).click();
    await help.getByText('overridden').waitFor({ state: 'detached' });
    expect((await ctx.h.request('GET', '/api/webhooks/static/github')).body.commands.find((c: any) => c.name === 'help').overridden).toBe(false);
  });

  it('overview: approves a task that waits for approval, and rejects another', async () => {
    const created = await ctx.h.request('POST', '/api/webhooks', { name: 'Gated', provider: 'generic', secret: 'gated-secret-123456789' });
    const id = created.body.webhook_id as string;
    const command = await ctx.h.request('POST', `/api/webhooks/${id}/commands`, { name: 'gated', trigger: 'gate', template: 'Gate {{n}} [[script:text Approved run.]]', needs_approval: true });
    expect(command.status).toBe(201);
    const deliver = async (n: number) => {
      const body = JSON.stringify({ event_type: 'gate', n });
      const res = await fetch(`${ctx.h.url}/webhooks/generic/${id}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature-256': signGeneric('gated-secret-123456789', body) }, body });
      return ((await res.json()) as { task_id: string }).task_id;
    };
    const [approveId, rejectId] = [await deliver(1), await deliver(2)];
    expect(await taskStatus(approveId)).toBe('waiting_approval');
    await ctx.page.goto(`${ctx.h.url}/`);
    await ctx.page.getByRole('button', { name: 'Waiting approval' }).click();
    await ctx.page.locator(`li[data-task-id="${approveId}"]`).getByRole('button', { name: 'Approve' }).click();
    await ctx.page.locator(`li[data-task-id="${rejectId}"]`).getByRole('button', { name: 'Reject' }).click();
    expect((await ctx.h.waitForTask(approveId)).output).toBe('Approved run.');
    expect(await taskStatus(rejectId)).toBe('cancelled');
    // Both leave the "waiting" view's counter on the next status refresh.
    await ctx.page.getByRole('button', { name: 'All' }).click();
    await ctx.page.locator(`li[data-task-id="${approveId}"] [data-status="completed"]`).waitFor({ timeout: 30_000 });
  }, 60_000);

  it('registry: editing an agent into invalid frontmatter shows the service’s error beside the editor', async () => {
    await ctx.page.goto(`${ctx.h.url}/registry/agents`);
    await ctx.page.getByRole('link', { name: 'planning', exact: true }).click();
    const editor = ctx.page.getByLabel('Agent file (markdown with frontmatter)');
    await editor.waitFor();
    const original = await editor.inputValue();
    await editor.fill(original.replace(/^description:.*$/m, 'description:'));
    await ctx.page.getByRole('button', { name: 'Save' }).click();
    const error = ctx.page.getByTestId('editor-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('description');
    const stored = (await ctx.h.request('GET', '/api/registry/agents/planning')).body;
    expect(stored.content).toBe(original);
    await shot('registry');
  }, 60_000);

  it('fits a phone screen and can be driven from the keyboard', async () => {
    const phone = await ctx.context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${ctx.h.url}/`);
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
    expect(ctx.b.pageErrors).toEqual([]);
    expect(ctx.b.cspViolations).toEqual([]);
  }, 60_000);
});
