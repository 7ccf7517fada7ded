// The dashboard of a service with no Anthropic credential, in a real headless Chromium (issue 14 item 4): every page
// carries a banner naming the variable to set, before any run fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardBrowser, haveChromium, openBrowser } from '../support/browser.js';
import { type ScriptedHarness, startScriptedHarness } from '../support/harness.js';

describe.skipIf(!haveChromium)('the credential banner', () => {
  let h: ScriptedHarness;
  let b: DashboardBrowser;

  beforeAll(async () => {
    h = await startScriptedHarness({ env: { ANTHROPIC_API_KEY: '' } });
    b = await openBrowser();
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await h?.close();
  });

  it('names the variable to set on the Overview and the Chat page', async () => {
    for (const route of ['/', '/chat']) {
      await b.page.goto(`${h.url}${route}`);
      const banner = b.page.getByTestId('credential-banner');
      await banner.waitFor({ timeout: 30_000 });
      expect(await banner.textContent()).toMatch(/^No Anthropic credential.*ANTHROPIC_API_KEY/);
      expect(await banner.getAttribute('role')).toBe('alert');
    }
    expect(b.pageErrors).toEqual([]);
  }, 90_000);
});
