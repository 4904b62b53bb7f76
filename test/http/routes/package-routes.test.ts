import { expect } from 'chai';
import Koa from 'koa';
import Router from '@koa/router';
import { errorMapper } from '../../../src/http/middleware/error-mapper.js';
import { registerPackageRoutes } from '../../../src/http/routes/package-routes.js';
import { DISABLED_PACKAGES } from '../../../src/engine/disabled-engine.js';
import {
  PackageInstallError,
  packagesDisabledError,
  type InstallProgress,
  type InstallResult,
  type PackageInstallerApi,
} from '../../../src/engine/environment/package-installer.js';
import { createLogger } from '../../../src/shared/logger.js';
import { serveOnLoopback } from '../../helpers/http.js';

const PACKAGES = '/api/v3/configure/plugin_environment/install_packages';
const REQUIREMENTS = '/api/v3/configure/plugin_environment/install_requirements';
const OK: InstallResult = { installed: [], exitCode: 0, elapsedMs: 1, output: [] };

// A fake installer that records calls; it reports `lines` as pip's output (each after `gate()` resolves, so a test
// can hold it until the client has seen the line before), then `fail` makes it throw what the real one would.
class FakeInstaller implements PackageInstallerApi {
  calls: Array<[string, unknown]> = [];
  fail: Error | null = null;
  lines: string[] = [];
  result: InstallResult = OK;
  gate: (index: number) => Promise<void> = async () => undefined;
  assertAvailable(): void {}
  async installPackages(packages: string[], progress?: InstallProgress) {
    this.calls.push(['packages', packages]);
    return this.run(progress);
  }
  async installRequirements(path: string, progress?: InstallProgress) {
    this.calls.push(['requirements', path]);
    return this.run(progress);
  }
  private async run(progress: InstallProgress | undefined): Promise<InstallResult> {
    for (const [i, line] of this.lines.entries()) {
      await this.gate(i);
      progress?.onLine?.(line);
    }
    if (this.fail) throw this.fail;
    return this.result;
  }
}

async function serve(installer: PackageInstallerApi): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Koa();
  app.use(errorMapper(createLogger('silent')));
  const router = new Router();
  registerPackageRoutes(router, { installer, maxBodyBytes: 1024, logger: createLogger('silent') });
  app.use(router.routes());
  return serveOnLoopback(app.callback());
}

describe('http/routes/package-routes', () => {
  let fake: FakeInstaller;
  let s: { url: string; close(): Promise<void> };
  const post = async (path: string, body: unknown, url = s.url) => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };
  const error = (text: string) => (JSON.parse(text) as { error: string }).error;
  const postStream = (path: string, body: unknown) =>
    fetch(`${s.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
      body: JSON.stringify(body),
    });
  const events = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeEach(async () => {
    fake = new FakeInstaller();
    s = await serve(fake);
  });
  afterEach(() => s.close());

  it('install_packages: 200 with an empty body, packages passed through', async () => {
    const r = await post(PACKAGES, { packages: ['pandas==2.2.0', 'requests[socks]>=2'] });
    expect(r).to.deep.equal({ status: 200, text: '' });
    expect(fake.calls).to.deep.equal([['packages', ['pandas==2.2.0', 'requests[socks]>=2']]]);
  });

  it('install_requirements: 200 with an empty body, the server-side path passed through', async () => {
    const r = await post(REQUIREMENTS, { requirements_location: '/srv/plugins/requirements.txt' });
    expect(r).to.deep.equal({ status: 200, text: '' });
    expect(fake.calls).to.deep.equal([['requirements', '/srv/plugins/requirements.txt']]);
  });

  it('refuses bad input with a 400 naming the value, before the installer runs', async () => {
    const cases: Array<[string, unknown, string]> = [
      [PACKAGES, {}, "missing required parameter 'packages'"],
      [PACKAGES, { packages: 'pandas' }, `parameter 'packages' must be an array of strings, got "pandas"`],
      [PACKAGES, { packages: ['ok', 3] }, "parameter 'packages' must be an array of strings, got item 3"],
      [PACKAGES, { packages: [] }, 'no packages to install: give at least one package name'],
      [PACKAGES, { packages: ['ok', '--index-url=http://evil/'] }, `invalid package "--index-url=http://evil/": a package may not start with '-' (pip options are not accepted)`],
      [PACKAGES, { packages: ['pandas; rm -rf /'] }, `invalid package "pandas; rm -rf /": spaces are not allowed (write pandas==2.2.0, not pandas == 2.2.0)`],
      [PACKAGES, { packages: ['pandas;os_name=="nt"'] }, `invalid package "pandas;os_name==\\"nt\\"": environment markers (';') are not accepted; use a requirements file`],
      [REQUIREMENTS, {}, "missing required parameter 'requirements_location'"],
      [REQUIREMENTS, { requirements_location: 7 }, "parameter 'requirements_location' must be a string, got 7"],
      [REQUIREMENTS, { requirements_location: '--pre' }, `invalid requirements_location "--pre": a path may not start with '-'`],
      [REQUIREMENTS, { requirements_location: 'a\nb' }, `invalid requirements_location "a\\nb": not a file path`],
    ];
    for (const [path, body, message] of cases) {
      const r = await post(path, body);
      expect(r.status, JSON.stringify(body)).to.equal(400);
      expect(error(r.text)).to.equal(message);
    }
    expect(fake.calls).to.deep.equal([]);
  });

  it('bad JSON is a 400, a wrong content type a 415, an oversized body a 413', async () => {
    expect((await post(PACKAGES, '{nope')).status).to.equal(400);
    const res = await fetch(`${s.url}${PACKAGES}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"packages":["a"]}' });
    expect(res.status).to.equal(415);
    expect((await post(PACKAGES, { packages: ['a'.repeat(2000)] })).status).to.equal(413);
  });

  it("the installer's errors keep their status and text (403 disabled, 500 pip failure)", async () => {
    fake.fail = packagesDisabledError();
    let r = await post(PACKAGES, { packages: ['pandas'] });
    expect(r.status).to.equal(403);
    expect(error(r.text)).to.equal('Package installation has been disabled. Contact your administrator for more information.');
    r = await post(REQUIREMENTS, { requirements_location: 'requirements.txt' });
    expect(r.status).to.equal(403);
    fake.fail = new PackageInstallError('nope', { exitCode: 1, timedOut: false, timeoutMs: 1000, tail: ['ERROR: No matching distribution found for nope'] });
    r = await post(PACKAGES, { packages: ['nope'] });
    expect(r.status).to.equal(500);
    expect(JSON.parse(r.text)).to.deep.equal({
      error: 'installing nope failed: pip exited with code 1; last lines of its output:\nERROR: No matching distribution found for nope',
      data: { exit_code: 1, timed_out: false, output: ['ERROR: No matching distribution found for nope'] },
    });
  });

  it('engine off (no --plugin-dir): every call answers the engine-disabled error', async () => {
    const off = await serve(DISABLED_PACKAGES);
    try {
      for (const [path, body] of [[PACKAGES, { packages: ['pandas'] }], [REQUIREMENTS, { requirements_location: '/x' }]] as const) {
        const r = await post(path, body, off.url);
        expect(r.status).to.equal(500);
        expect(error(r.text)).to.match(/^Node not configured with plugin directory: No plugin directory configured/);
      }
    } finally {
      await off.close();
    }
  });

  describe('progress stream (Accept: application/x-ndjson)', () => {
    const PIP = ['Processing /wheels/tinypkg-0.1.0-py3-none-any.whl', 'Installing collected packages: tinypkg', 'Successfully installed tinypkg-0.1.0'];

    it('a default request gets the plain empty 200 even when pip prints lines', async () => {
      fake.lines = PIP;
      expect(await post(PACKAGES, { packages: ['tinypkg'] })).to.deep.equal({ status: 200, text: '' });
      const star = await fetch(`${s.url}${PACKAGES}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: '*/*' }, body: '{"packages":["tinypkg"]}' });
      expect([star.status, await star.text()]).to.deep.equal([200, '']);
    });

    it("streams pip's lines, then the result line", async () => {
      fake.lines = PIP;
      fake.result = { installed: ['tinypkg-0.1.0'], exitCode: 0, elapsedMs: 42, output: PIP };
      for (const path of [PACKAGES, REQUIREMENTS]) {
        const res = await postStream(path, path === PACKAGES ? { packages: ['tinypkg'] } : { requirements_location: 'requirements.txt' });
        expect(res.status).to.equal(200);
        expect(res.headers.get('content-type')).to.equal('application/x-ndjson');
        expect(events(await res.text())).to.deep.equal([
          ...PIP.map((line) => ({ type: 'progress', line })),
          { type: 'result', installed: ['tinypkg-0.1.0'], exit_code: 0, elapsed_ms: 42 },
        ]);
      }
    });

    it('each line reaches the client while pip still runs', async () => {
      fake.lines = PIP;
      const reader = new Map<number, () => void>();
      // Line i+1 is only produced once the client has read line i: the test hangs unless lines stream.
      fake.gate = (i) => (i === 0 ? Promise.resolve() : new Promise<void>((resolve) => reader.set(i - 1, resolve)));
      const res = await postStream(PACKAGES, { packages: ['tinypkg'] });
      const seen: Array<Record<string, unknown>> = [];
      let buffered = '';
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const event = JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>;
          buffered = buffered.slice(nl + 1);
          seen.push(event);
          if (event.type === 'progress') reader.get(seen.length - 1)?.();
        }
      }
      expect(seen.map((e) => e.type)).to.deep.equal(['progress', 'progress', 'progress', 'result']);
    });

    it('a failure after the first line is the last line, with the status and body the plain response would have', async () => {
      fake.lines = ['Looking in links: /wheels'];
      fake.fail = new PackageInstallError('nope', { exitCode: 1, timedOut: false, timeoutMs: 1000, tail: ['ERROR: No matching distribution found for nope'] });
      const res = await postStream(PACKAGES, { packages: ['nope'] });
      expect(res.status).to.equal(200);
      const [progress, last, ...rest] = events(await res.text());
      expect(rest).to.deep.equal([]);
      expect(progress).to.deep.equal({ type: 'progress', line: 'Looking in links: /wheels' });
      const { request_id: requestId, ...body } = last as Record<string, unknown>;
      expect(body).to.deep.equal({
        type: 'error',
        status: 500,
        error: 'installing nope failed: pip exited with code 1; last lines of its output:\nERROR: No matching distribution found for nope',
        data: { exit_code: 1, timed_out: false, output: ['ERROR: No matching distribution found for nope'] },
      });
      expect(requestId).to.be.a('string').and.not.equal('');
    });

    it('a failure before any line keeps its own status and plain JSON body', async () => {
      fake.fail = packagesDisabledError();
      const res = await postStream(PACKAGES, { packages: ['pandas'] });
      expect(res.status).to.equal(403);
      expect(res.headers.get('content-type')).to.match(/^application\/json/);
      expect(error(await res.text())).to.equal('Package installation has been disabled. Contact your administrator for more information.');
      const bad = await postStream(PACKAGES, { packages: ['-e'] });
      expect(bad.status).to.equal(400);
    });
  });
});
