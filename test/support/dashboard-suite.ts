// The shared set-up of the dashboard tests in a real headless Chromium (test/e2e/dashboard.test.ts and
// test/e2e/dashboard-webhooks-and-registry.test.ts): a scripted service in demo mode and a browser page on it.
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildWebIfStale, CHROMIUM, type DashboardBrowser, haveChromium, openBrowser, SHOTS } from './browser.js';
import { type ScriptedHarness, startScriptedHarness } from './harness.js';

export { haveChromium };
export const DASHBOARD_SUITE = `dashboard in headless Chromium${haveChromium ? '' : ` (skipped: no browser at ${CHROMIUM})`}`;

fs.mkdirSync(SHOTS, { recursive: true });

export interface DashboardSuite {
  h: ScriptedHarness;
  /** Its cspViolations are what the browser refused under the service's Content-Security-Policy: must stay empty. */
  b: DashboardBrowser;
  context: BrowserContext;
  page: Page;
  /** `scrollTo`: a selector to bring to the top first; by default the page's top. */
  shot(name: string, scrollTo?: string): Promise<void>;
  taskStatus(id: string): Promise<string>;
}

/** Registers the suite's set-up and tear-down; the fields are filled in once beforeAll has run. */
export function dashboardSuite(): DashboardSuite {
  const ctx = {} as DashboardSuite;
  beforeAll(async () => {
    buildWebIfStale();
    // Empty rate limits mean the service's defaults: the dashboard must work under them.
    ctx.h = await startScriptedHarness({
      env: { DEMO_MODE: 'true', MAX_CONCURRENT_TASKS: '3', PUBLIC_URL: 'https://agent.example.com', RATE_LIMIT_API_PER_MINUTE: '', RATE_LIMIT_WEBHOOKS_PER_MINUTE: '' },
    });
    ctx.b = await openBrowser();
    ({ context: ctx.context, page: ctx.page } = ctx.b);
    fs.mkdirSync(SHOTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    // Every page the file's tests opened, not only the last test's: no script error, nothing refused by the CSP.
    if (ctx.b) {
      expect(ctx.b.pageErrors).toEqual([]);
      expect(ctx.b.cspViolations).toEqual([]);
    }
    await ctx.b?.close();
    await ctx.h?.close();
  });

  ctx.shot = async (name, scrollTo) => {
    await ctx.page.evaluate(scrollTo ? `document.querySelector(${JSON.stringify(scrollTo)}).scrollIntoView()` : 'scrollTo(0, 0)');
    // Let charts and fonts settle; the stream cursor blinks, reducedMotion keeps it still.
    await ctx.page.waitForTimeout(300);
    await ctx.page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  };
  ctx.taskStatus = async (id) => (await ctx.h.request('GET', `/api/tasks/${id}`)).body.status as string;
  return ctx;
}
