import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import type { ServerHandle } from '../../helpers/server-process.js';
import { startEngineServer } from './engine-server.js';
import { launchBrowser, openPage, screenshot, seriousA11yViolations } from './browser-harness.js';

// The Processing Engine page against a real server running a real (failing) plugin in CPython.
describe('integration: the web console\'s Processing Engine page', function () {
  this.timeout(120_000);
  let stop: (() => Promise<void>) | undefined;
  let server: ServerHandle | undefined;
  let browser: Browser | undefined;
  let admin: string;

  const call = async (path: string, init: { method?: string; json?: unknown; body?: string } = {}) => {
    const res = await fetch(`${server!.url}${path}`, {
      method: init.method ?? 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${path} answered ${res.status}: ${text}`);
    return text;
  };

  before(async () => {
    ({ server, admin, stop } = await startEngineServer('console-engine-', {
      'failing.py': 'def process_scheduled_call(influxdb3_local, call_time, args=None):\n    raise ValueError("boom from the plugin")\n',
    }));
    await call('/api/v3/write_lp?db=plant', { body: 'm v=1 1' });
    await call('/api/v3/configure/processing_engine_trigger', {
      json: { db: 'plant', trigger_name: 'failing', plugin_filename: 'failing.py', trigger_specification: 'every:1s', trigger_settings: { run_async: false, error_behavior: 'log' }, disabled: false },
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await stop?.();
  });

  it('lists the trigger with its errors and last error; disables and deletes it', async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const { page, errors } = await openPage(context);
      page.on('dialog', (d) => void d.accept());
      await page.goto(`${server!.url}/ui/engine`);
      await page.locator('#token').fill(admin);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const row = page.locator('tr[data-trigger="failing"]');
      await row.waitFor();
      expect(await row.locator('td').nth(0).textContent()).to.equal('plant');
      expect(await row.locator('td').nth(2).textContent()).to.equal('every:1s');
      // The page refreshes itself: the plugin's failures show up without a reload.
      await page.waitForFunction(() => Number(document.querySelector('tr[data-trigger="failing"] [data-col="errors"]')?.textContent ?? 0) > 0, null, { timeout: 30_000 });
      expect(await row.locator('[data-col="errors"]').getAttribute('title')).to.include('boom from the plugin');
      expect(await screenshot(browser!, page, 'engine')).to.be.above(5);
      expect(await seriousA11yViolations(page)).to.deep.equal([]);

      await row.getByRole('button', { name: 'Disable failing' }).click();
      await row.getByRole('button', { name: 'Enable failing' }).waitFor();
      expect(await row.locator('[data-col="state"]').textContent()).to.match(/^disabled/);
      const listed = JSON.parse(await call('/api/v3/query_sql', { json: { db: 'plant', q: 'SELECT disabled FROM system.processing_engine_triggers', format: 'json' } })) as Array<{ disabled: boolean }>;
      expect(listed).to.deep.equal([{ disabled: true }]);

      await row.getByRole('button', { name: 'Delete failing' }).click();
      await row.waitFor({ state: 'detached' });
      await page.getByText('No triggers.').waitFor();
      expect(errors.filter((e) => !/the server responded with a status of 4\d\d/.test(e))).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
