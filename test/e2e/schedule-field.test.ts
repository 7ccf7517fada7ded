// The schedule field of the Webhooks page in a real headless Chromium (issue 15, item 7): a cron schedule set on a
// rule is saved and its next runs are listed; an invalid one shows the service's reason and saves nothing.
// Needs the dashboard built (`npm run build:web`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardBrowser, haveChromium, openBrowser } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startScriptedModel, type ScriptedModel } from '../support/scripted-model.js';

describe.skipIf(!haveChromium)('the schedule field on the Webhooks page', () => {
  let model: ScriptedModel;
  let h: Harness;
  let b: DashboardBrowser;
  let webhookId: string;

  beforeAll(async () => {
    model = await startScriptedModel();
    // The scheduler stays off: this test is about the page, not the firing (test/scheduled-rules.test.ts).
    h = await startHarness({ model, env: { SCHEDULER_TICK_SECONDS: '0' } });
    const created = await h.request('POST', '/api/webhooks', { name: 'Nightly jobs', provider: 'generic' });
    expect(created.status).toBe(201);
    webhookId = created.body.webhook_id;
    const rule = await h.request('POST', `/api/webhooks/${webhookId}/commands`, { name: 'triage', trigger: 'triage', template: 'Triage the open issues [[script:text Done.]]' });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    b = await openBrowser();
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await h?.close();
    await model?.close();
  });

  const stored = async () => (await h.request('GET', `/api/webhooks/${webhookId}/commands`)).body.commands[0];

  it('saves a cron schedule and lists its next runs; an invalid one shows the error and saves nothing', async () => {
    const { page } = b;
    await page.goto(`${h.url}/hooks/${webhookId}`);
    const rule = page.locator('[data-command="triage"]');
    await rule.getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: 'Edit command triage' });

    await form.getByLabel('Schedule (cron, UTC)').fill('61 * * * *');
    await form.getByRole('button', { name: 'Save command' }).click();
    await form.getByText(/schedule: .*minute/i).waitFor();
    expect(await stored()).toMatchObject({ schedule: null });
    expect(await rule.locator('[data-schedule]').count()).toBe(0);

    await form.getByLabel('Schedule (cron, UTC)').fill('0 2 * * *');
    await form.getByRole('button', { name: 'Save command' }).click();
    const line = rule.locator('[data-schedule]');
    await line.waitFor();
    const saved = await stored();
    expect(saved.schedule).toBe('0 2 * * *');
    expect(saved.next_runs).toHaveLength(3);
    expect(saved.next_runs.every((t: string) => t.endsWith('T02:00:00.000Z'))).toBe(true);
    const text = (await line.textContent())!;
    expect(text).toContain('0 2 * * *');
    expect(text).toContain('next:');
    expect(text).not.toContain('never');
    // Each of the three next runs is listed (the page shows them in the browser's time zone).
    expect(text.split('next:')[1]!.match(/\d{2}:\d{2}:\d{2}/g)).toHaveLength(3);
    expect(b.pageErrors).toEqual([]);
    expect(b.cspViolations).toEqual([]);
  });
});
