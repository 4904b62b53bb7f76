import { expect } from 'chai';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServer, type ServerHandle } from '../../helpers/server-process.js';
import { buildTestVenv, waitForNoRunners } from '../../fixtures/plugins/plugin-server.js';
import { buildWheel, tinyPackage } from '../../fixtures/packages/wheels.js';
import { docScreenshot, launchBrowser, openPage, screenshot, seriousA11yViolations } from './browser-harness.js';

// The Plugins page (registry, editor, dry-run tests, saving, package installs) and the Server page's databases,
// tokens and caches, in a real browser against a real server running CPython, with an admin and a database token.

const SUMMER = `def process_writes(influxdb3_local, table_batches, args=None):
    total = 0.0
    for batch in table_batches:
        for row in batch["rows"]:
            total += row["usage"]
    influxdb3_local.info(f"sum is {total}")
    influxdb3_local.write(LineBuilder("sums").tag("source", "console").float64_field("total", total))
`;

const BROKEN = `def helper(rows):
    raise ValueError("no rows wanted here")


def process_writes(influxdb3_local, table_batches, args=None):
    influxdb3_local.info("about to fail")
    helper(table_batches)
`;

const TICKER = `def process_scheduled_call(influxdb3_local, call_time, args=None):
    influxdb3_local.info(f"tick for {args['site']}")
    influxdb3_local.write(LineBuilder("ticks").tag("site", args["site"]).int64_field("n", 1))
`;

// Browser errors other than the failed-request lines of answers the test expects: the sign-in probe's 401, and the
// 403s a database token gets.
const unexpected = (errors: string[], allowed = /the server responded with a status of 401/): string[] => errors.filter((e) => !allowed.test(e));

// Clicks Run test and waits for the dry run's result with the given outcome; returns its log lines and the lines it
// would write to `db`.
async function runTest(page: Page, outcome: 'ok' | 'failed', db = 'plant') {
  await page.getByRole('button', { name: 'Run test' }).click();
  const result = page.locator(`.dry-run[data-outcome="${outcome}"]`);
  await result.waitFor({ timeout: 30_000 });
  const writes = result.locator(`.writes[data-database="${db}"] pre`);
  return { result, log: (await result.locator('.log-lines').textContent())!, writes: (await writes.count()) ? await writes.textContent() : null };
}

// Replaces the text of the CodeMirror editor under `host` (its content element is in a shadow root; Playwright's
// locators pierce it).
async function setEditorText(page: Page, host: string, text: string): Promise<void> {
  await page.locator(`${host} .cm-content`).click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

describe('integration: the web console\'s Plugins and Server pages', function () {
  this.timeout(120_000);
  let root: string;
  let pluginDir: string;
  let venv: string;
  let server: ServerHandle | undefined;
  // The same plugin dir served with --without-auth, started beside the other.
  let openServer: ServerHandle | undefined;
  let browser: Browser | undefined;
  let admin: string;
  let context: BrowserContext | undefined;

  const api = async (path: string, init: { method?: string; json?: unknown; body?: string; token?: string } = {}) => {
    const res = await fetch(`${server!.url}${path}`, {
      method: init.method ?? 'POST',
      headers: { authorization: `Bearer ${init.token ?? admin}`, 'content-type': 'application/json' },
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${path} answered ${res.status}: ${text}`);
    return text;
  };

  const signIn = async (page: Page, path: string, token: string) => {
    await page.goto(`${server!.url}/ui/${path}`);
    await page.locator('#token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'console-plugins-'));
    pluginDir = join(root, 'plugins');
    await mkdir(pluginDir);
    await writeFile(join(pluginDir, 'summer.py'), SUMMER);
    await writeFile(join(pluginDir, 'broken.py'), BROKEN);
    await writeFile(join(pluginDir, 'ticker.py'), TICKER);
    const wheels = join(root, 'wheels');
    await buildWheel(wheels, tinyPackage('tinyconsole', 'installed from the console'));
    venv = await buildTestVenv(join(root, 'venv'));
    [server, openServer, browser] = await Promise.all([
      startServer({
        withoutAuth: false,
        args: ['--plugin-dir', pluginDir, '--virtual-env-location', venv],
        env: { PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels },
      }),
      startServer({ args: ['--plugin-dir', pluginDir, '--virtual-env-location', venv] }),
      launchBrowser(),
    ]);
    const res = await fetch(`${server.url}/api/v3/configure/token/admin`, { method: 'POST' });
    admin = ((await res.json()) as { token: string }).token;
    await api('/api/v3/configure/database', { json: { db: 'plant', retention_period: '30d' } });
    expect((await fetch(`${openServer!.url}/api/v3/write_lp?db=plant`, { method: 'POST', body: 'm v=1 1' })).status).to.equal(204);
    await api('/api/v3/write_lp?db=plant', { body: 'cpu,host=a usage=0.5 1\nother v=1 1' });
    await api('/api/v3/write_lp?db=elsewhere', { body: 'm v=1 1' });
    await api('/api/v3/configure/last_cache', { json: { db: 'plant', table: 'cpu', name: 'cpu_last', key_columns: ['host'] } });
    await api('/api/v3/configure/processing_engine_trigger', {
      json: { db: 'plant', trigger_name: 'summing', plugin_filename: 'summer.py', trigger_specification: 'table:other', trigger_settings: { run_async: false, error_behavior: 'log' }, disabled: false },
    });
  });
  beforeEach(async () => {
    context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
  });
  afterEach(async () => {
    await context?.close();
  });
  after(async () => {
    await browser?.close();
    await Promise.all([server?.stop(), openServer?.stop()]);
    const left = server ? await waitForNoRunners(pluginDir) : [];
    if (root) await rm(root, { recursive: true, force: true });
    expect(left, 'plugin runners left behind').to.deep.equal([]);
  });

  it('opens a plugin, tests the edited text (log lines, would-be writes), saves it to disk', async () => {
    const { page, errors } = await openPage(context!);
    await signIn(page, 'plugins', admin);
    const item = page.locator('li[data-plugin="summer.py"]');
    await item.waitFor();
    expect(await item.locator('[data-col="used-by"]').textContent()).to.equal('used by plant/summing');
    expect(await item.textContent()).to.match(/file · local · version [0-9a-f]{12} · 1 file/);
    await item.getByRole('button', { name: 'summer.py' }).click();
    await page.locator('.plugin-editor .cm-content').filter({ hasText: 'sum is' }).waitFor();

    const edited = SUMMER.replace('sum is', 'total usage is');
    await setEditorText(page, '.plugin-editor', edited);
    await page.getByText('unsaved changes').waitFor();
    await page.locator('#test-db').selectOption('plant');
    await page.locator('#test-lp').fill('cpu,host=a usage=0.5\ncpu,host=b usage=0.25');
    const run = await runTest(page, 'ok');
    expect(run.log).to.include('INFO: total usage is 0.75');
    expect(run.writes).to.equal('sums,source=console total=0.75');
    // Tested, not saved: the file is as it was.
    expect(await readFile(join(pluginDir, 'summer.py'), 'utf8')).to.equal(SUMMER);

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved summer.py.').waitFor();
    expect(await readFile(join(pluginDir, 'summer.py'), 'utf8')).to.equal(edited);
    expect(await page.locator('.dry-run').count(), 'the last result stays after saving').to.equal(1);
    expect(await screenshot(browser!, page, 'plugins')).to.be.above(5);
    await docScreenshot(page, 'console-plugins');
    expect(await seriousA11yViolations(page)).to.deep.equal([]);
    expect(unexpected(errors)).to.deep.equal([]);
  });

  it('a failing plugin test shows the error with its Python traceback', async () => {
    const { page, errors } = await openPage(context!);
    await signIn(page, 'plugins', admin);
    await page.locator('li[data-plugin="broken.py"]').getByRole('button', { name: 'broken.py' }).click();
    await page.locator('.plugin-editor .cm-content').filter({ hasText: 'no rows wanted' }).waitFor();
    await page.locator('#test-db').selectOption('plant');
    const run = await runTest(page, 'failed');
    expect(await run.result.locator('.plugin-error .error').textContent()).to.include('ValueError: no rows wanted here');
    const traceback = await run.result.locator('.test-traceback').textContent();
    expect(traceback).to.match(/^Traceback \(most recent call last\):/);
    expect(traceback).to.include('in helper');
    expect(run.log).to.include('INFO: about to fail');
    expect(run.writes).to.equal(null);
    expect(await seriousA11yViolations(page)).to.deep.equal([]);
    expect(unexpected(errors)).to.deep.equal([]);
  });

  it('installs a package with pip\'s output shown line by line (offline, from a local wheel)', async () => {
    const { page, errors } = await openPage(context!);
    await signIn(page, 'plugins', admin);
    await page.locator('#packages').fill('tinyconsole==0.1.0');
    await page.getByRole('button', { name: 'Install' }).click();
    const outcome = page.locator('[data-install-outcome]');
    await outcome.waitFor({ timeout: 60_000 });
    expect(await outcome.textContent()).to.equal('Installed tinyconsole-0.1.0');
    const output = (await page.locator('.pip-output').textContent())!.split('\n');
    expect(output.some((l) => l.includes('tinyconsole-0.1.0-py3-none-any.whl'))).to.equal(true);
    expect(output.at(-1)).to.include('Successfully installed tinyconsole-0.1.0');
    expect(unexpected(errors)).to.deep.equal([]);
  });

  it('the Server page lists databases, tokens and caches; creates a database and a token shown once', async () => {
    const { page, errors } = await openPage(context!);
    page.on('dialog', (d) => void d.accept());
    await signIn(page, 'server', admin);
    const plant = page.locator('tr[data-database="plant"]');
    await plant.waitFor();
    expect(await plant.locator('td').nth(1).textContent()).to.equal('30d');
    await page.locator('tr[data-database="elsewhere"]').waitFor();
    await page.locator('tr[data-token-name="_admin"]').waitFor();
    const cache = page.locator('tr[data-cache="cpu_last"]');
    await cache.waitFor();
    expect(await cache.locator('td').allTextContents()).to.deep.equal(['last', 'plant', 'cpu', 'cpu_last', 'host', 'Delete']);

    await page.locator('#new-db').fill('fresh');
    await page.locator('#new-db-retention').fill('2w');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    expect(await page.locator('tr[data-database="fresh"] td').nth(1).textContent()).to.equal('2w');

    await page.locator('#new-token').fill('reader');
    await page.locator('#new-token-scope').selectOption('plant');
    await page.getByRole('button', { name: 'Create token' }).click();
    const shown = (await page.locator('[data-token]').textContent())!;
    expect(shown).to.match(/^apiv3_/);
    await page.locator('tr[data-token-name="reader"]').waitFor();
    expect(await page.locator('tr[data-token-name="reader"] td').nth(1).textContent()).to.equal('db:plant:read,write');
    // The token works: it may query its database.
    await api('/api/v3/query_sql', { json: { db: 'plant', q: 'SELECT 1', format: 'json' }, token: shown });
    expect(await screenshot(browser!, page, 'server')).to.be.above(5);
    await docScreenshot(page, 'console-server');
    expect(await seriousA11yViolations(page)).to.deep.equal([]);
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.locator('[data-token]').count()).to.equal(0);

    await page.getByRole('button', { name: 'Delete database fresh' }).click();
    await page.locator('tr[data-database="fresh"]').waitFor({ state: 'detached' });
    expect(unexpected(errors)).to.deep.equal([]);
  });

  it('a database token sees its own database only: the admin parts say they are refused', async () => {
    const created = JSON.parse(await api('/api/v3/enterprise/configure/token', {
      json: { token_name: 'plant-only', permissions: [{ resource_type: 'db', resource_identifier: ['plant'], actions: ['read'] }] },
    })) as { token: string };
    const { page, errors } = await openPage(context!);
    await signIn(page, 'server', created.token);
    await page.getByRole('heading', { name: 'Databases' }).waitFor();
    const refused = page.locator('.refused');
    await page.waitForFunction(() => document.querySelectorAll('.refused').length === 4);
    const texts = await refused.allTextContents();
    expect(texts[0]).to.match(/^Server status needs an admin token or one with system access; the server refused this one \(403: unauthorized/);
    expect(texts.slice(1)).to.deep.equal([
      'Needs an admin token: the server refused this one (403).',
      'Needs an admin token: the server refused this one (403).',
      'Needs an admin token: the server refused this one (403).',
    ]);
    expect(await page.locator('table').count()).to.equal(0);

    await page.getByRole('link', { name: 'Plugins' }).click();
    await page.getByText('The plugin registry needs an admin token').waitFor();
    expect(await page.locator('li[data-plugin]').count()).to.equal(0);
    // Saving is refused by the server, and the page says why.
    await page.locator('#new-plugin').fill('sneaky');
    await page.getByRole('button', { name: 'New', exact: true }).click();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText(/^Not saved: Saving a plugin needs an admin token; the server refused this one \(403/).waitFor();
    expect(await readFile(join(pluginDir, 'sneaky.py'), 'utf8').catch(() => null)).to.equal(null);
    // Its own database answers; another does not.
    await api('/api/v3/query_sql', { json: { db: 'plant', q: 'SELECT 1', format: 'json' }, token: created.token });
    const other = await fetch(`${server!.url}/api/v3/query_sql`, { method: 'POST', headers: { authorization: `Bearer ${created.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ db: 'elsewhere', q: 'SELECT 1' }) });
    expect(other.status).to.equal(403);
    expect(await seriousA11yViolations(page)).to.deep.equal([]);
    expect(unexpected(errors, /the server responded with a status of 40[13]/)).to.deep.equal([]);
  });

  it('with --without-auth no token is asked; a schedule test runs with a schedule and arguments', async () => {
    const { page, errors } = await openPage(context!);
    await page.goto(`${openServer!.url}/ui/plugins`);
    await page.locator('li[data-plugin="broken.py"]').waitFor();
    expect(await page.locator('#token').count()).to.equal(0);
    await page.getByText('no authentication').waitFor();

    await page.locator('li[data-plugin="ticker.py"]').getByRole('button', { name: 'ticker.py' }).click();
    await page.locator('.plugin-editor .cm-content').filter({ hasText: 'tick for' }).waitFor();
    await page.getByLabel('Schedule', { exact: true }).check();
    await page.locator('#test-db').selectOption('plant');
    await page.locator('#test-schedule').fill('*/5 * * * * *');
    await page.locator('#test-args').fill('site=north');
    const run = await runTest(page, 'ok');
    expect(run.log).to.include('INFO: tick for north');
    expect(run.writes).to.equal('ticks,site=north n=1i');
    expect(await run.result.locator('p').first().textContent()).to.match(/Trigger time: \S+\./);

    await page.getByRole('link', { name: 'Server' }).click();
    await page.getByText('The server runs without authentication').waitFor();
    expect(errors).to.deep.equal([]);
  });
});
