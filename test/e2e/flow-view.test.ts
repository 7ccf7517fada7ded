// The run view in a real headless Chromium (issue 15, items 1 and 5): a flow of two Jira issues shown as one timeline,
// and Hand off downloading the Claude session with the command that resumes it.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { type DashboardBrowser, haveChromium, openBrowser } from '../support/browser.js';
import { type ScriptedHarness, startScriptedHarness } from '../support/harness.js';
import { startFakeJira, type FakeProvider } from '../support/fake-providers.js';
import { signJira } from '../support/signing.js';

const SECRET = 'jira-secret';
const MAINTAINER = '712020:maintainer';
let n = 0;

describe.skipIf(!haveChromium)('flow timeline and Hand off in the run view', () => {
  let jira: FakeProvider;
  let h: ScriptedHarness;
  let b: DashboardBrowser;
  let page: Page;

  beforeAll(async () => {
    jira = await startFakeJira();
    h = await startScriptedHarness({
      env: { JIRA_WEBHOOK_SECRET: SECRET, JIRA_BASE_URL: jira.url, JIRA_EMAIL: 'agent@example.com', JIRA_API_TOKEN: 'jira-token', JIRA_MAINTAINERS: MAINTAINER },
    });
    b = await openBrowser({ acceptDownloads: true });
    page = b.page;
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await h?.close();
    await jira?.close();
  });

  const comment = async (issueKey: string, text: string) => {
    const payload = JSON.parse(fs.readFileSync(path.join(projectRoot, 'test', 'fixtures', 'jira', 'comment_created.json'), 'utf8'));
    payload.issue.key = issueKey;
    payload.comment.body = text;
    payload.comment.id = String(80_000 + ++n);
    payload.comment.author.accountId = MAINTAINER;
    const body = JSON.stringify(payload);
    const res = await fetch(`${h.url}/webhooks/jira`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-atlassian-webhook-identifier': `flow-view-${Date.now()}-${n}`, 'x-hub-signature': signJira(SECRET, body) },
      body,
    });
    expect(res.status).toBe(202);
    const task = await h.waitForTask(((await res.json()) as { task_id: string }).task_id);
    expect(task.status).toBe('completed');
    return task;
  };

  it('shows the flow across both issues and hands the session off', async () => {
    const first = await comment('PROJ-1', '@agent analyze [[script:text The cache key is wrong.]]');
    const second = await comment('PROJ-2', '@agent analyze this, as in PROJ-1 [[script:text Same cause as PROJ-1.]]');
    expect(second.flow_id).toBe(first.flow_id);

    await page.goto(`${h.url}/tasks/${second.task_id}`);
    const flow = page.getByRole('region', { name: 'Flow' });
    await flow.waitFor({ timeout: 30_000 });
    expect(await flow.textContent()).toContain(`Flow ${first.flow_id}: 2 threads, one Claude session`);
    expect(await flow.getByText('jira:PROJ-1').count()).toBe(1);
    expect(await flow.getByText('jira:PROJ-2').count()).toBe(1);
    // The other thread's task is a link to its run.
    await flow.getByRole('link').first().click();
    await page.waitForURL(`**/tasks/${first.task_id}`);

    const downloaded = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Hand off' }).click();
    const file = await downloaded;
    expect(file.suggestedFilename()).toBe(`${first.claude_session_id}.jsonl`);
    expect(fs.readFileSync(await file.path(), 'utf8')).toContain('Same cause as PROJ-1.');
    const handOff = page.getByRole('region', { name: 'Hand off' });
    await handOff.getByText(`claude --resume ${first.claude_session_id}`).waitFor();
    await page.screenshot({ path: path.join(projectRoot, 'test-results', 'flow-view.png') });
  });
});
