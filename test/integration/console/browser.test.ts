import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServer, type ServerHandle } from '../../helpers/server-process.js';
import { launchBrowser, openPage, screenshot, seriousA11yViolations, docScreenshot } from './browser-harness.js';

// The console in a real browser (Debian's chromium through playwright-core) against a real server with tokens.

async function api(url: string, path: string, init: { method?: string; token?: string; body?: string; json?: unknown } = {}): Promise<any> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${url}${path}`, { method: init.method ?? 'GET', headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const BIG_ROWS = 100_000;

function weatherLines(): string {
  const lines: string[] = [];
  const t0 = Date.UTC(2026, 0, 1) * 1e6;
  for (let i = 0; i < 20; i++) {
    for (const [room, base] of [['kitchen', 21], ['bedroom', 18]] as const) {
      lines.push(`home,room=${room} temp=${base + Math.sin(i / 3)},hum=${40 + i}i ${t0 + i * 60e9}`);
    }
  }
  return lines.join('\n');
}

function bigLines(): string {
  const lines: string[] = [];
  const t0 = Date.UTC(2026, 0, 1) * 1e6;
  for (let i = 0; i < BIG_ROWS; i++) lines.push(`m,host=h${i % 4} v=${i} ${t0 + i * 1e9}`);
  return lines.join('\n');
}

async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/ui/`);
  await page.locator('#token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

async function setQuery(page: Page, q: string): Promise<void> {
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(q);
}

// Runs the editor's query with Ctrl-Enter and waits for its result (the next run number) to show.
// Clicks a download button and returns the file the browser saved.
async function downloaded(page: Page, button: string): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button, exact: true }).click()]);
  return readFileSync((await file.path())!);
}

async function runQuery(page: Page): Promise<string> {
  const previous = Number((await page.locator('.result').getAttribute('data-run', { timeout: 100 }).catch(() => null)) ?? 0);
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+Enter');
  const stats = page.locator(`.result[data-run="${previous + 1}"]`).getByTestId('stats');
  await stats.waitFor();
  return (await stats.textContent()) ?? '';
}

describe('integration: the web console in a browser', function () {
  this.timeout(120_000);
  let browser: Browser;
  let server: ServerHandle;
  let admin: string;
  let weatherToken: string;
  let context: BrowserContext | undefined;
  const errors: string[] = [];

  before(async () => {
    server = await startServer({ withoutAuth: false });
    admin = (await api(server.url, '/api/v3/configure/token/admin', { method: 'POST' })).token;
    await api(server.url, '/api/v3/write_lp?db=weather', { method: 'POST', token: admin, body: weatherLines() });
    await api(server.url, '/api/v3/write_lp?db=other', { method: 'POST', token: admin, body: 'cpu,host=a usage=1 1' });
    await api(server.url, '/api/v3/write_lp?db=big', { method: 'POST', token: admin, body: bigLines() });
    weatherToken = (await api(server.url, '/api/v3/enterprise/configure/token', {
      method: 'POST', token: admin,
      json: { token_name: 'weather-reader', permissions: [{ resource_type: 'db', resource_identifier: ['weather'], actions: ['read'] }] },
    })).token;
    browser = await launchBrowser();
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    // Nothing the browser reported as an error on any page: no Content-Security-Policy violation, no exception (the
    // API's 4xx answers to the refused token and the bad queries the tests send are expected).
    expect(errors.filter((e) => !/the server responded with a status of 4\d\d/.test(e))).to.deep.equal([]);
  });

  async function newPage(): Promise<Page> {
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const opened = await openPage(context);
    opened.page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    opened.page.on('pageerror', (e) => errors.push(e.message));
    return opened.page;
  }

  it('asks for a token once and keeps it in sessionStorage only', async () => {
    const page = await newPage();
    await page.goto(`${server.url}/ui/`);
    await page.locator('#token').waitFor();
    expect(await screenshot(browser, page, 'login')).to.be.above(5);
    expect(await seriousA11yViolations(page)).to.deep.equal([]);
    await page.locator('#token').fill('apiv3_not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'does not accept this token' }).waitFor();
    await page.locator('#token').fill(admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('influxdb3.token'))).to.equal(admin);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).to.not.include(admin);
    expect(await page.evaluate(() => document.cookie)).to.equal('');
    expect(page.url()).to.not.include(admin);
    // A reload keeps the session: no second prompt.
    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await page.locator('#token').count()).to.equal(0);
  });

  it('explores databases, tables and their columns with kinds', async () => {
    const page = await newPage();
    await signIn(page, server.url, admin);
    // Every database the token may list, the server's own _internal among them.
    expect(await page.locator('#db option').allTextContents()).to.deep.equal(['_internal', 'big', 'other', 'weather']);
    await page.selectOption('#db', 'weather');
    await page.getByRole('button', { name: 'home', exact: true }).click();
    const columns = page.locator('.columns li');
    await columns.first().waitFor();
    const text = (await columns.allTextContents()).join('\n');
    expect(text).to.match(/room tag/);
    expect(text).to.match(/temp field Float64/);
    expect(text).to.match(/hum field Int64/);
    expect(text).to.match(/time time Timestamp/);
    expect(await screenshot(browser, page, 'explore')).to.be.above(5);
    expect(await seriousA11yViolations(page)).to.deep.equal([]);
  });

  it('runs SQL and InfluxQL and shows the table and a chart with one line per tag set', async () => {
    const page = await newPage();
    await signIn(page, server.url, admin);
    await page.selectOption('#db', 'weather');
    await page.getByRole('button', { name: 'home', exact: true }).click();
    // Completion offers the database's tables and columns.
    await setQuery(page, 'SELECT * FROM ho');
    await page.keyboard.press('Control+Space');
    await page.locator('.cm-tooltip-autocomplete').getByText('home', { exact: true }).waitFor();
    await page.keyboard.press('Escape');
    await setQuery(page, 'SELECT te');
    await page.keyboard.press('Control+Space');
    await page.locator('.cm-tooltip-autocomplete').getByText('temp', { exact: true }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Query this table' }).click();
    expect(await runQuery(page)).to.match(/^40 rows in \d+ ms$/);
    expect(await page.locator('[role=columnheader]').allTextContents()).to.include.members(['room', 'temp', 'hum', 'time']);
    expect(await page.locator('.results-row').count()).to.be.above(5);
    expect(await page.locator('.chart canvas').count()).to.be.above(0);
    const legend = await page.locator('.u-legend .u-label').allTextContents();
    expect(legend).to.include.members(['temp {room=kitchen}', 'temp {room=bedroom}', 'hum {room=kitchen}', 'hum {room=bedroom}']);
    expect(await screenshot(browser, page, 'sql-result')).to.be.above(5);
    await docScreenshot(page, 'console-explore');
    expect(await seriousA11yViolations(page)).to.deep.equal([]);

    // The same query downloaded through the query API's formats.
    const csv = (await downloaded(page, 'CSV')).toString().trim().split('\n');
    expect(csv).to.have.length(41);
    expect(csv[0]!.split(',')).to.include.members(['room', 'temp', 'hum', 'time']);
    const jsonl = (await downloaded(page, 'JSON Lines')).toString().trim().split('\n').map((l) => JSON.parse(l));
    expect(jsonl).to.have.length(40);
    expect(jsonl[0]).to.include.keys('room', 'temp', 'hum', 'time');
    const parquet = await downloaded(page, 'Parquet');
    expect(parquet.subarray(0, 4).toString()).to.equal('PAR1');
    expect(parquet.subarray(-4).toString()).to.equal('PAR1');

    await page.selectOption('#language', 'influxql');
    await setQuery(page, 'SELECT temp FROM home WHERE room = \'kitchen\'');
    expect(await runQuery(page)).to.match(/^20 rows in \d+ ms$/);
    expect(await page.locator('[role=columnheader]').allTextContents()).to.include.members(['iox::measurement', 'time', 'temp']);
    expect(await page.locator('.u-legend .u-label').allTextContents()).to.include('temp {iox::measurement=home}');
    expect(await screenshot(browser, page, 'influxql-result')).to.be.above(5);
    // History: both queries, newest first.
    const history = await page.locator('#history option').allTextContents();
    expect(history[1]).to.equal('SELECT temp FROM home WHERE room = \'kitchen\'');
    expect(history[2]).to.match(/^SELECT \* FROM "home"/);

    await page.selectOption('#language', 'sql');
    await setQuery(page, 'SELECT nope FROM home');
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+Enter');
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).to.include('nope');
  });

  it('a database token sees only its database', async () => {
    const page = await newPage();
    await signIn(page, server.url, weatherToken);
    const db = page.locator('input#db');
    await db.fill('weather');
    await db.press('Enter');
    await page.getByRole('button', { name: 'home', exact: true }).waitFor();
    expect(await page.locator('.table-name').allTextContents()).to.deep.equal(['home']);
    expect(await screenshot(browser, page, 'database-token')).to.be.above(5);
    expect(await seriousA11yViolations(page)).to.deep.equal([]);
    await db.fill('other');
    await db.press('Enter');
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).to.match(/other/);
    expect(await page.locator('.table-name').count()).to.equal(0);
  });

  it('the Server page shows health, version and figures from /metrics; a database token is refused them', async () => {
    const page = await newPage();
    await signIn(page, server.url, admin);
    await page.getByRole('link', { name: 'Server' }).click();
    expect(new URL(page.url()).pathname).to.equal('/ui/server');
    const figure = (name: string) => page.locator(`dd[data-figure="${name}"]`);
    await figure('Version').waitFor();
    const ping = await api(server.url, '/ping', { token: admin });
    expect(await figure('Version').textContent()).to.equal(ping.version);
    expect(await figure('Health').textContent()).to.equal('OK');
    // The lines the test wrote: 40 + 1 + BIG_ROWS.
    expect(await figure('Lines written').textContent()).to.equal((41 + BIG_ROWS).toLocaleString('en-US'));
    expect(await figure('Uptime').textContent()).to.match(/^\d+m \d+s$|h|d/);
    expect(await figure('Resident memory').textContent()).to.match(/^[\d.]+ (MiB|GiB)$/);
    expect(await screenshot(browser, page, 'server')).to.be.above(5);
    expect(await seriousA11yViolations(page)).to.deep.equal([]);
    // A client route loads directly too, and Explore is one click away.
    await page.reload();
    await figure('Version').waitFor();
    await page.getByRole('link', { name: 'Explore' }).click();
    await page.locator('#db').waitFor();
    await context!.close();

    const scoped = await newPage();
    await signIn(scoped, server.url, weatherToken);
    await scoped.getByRole('link', { name: 'Server' }).click();
    await scoped.getByRole('alert').waitFor();
    expect(await scoped.getByRole('alert').textContent()).to.match(/unauthorized/i);
  });

  it(`renders and scrolls a ${BIG_ROWS}-row result without a main-thread task over 200 ms`, async () => {
    const page = await newPage();
    await signIn(page, server.url, admin);
    await page.selectOption('#db', 'big');
    await setQuery(page, 'SELECT time, host, v FROM m');
    await page.evaluate(() => {
      const w = window as unknown as { longTasks: number[] };
      w.longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.longTasks.push(e.duration);
      }).observe({ type: 'longtask' });
    });
    expect(await runQuery(page)).to.match(new RegExp(`^${BIG_ROWS} rows in \\d+ ms$`));
    // Only the visible rows are in the DOM.
    expect(await page.locator('.results-row').count()).to.be.within(10, 200);
    const body = page.locator('.results-body');
    for (const fraction of [0.25, 0.5, 0.75, 1]) {
      await body.evaluate((el, f) => { el.scrollTop = el.scrollHeight * f; }, fraction);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    }
    await page.locator(`[aria-rowindex="${BIG_ROWS + 1}"]`).waitFor();
    expect(await page.locator(`[aria-rowindex="${BIG_ROWS + 1}"] [role=cell]`).allTextContents()).to.include(String(BIG_ROWS - 1));
    await screenshot(browser, page, 'large-result');
    const longest = await page.evaluate(() => Math.max(0, ...(window as unknown as { longTasks: number[] }).longTasks));
    if (process.env.CONSOLE_REPORT) console.log(`longest main-thread task: ${longest.toFixed(0)} ms`);
    expect(longest, 'longest main-thread task (ms)').to.be.below(200);
  });
});

describe('integration: the web console with --without-auth', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let server: ServerHandle | undefined;

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('asks for no token', async () => {
    server = await startServer();
    await api(server.url, '/api/v3/write_lp?db=open', { method: 'POST', body: 'cpu,host=a usage=1 1' });
    browser = await launchBrowser();
    const context = await browser.newContext();
    const { page, errors } = await openPage(context);
    await page.goto(`${server.url}/ui/`);
    await page.getByText('no authentication').waitFor();
    expect(await page.locator('#token').count()).to.equal(0);
    await page.getByRole('button', { name: 'cpu', exact: true }).waitFor();
    expect(await screenshot(browser, page, 'without-auth')).to.be.above(5);
    expect(await seriousA11yViolations(page)).to.deep.equal([]);
    expect(errors).to.deep.equal([]);
    await context.close();
  });
});
