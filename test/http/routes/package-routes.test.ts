import { expect } from 'chai';
import Koa from 'koa';
import Router from '@koa/router';
import { errorMapper } from '../../../src/http/middleware/error-mapper.js';
import { registerPackageRoutes } from '../../../src/http/routes/package-routes.js';
import { DISABLED_PACKAGES } from '../../../src/engine/disabled-engine.js';
import { PackageInstallError, packagesDisabledError, type InstallResult, type PackageInstallerApi } from '../../../src/engine/environment/package-installer.js';
import { createLogger } from '../../../src/shared/logger.js';
import { serveOnLoopback } from '../../helpers/http.js';

const PACKAGES = '/api/v3/configure/plugin_environment/install_packages';
const REQUIREMENTS = '/api/v3/configure/plugin_environment/install_requirements';
const OK: InstallResult = { installed: [], exitCode: 0, elapsedMs: 1, output: [] };

// A fake installer that records calls; `fail` makes it throw what the real one would.
class FakeInstaller implements PackageInstallerApi {
  calls: Array<[string, unknown]> = [];
  fail: Error | null = null;
  assertAvailable(): void {}
  async installPackages(packages: string[]) {
    this.calls.push(['packages', packages]);
    if (this.fail) throw this.fail;
    return OK;
  }
  async installRequirements(path: string) {
    this.calls.push(['requirements', path]);
    if (this.fail) throw this.fail;
    return OK;
  }
}

async function serve(installer: PackageInstallerApi): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Koa();
  app.use(errorMapper(createLogger('silent')));
  const router = new Router();
  registerPackageRoutes(router, { installer, maxBodyBytes: 1024 });
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
});
