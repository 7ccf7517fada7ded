// Issue 14 items 1 and 2 in a real headless Chromium against the real service (storage, queue, worker, Claude Code
// CLI with the scripted model): a conversation's turns share its workspace, the Files panel shows the file and the
// diff of the run that wrote it, and the agent, model and permission mode chosen in the composer stay for later turns.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale, CHROMIUM, type DashboardBrowser, haveChromium, openBrowser, SHOTS } from '../support/browser.js';
import { type ScriptedHarness, startScriptedHarness } from '../support/harness.js';


describe.skipIf(!haveChromium)(`chat workspace in headless Chromium${haveChromium ? '' : ` (skipped: no browser at ${CHROMIUM})`}`, () => {
  let h: ScriptedHarness;
  let b: DashboardBrowser;
  let page: Page;

  beforeAll(async () => {
    buildWebIfStale();
    h = await startScriptedHarness({ env: { DEMO_MODE: 'true', RATE_LIMIT_API_PER_MINUTE: '', RATE_LIMIT_WEBHOOKS_PER_MINUTE: '' } });
    b = await openBrowser();
    page = b.page;
    fs.mkdirSync(SHOTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await b?.close();
    await h?.close();
  });

  it('a file written in one turn is read in the next, shown in the Files panel with its diff; agent and model stay chosen', async () => {
    await page.goto(`${h.url}/chat`);
    await page.locator('[data-live="open"]').waitFor();
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('Write the greeting [[script:tool]]');
    const agent = page.getByLabel('Agent', { exact: true });
    await expect.poll(() => agent.locator('option[value="executor"]').count()).toBe(1);
    await agent.selectOption('executor');
    await page.getByLabel('Model', { exact: true }).selectOption({ label: 'opus (claude-opus-5-5)' });
    await page.getByLabel('Permission mode', { exact: true }).selectOption('acceptEdits');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('[data-role="assistant"]').filter({ hasText: 'Wrote hello.txt.' }).waitFor({ timeout: 60_000 });
    await expect.poll(() => page.url()).toMatch(/\/chat\/conv_/);
    const conversationId = page.url().split('/chat/')[1]!;

    // The composer of the follow-up still says what the first turn ran with.
    expect(await page.getByLabel('Agent', { exact: true }).inputValue()).toBe('executor');
    expect(await page.getByLabel('Model', { exact: true }).inputValue()).toBe('claude-opus-5-5');
    expect(await page.getByLabel('Permission mode', { exact: true }).inputValue()).toBe('acceptEdits');

    // The next turn runs in the same folder: the file is there.
    await page.getByRole('textbox', { name: 'Reply', exact: true }).fill('Read it back [[script:bash cat hello.txt]]');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('[data-role="assistant"]').filter({ hasText: 'Bash output:' }).waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-role="assistant"]').filter({ hasText: 'Bash output:' }).textContent()).toContain('hello from the scripted model');
    const tasks = (await h.request('GET', `/api/tasks?conversation_id=${conversationId}`)).body.tasks as Array<{ assigned_agent: string | null; model: string | null; permission_mode: string | null }>;
    expect(tasks).toHaveLength(2);
    for (const t of tasks) expect(t).toMatchObject({ assigned_agent: 'executor', model: 'claude-opus-5-5', permission_mode: 'acceptEdits' });

    // The Files panel lists the file, shows it, and shows the run's Write as a diff.
    const panel = page.getByTestId('files-panel');
    await panel.getByRole('button', { name: /^hello\.txt/ }).click();
    await expect.poll(() => panel.getByTestId('file-view').textContent()).toContain('hello from the scripted model');
    const diff = panel.getByTestId('run-changes').getByTestId('file-diff');
    await diff.first().waitFor();
    expect(await diff.first().getAttribute('data-file')).toMatch(/hello\.txt$/);
    expect(await diff.first().locator('[data-change="added"]').textContent()).toContain('+ hello from the scripted model');

    // The run's own steps show the Write as a diff too.
    const first = page.locator('[data-role="assistant"]').filter({ hasText: 'Wrote hello.txt.' });
    await first.getByText('Steps of the run').click();
    await first.getByTestId('file-diff').first().waitFor();

    await panel.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'chat-workspace.png') });
    expect(b.pageErrors).toEqual([]);
  }, 240_000);
});
