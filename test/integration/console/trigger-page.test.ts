import { expect } from 'chai';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { ServerHandle } from '../../helpers/server-process.js';
import { startEngineServer } from './engine-server.js';
import { launchBrowser, openPage, screenshot, seriousA11yViolations, docScreenshot } from './browser-harness.js';

// The create form, the trigger list and a trigger's own page against a real server running a real failing plugin.
describe('integration: the web console\'s trigger form and trigger page', function () {
  this.timeout(120_000);
  let pluginDir: string;
  let stop: (() => Promise<void>) | undefined;
  let server: ServerHandle | undefined;
  let browser: Browser | undefined;
  let admin: string;

  const sql = async (q: string): Promise<Array<Record<string, unknown>>> => {
    const res = await fetch(`${server!.url}/api/v3/query_sql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ db: 'plant', q, format: 'json' }),
    });
    expect(res.status, await res.clone().text()).to.equal(200);
    return (await res.json()) as Array<Record<string, unknown>>;
  };

  before(async () => {
    const started = await startEngineServer('console-trigger-', {
      'raises.py': [
        'def process_scheduled_call(influxdb3_local, call_time, args=None):',
        '    influxdb3_local.info("tick with " + str(args))',
        '    explode(args)',
        '',
        'def explode(args):',
        '    raise RuntimeError("plugin raised on purpose")',
        '',
      ].join('\n'),
    });
    ({ server, admin, stop } = started);
    pluginDir = started.pluginDir;
    const write = await fetch(`${server.url}/api/v3/write_lp?db=plant`, { method: 'POST', headers: { authorization: `Bearer ${admin}` }, body: 'cpu v=1 1' });
    expect(write.status).to.equal(204);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await stop?.();
  });

  it('creates a failing trigger with the form, shows it failing, its traceback and live log, disables and deletes it', async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const { page, errors } = await openPage(context);
      await page.goto(`${server!.url}/ui/engine#/new`);
      await page.locator('#token').fill(admin);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'New trigger' }).waitFor();
      // Explore stays mounted (hidden) beside it: look inside the form only.
      const form = page.locator('form.trigger-form');

      // The builders: cron shows five next times, request shows the URL and a curl call.
      await form.getByLabel('Cron schedule').check();
      const cron = form.getByLabel(/^Cron expression/);
      await cron.fill('0 0 9 * * 2');
      await form.locator('.cron-next li').nth(4).waitFor();
      const times = await form.locator('.cron-next li').allTextContents();
      expect(times).to.have.length(5);
      for (const t of times) expect(t).to.match(/^\d{4}-\d\d-\d\d 09:00:00 UTC$/);
      await cron.fill('61 * * * * *');
      await form.getByText(/seconds value 61 is out of range/).waitFor();
      await form.getByLabel('HTTP request').check();
      await form.getByLabel('Path').fill('/hooks/in');
      expect(await form.getByTestId('request-url').textContent()).to.equal(`${server!.url}/api/v3/engine/hooks/in`);
      expect(await form.locator('pre.curl').textContent()).to.include(`curl -X POST '${server!.url}/api/v3/engine/hooks/in'`);

      // The trigger itself: every second, one argument; the server's refusal of a bad name is shown as it is.
      await form.getByLabel('Database').fill('plant');
      await form.getByLabel('Trigger name').fill('raiser');
      await form.getByLabel(/^Plugin file/).fill('missing.py');
      await form.getByLabel('Every interval').check();
      await form.getByLabel(/^Interval/).fill('1s');
      expect(await form.getByTestId('spec').textContent()).to.equal('every:1s');
      await form.getByRole('button', { name: 'Add argument' }).click();
      await form.getByLabel('argument 1 key').fill('region');
      await form.getByLabel('argument 1 value').fill('eu');
      expect(await seriousA11yViolations(page)).to.deep.equal([]);
      expect(await screenshot(browser!, page, 'trigger-form')).to.be.above(5);
      await form.getByRole('button', { name: 'Create trigger' }).click();
      expect(await form.getByRole('alert').textContent()).to.equal(`reading plugin file: Plugin not found: ${join(pluginDir, 'missing.py')}`);
      await form.getByLabel(/^Plugin file/).fill('raises.py');
      await form.getByRole('button', { name: 'Create trigger' }).click();

      // Created: its page opens; the failure, the traceback and log lines show up without a reload.
      await page.getByRole('heading', { name: /Trigger raiser/ }).waitFor();
      expect(new URL(page.url()).hash).to.equal('#/plant/raiser');
      const traceback = page.locator('pre.traceback');
      await traceback.waitFor({ timeout: 30_000 });
      const tb = (await traceback.textContent())!;
      expect(tb).to.include('RuntimeError: plugin raised on purpose');
      expect(tb).to.include('Traceback (most recent call last)');
      expect(tb).to.include('in explode');
      expect(await page.locator('[data-fact="Spec"]').textContent()).to.equal('every:1s');
      expect(await page.locator('.args tbody tr').allTextContents()).to.deep.equal(['regioneu']);
      const logLines = page.locator('.log .log-line');
      await page.waitForFunction(() => document.querySelectorAll('.log .log-line.level-error').length >= 2, null, { timeout: 30_000 });
      const seen = await logLines.count();
      await page.waitForFunction((n) => document.querySelectorAll('.log .log-line').length > n, seen, { timeout: 30_000 });
      expect((await logLines.allTextContents()).join('\n')).to.include("tick with {'region': 'eu'}");
      expect(await seriousA11yViolations(page)).to.deep.equal([]);
      expect(await screenshot(browser!, page, 'trigger-page')).to.be.above(5);
      await docScreenshot(page, 'console-trigger');

      // The list shows it failing, with its last hour of activity.
      await page.getByRole('link', { name: 'All triggers' }).click();
      const row = page.locator('tr[data-trigger="raiser"]');
      await row.waitFor();
      await page.waitForFunction(() => Number(document.querySelector('tr[data-trigger="raiser"] [data-col="errors"]')?.textContent ?? 0) > 0, null, { timeout: 30_000 });
      expect(Number(await row.locator('svg.spark').getAttribute('data-errors'))).to.be.above(0);
      expect(await row.locator('[data-col="state"]').textContent()).to.equal('running, failing');
      expect(await row.locator('td').nth(2).textContent()).to.equal('every:1s');
      expect(await seriousA11yViolations(page)).to.deep.equal([]);
      expect(await screenshot(browser!, page, 'trigger-list')).to.be.above(5);
      await docScreenshot(page, 'console-engine');

      // Back on its page: disable it there.
      await row.getByRole('link', { name: 'raiser' }).click();
      await page.getByRole('button', { name: 'Disable', exact: true }).click();
      await page.getByRole('button', { name: 'Enable', exact: true }).waitFor();
      expect(await page.locator('[data-fact="State"]').textContent()).to.match(/^disabled/);
      expect(await sql("SELECT disabled FROM system.processing_engine_triggers WHERE trigger_name = 'raiser'")).to.deep.equal([{ disabled: true }]);

      // Enabled again, a plain delete is refused with the server's words; `force` deletes it.
      await page.getByRole('button', { name: 'Enable', exact: true }).click();
      await page.getByRole('button', { name: 'Disable', exact: true }).waitFor();
      await page.getByRole('button', { name: 'Delete…' }).click();
      await page.getByRole('group', { name: 'Confirm delete' }).getByRole('button', { name: 'Delete' }).click();
      const forced = page.getByRole('group', { name: 'Confirm forced delete' });
      expect(await forced.locator('.error').textContent()).to.equal('Cannot delete running plugin raiser. Disable it first or use --force.');
      await forced.getByRole('button', { name: 'Delete anyway (force)' }).click();
      await page.getByRole('status').filter({ hasText: 'Trigger raiser deleted.' }).waitFor();
      expect(await sql('SELECT trigger_name FROM system.processing_engine_triggers')).to.deep.equal([]);
      // The 5xx answers are the refusals above (upstream answers a missing plugin and a running trigger's delete so).
      expect(errors.filter((e) => !/the server responded with a status of 4\d\d/.test(e))).to.deep.equal(
        Array(2).fill('Failed to load resource: the server responded with a status of 500 (Internal Server Error)'),
      );
    } finally {
      await context.close();
    }
  });
});
