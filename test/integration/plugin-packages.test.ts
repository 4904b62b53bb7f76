import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectSandbox } from '../../src/engine/runners/sandbox/detect-sandbox.js';
import { runCli, startServer, type ServerHandle } from '../helpers/server-process.js';
import { buildTestVenv, pluginLogs, waitForNoRunners } from '../fixtures/plugins/plugin-server.js';
import { buildWheel, tinyPackage } from '../fixtures/packages/wheels.js';

const PACKAGES = '/api/v3/configure/plugin_environment/install_packages';
const REQUIREMENTS = '/api/v3/configure/plugin_environment/install_requirements';

// A schedule plugin that needs `module` at import time and logs its VALUE.
const importing = (module: string) =>
  `import ${module}\n\ndef process_scheduled_call(influxdb3_local, call_time, args=None):\n    influxdb3_local.info(f"${module} says {${module}.VALUE}")\n`;

// Packages: pip runs in the plugin venv on the server; installs come from local wheels only, passed to pip
// through its own environment (PIP_NO_INDEX, PIP_FIND_LINKS), as an operator of an offline server would.
describe('integration: plugin packages (install_packages / install_requirements / `influxdb3 install package`)', function () {
  this.timeout(60_000);
  let root: string;
  let pluginDir: string;
  let server: ServerHandle;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, text: await res.text() };
  };
  const dryRun = async (filename: string) => {
    const r = await post('/api/v3/plugin_test/schedule', { filename, database: 'pkgdb' });
    expect(r.status, r.text).to.equal(200);
    return JSON.parse(r.text) as { log_lines: string[]; errors: string[] };
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'influxdb3-packages-'));
    pluginDir = join(root, 'plugins');
    const wheels = join(root, 'wheels');
    await mkdir(pluginDir, { recursive: true });
    await buildWheel(wheels, tinyPackage('tinypkg', 'hello from a wheel'));
    await buildWheel(wheels, tinyPackage('tinydep', 'dep'));
    await buildWheel(wheels, tinyPackage('tinyreq', 'from requirements', '0.2.0', ['tinydep']));
    await buildWheel(wheels, tinyPackage('tinystream', 'streamed', '0.3.0', ['tinystreamdep']));
    await buildWheel(wheels, tinyPackage('tinystreamdep', 'dep of the stream'));
    await buildWheel(wheels, tinyPackage('tinycli', 'from the cli'));
    await writeFile(join(pluginDir, 'uses_tinypkg.py'), importing('tinypkg'));
    await writeFile(join(pluginDir, 'uses_tinyreq.py'), importing('tinyreq'));
    await writeFile(join(pluginDir, 'requirements.txt'), 'tinyreq==0.2.0\n');
    const venv = await buildTestVenv(join(root, 'venv'));
    server = await startServer({
      args: ['--plugin-dir', pluginDir, '--virtual-env-location', venv],
      env: { PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels },
    });
    const res = await fetch(`${server.url}/api/v3/write_lp?db=pkgdb`, { method: 'POST', body: 'm v=1i 1' });
    expect(res.status).to.equal(204);
  });
  after(async () => {
    const left = server ? await waitForNoRunners(pluginDir) : [];
    await server?.stop();
    if (server) await rm(server.dataDir, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
    expect(left, 'temporary runners left behind').to.deep.equal([]);
  });

  it('a plugin importing a package installed through the API: fails before, runs after', async () => {
    const before = await dryRun('uses_tinypkg.py');
    expect(before.errors.join('\n')).to.include("No module named 'tinypkg'");
    expect(await post(PACKAGES, { packages: ['tinypkg==0.1.0'] })).to.deep.equal({ status: 200, text: '' });
    const after = await dryRun('uses_tinypkg.py');
    expect(after.errors).to.deep.equal([]);
    expect(pluginLogs(after)).to.deep.equal(['INFO: tinypkg says hello from a wheel']);
  });

  it('pip runs inside the runners\' sandbox (bwrap) when the machine has it', async function () {
    const caps = await detectSandbox('auto');
    if (!caps.bwrap) {
      // Auto mode then runs installs unsandboxed; the skip names why.
      this.test!.title += ` (skipped: bwrap cannot sandbox here: ${caps.bwrapReason})`;
      this.skip();
    }
    // Logged by the install of the first test (or installs again: already satisfied).
    if (!server.logs.some((l) => l.includes('installing tinypkg==0.1.0 into the plugin venv'))) await post(PACKAGES, { packages: ['tinypkg==0.1.0'] });
    const line = server.logs.map(parseJson).find((l) => l?.msg === 'installing tinypkg==0.1.0 into the plugin venv');
    expect(line, 'the install log line').to.not.equal(undefined);
    expect(line!.sandbox).to.match(/^bwrap/);
  });

  it('`influxdb3 install package -r` installs a requirements file from the plugin directory, with dependencies', async () => {
    const { code, stdout, stderr } = await runCli(['install', 'package', '-H', server.url, '-r', 'requirements.txt']);
    expect(code, stderr).to.equal(0);
    expect(stdout).to.equal('Requirements from requirements.txt installed successfully\n');
    expect(pluginLogs(await dryRun('uses_tinyreq.py'))).to.deep.equal(['INFO: tinyreq says from requirements']);
  });

  it('a failed install is not a 200: pip exit code and output tail', async () => {
    const r = await post(PACKAGES, { packages: ['no-such-package-xyz'] });
    expect(r.status).to.equal(500);
    const body = JSON.parse(r.text) as { error: string; data: { exit_code: number; output: string[] } };
    expect(body.error).to.match(/^installing no-such-package-xyz failed: pip exited with code 1; last lines of its output:\n/);
    expect(body.error).to.include('No matching distribution found for no-such-package-xyz');
    expect(body.data.exit_code).to.equal(1);
    const cli = await runCli(['install', 'package', '-H', server.url, 'no-such-package-xyz']);
    expect(cli.code).to.equal(1);
    expect(cli.stderr).to.include('pip exited with code 1');
  });

  it("Accept: application/x-ndjson streams pip's lines, then one result line", async () => {
    const res = await fetch(`${server.url}${PACKAGES}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
      body: JSON.stringify({ packages: ['tinystream==0.3.0'] }),
    });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('application/x-ndjson');
    const events = ndjson(await res.text());
    const last = events.pop()!;
    expect(events.length, 'progress lines before the result').to.be.greaterThan(0);
    expect(events.every((e) => e.type === 'progress' && typeof e.line === 'string' && e.line.length > 0 && !/[\r\n]/.test(e.line))).to.equal(true);
    const lines = events.map((e) => e.line as string);
    expect(lines.some((l) => /^Processing .*tinystream-0\.3\.0-py3-none-any\.whl$/.test(l)), lines.join('\n')).to.equal(true);
    expect(lines, lines.join('\n')).to.include('Successfully installed tinystream-0.3.0 tinystreamdep-0.1.0');
    expect(last.type).to.equal('result');
    expect(last.installed).to.deep.equal(['tinystream-0.3.0', 'tinystreamdep-0.1.0']);
    expect(last.exit_code).to.equal(0);
    expect(last.elapsed_ms).to.be.a('number');
  });

  it('a pip failure on the stream: 200, progress lines, then an error line with the status and body of the plain response', async () => {
    const res = await fetch(`${server.url}${PACKAGES}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
      body: JSON.stringify({ packages: ['no-such-package-xyz'] }),
    });
    expect(res.status).to.equal(200);
    const events = ndjson(await res.text());
    const last = events.pop()!;
    expect(events.map((e) => e.type)).to.include('progress');
    expect(last.type).to.equal('error');
    expect(last.status).to.equal(500);
    expect(last.error).to.match(/^installing no-such-package-xyz failed: pip exited with code 1; last lines of its output:\n/);
    expect((last.data as { exit_code: number }).exit_code).to.equal(1);
  });

  it("`influxdb3 install package` prints pip's lines on stderr as upstream's stdout stays; -q prints none", async () => {
    const loud = await runCli(['install', 'package', '-H', server.url, 'tinycli==0.1.0']);
    expect(loud.code, loud.stderr).to.equal(0);
    expect(loud.stdout).to.equal('Packages installed successfully: tinycli==0.1.0\n');
    expect(loud.stderr).to.match(/^ {2}Processing .*tinycli-0\.1\.0-py3-none-any\.whl$/m);
    expect(loud.stderr).to.match(/^ {2}Successfully installed tinycli-0\.1\.0$/m);
    const quiet = await runCli(['install', 'package', '-H', server.url, '-q', 'tinycli==0.1.0']);
    expect(quiet).to.include({ code: 0, stdout: 'Packages installed successfully: tinycli==0.1.0\n', stderr: '' });
  });

  it('bad input is a 400 naming the value; a missing requirements file a 404', async () => {
    const bad = await post(PACKAGES, { packages: ['--index-url=http://evil/'] });
    expect(bad.status).to.equal(400);
    expect(JSON.parse(bad.text).error).to.include('"--index-url=http://evil/"');
    const missing = await post(REQUIREMENTS, { requirements_location: 'nope.txt' });
    expect(missing.status).to.equal(404);
    expect(JSON.parse(missing.text).error).to.equal(`requirements file not found on the server: nope.txt (${join(pluginDir, 'nope.txt')})`);
  });
});

function ndjson(text: string): Array<Record<string, unknown>> {
  expect(text.endsWith('\n'), 'the stream ends with a newline').to.equal(true);
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

function parseJson(line: string): Record<string, unknown> | null {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}
