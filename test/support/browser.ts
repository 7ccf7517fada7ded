// A real headless Chromium (Debian's package, driven by playwright-core) for the dashboard's end-to-end tests, with
// the page errors and Content-Security-Policy refusals it saw collected for the test to assert on.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { projectRoot } from '../../src/paths.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium && process.env.REQUIRE_SERVICES === '1') throw new Error(`${CHROMIUM} is missing: apt-get install chromium (REQUIRE_SERVICES=1 makes this a failure)`);

/** Where screenshots go: with UPDATE_SCREENSHOTS=1 to docs/screenshots/ (the README's), otherwise test-results/. */
export const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? path.join(projectRoot, 'docs', 'screenshots') : path.join(projectRoot, 'test-results', 'screenshots');

/** Builds the dashboard the service serves, as `npm install` (postinstall) does; a no-op when web/dist is newer than its sources. */
export function buildWebIfStale(): void {
  execFileSync(process.execPath, [path.join(projectRoot, 'web', 'scripts', 'build-web.mjs'), '--if-stale'], { cwd: projectRoot, stdio: 'inherit', timeout: 180_000 });
}

export interface DashboardBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  pageErrors: string[];
  cspViolations: string[];
  close(): Promise<void>;
}

export async function openBrowser({ viewport = { width: 1280, height: 800 }, acceptDownloads = false } = {}): Promise<DashboardBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
  const context = await browser.newContext({ viewport, reducedMotion: 'reduce', acceptDownloads });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  const cspViolations: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  context.on('console', (msg) => {
    if (/Content.Security.Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });
  return { browser, context, page, pageErrors, cspViolations, close: () => browser.close() };
}
