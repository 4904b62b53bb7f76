import { expect } from 'chai';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT, startServer, type ServerHandle } from '../../helpers/server-process.js';
import { fetchAnswer } from '../../helpers/http.js';
import { makeCerts } from '../../helpers/certs.js';

const CONSOLE_DIR = join(ROOT, 'dist', 'console');
const ASSETS = readdirSync(join(CONSOLE_DIR, 'assets'));
const SCRIPT = ASSETS.find((f) => f.endsWith('.js'))!;
const STYLE = ASSETS.find((f) => f.endsWith('.css'))!;

function expectConsoleHeaders(headers: Headers): void {
  const csp = headers.get('content-security-policy') ?? '';
  expect(csp).to.include("default-src 'self'");
  expect(csp).to.include("script-src 'self'");
  expect(csp).to.include("style-src 'self'");
  expect(csp).to.not.include('unsafe-inline');
  expect(csp).to.not.include('unsafe-eval');
  expect(csp).to.not.match(/https?:/);
  expect(headers.get('x-content-type-options')).to.equal('nosniff');
}

function httpsGet(port: number, path: string, ca: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, ca: readFileSync(ca), agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('integration: the web console is served at /ui/', function () {
  this.timeout(60_000);
  let server: ServerHandle;

  before(async () => {
    // Authentication on: the console's files need no token, the API still does.
    server = await startServer({ withoutAuth: false });
  });
  after(async () => {
    await server?.stop();
  });

  it('/ui redirects to /ui/, keeping the query string', async () => {
    const res = await fetch(`${server.url}/ui?x=1`, { redirect: 'manual' });
    expect(res.status).to.equal(301);
    expect(res.headers.get('location')).to.equal('/ui/?x=1');
  });

  it('/ui/ is the built index.html, without a token, no-cache, with a strict CSP and nosniff', async () => {
    const res = await fetchAnswer(`${server.url}/ui/`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    expect(res.headers.get('cache-control')).to.equal('no-cache');
    expectConsoleHeaders(res.headers);
    expect(res.text).to.equal(readFileSync(join(CONSOLE_DIR, 'index.html'), 'utf8'));
    expect(res.text).to.include(`src="assets/${SCRIPT}"`);
    expect(res.text).to.include(`href="assets/${STYLE}"`);
    // No inline script or style: every <script> loads a file, and there is no <style> element or style attribute.
    expect(res.text.match(/<script\b[^>]*>/g)!.every((tag) => / src="/.test(tag))).to.equal(true);
    expect(res.text).to.not.match(/<style\b|\sstyle="/);
    const api = await fetchAnswer(`${server.url}/api/v3/configure/database?format=json`);
    expect(api.status).to.equal(401);
  });

  it('hashed assets are immutable, typed and gzip-encoded when asked', async () => {
    for (const [file, type] of [[SCRIPT, /^text\/javascript/], [STYLE, /^text\/css/]] as const) {
      const res = await fetch(`${server.url}/ui/assets/${file}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(res.status, file).to.equal(200);
      expect(res.headers.get('content-type')).to.match(type);
      expect(res.headers.get('cache-control')).to.equal('public, max-age=31536000, immutable');
      expect(res.headers.get('content-encoding')).to.equal('gzip');
      expectConsoleHeaders(res.headers);
      expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(join(CONSOLE_DIR, 'assets', file)))).to.equal(true);
    }
  });

  it('client routes fall back to index.html; a missing file is a 404; other methods are the API\'s', async () => {
    const index = readFileSync(join(CONSOLE_DIR, 'index.html'), 'utf8');
    for (const path of ['/ui/explore', '/ui/engine/triggers/t1']) {
      const res = await fetchAnswer(`${server.url}${path}`);
      expect(res.status, path).to.equal(200);
      expect(res.text, path).to.equal(index);
      expect(res.headers.get('cache-control')).to.equal('no-cache');
    }
    expect((await fetchAnswer(`${server.url}/ui/assets/main-STALE000.js`)).status).to.equal(404);
    expect((await fetchAnswer(`${server.url}/ui/..%2f..%2fpackage.json`)).status).to.equal(404);
    expect((await fetchAnswer(`${server.url}/ui/`, { method: 'POST' })).status).to.equal(401);
  });

  it('the built console stays under 400 KB gzipped', () => {
    const total = ['index.html', ...ASSETS.map((f) => `assets/${f}`)]
      .reduce((sum, f) => sum + gzipSync(readFileSync(join(CONSOLE_DIR, f)), { level: 9 }).length, 0);
    expect(total).to.be.below(400 * 1024);
    expect(total).to.be.above(10 * 1024);
  });
});

describe('integration: --disable-ui and HTTPS', function () {
  this.timeout(60_000);
  let dir: string;
  let server: ServerHandle | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'influxdb3-console-'));
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--disable-ui answers 404 at /ui and /ui/', async () => {
    server = await startServer({ args: ['--disable-ui'] });
    expect((await fetchAnswer(`${server.url}/ui/`)).status).to.equal(404);
    expect((await fetch(`${server.url}/ui`, { redirect: 'manual' })).status).to.equal(404);
    expect((await fetchAnswer(`${server.url}/health`)).status).to.equal(200);
  });

  it('INFLUXDB3_DISABLE_UI=true does the same', async () => {
    server = await startServer({ env: { INFLUXDB3_DISABLE_UI: 'true' } });
    expect((await fetchAnswer(`${server.url}/ui/`)).status).to.equal(404);
  });

  it('the console is served over HTTPS on the same port', async () => {
    const certs = makeCerts(dir, 'ui');
    server = await startServer({ args: ['--tls-cert', certs.cert, '--tls-key', certs.key] });
    const res = await httpsGet(server.port, '/ui/', certs.ca);
    expect(res.status).to.equal(200);
    expect(res.body).to.include(`assets/${SCRIPT}`);
    expect(String(res.headers['content-security-policy'])).to.include("default-src 'self'");
  });
});
