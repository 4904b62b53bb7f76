import { expect } from 'chai';
import { execa } from 'execa';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureVenv, type PluginVenv } from '../../../../src/engine/environment/ensure-venv.js';
import {
  NO_PIP_MESSAGE,
  PACKAGES_DISABLED_MESSAGE,
  PackageInstaller,
  PackageInstallError,
  packageSpecProblem,
  pipHostPaths,
  validatePackageSpecs,
  type PackageInstallerOptions,
  type VenvProvider,
} from '../../../../src/engine/environment/package-installer.js';
import { AppError } from '../../../../src/shared/app-error.js';
import { captureLogger } from '../../../ipc/child/capture-logger.js';
import { buildWheel, tinyPackage } from '../../../fixtures/packages/wheels.js';

const BASE = '/usr/bin/python3';

// A venv provider that never builds anything: for the checks that must fail before pip runs.
const neverReady: VenvProvider = {
  venvDir: '/nonexistent/venv',
  ready: () => Promise.reject(new Error('the venv must not be touched')),
};

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected a rejection');
}

describe('engine/environment/package-installer: package specifications', () => {
  it('accepts plain requirements with extras and version constraints', () => {
    for (const ok of ['pandas', 'pandas==2.2.0', 'requests[socks]>=2,<3', 'scikit-learn~=1.4', 'zope.interface', 'a_b-c.d', 'x!=1.0.*', 'y===1.0+local', 'Django>3']) {
      expect(packageSpecProblem(ok), ok).to.equal(null);
    }
  });

  it('refuses option injection, spaces, markers and other shapes, naming the value', () => {
    expect(packageSpecProblem('--index-url=http://evil')).to.equal(
      `invalid package "--index-url=http://evil": a package may not start with '-' (pip options are not accepted)`,
    );
    expect(packageSpecProblem('-e')).to.include(`"-e"`);
    expect(packageSpecProblem('pandas == 2')).to.equal(`invalid package "pandas == 2": spaces are not allowed (write pandas==2.2.0, not pandas == 2.2.0)`);
    expect(packageSpecProblem('a\tb')).to.include('spaces are not allowed');
    expect(packageSpecProblem('foo;python_version>"3"')).to.include(`environment markers (';') are not accepted`);
    for (const bad of ['./local/dir', '/abs/x.whl', 'https://x/y.whl', 'foo@https://x', 'foo$(id)', 'foo`id`', 'foo>', '[x]', 'foo[', '_foo']) {
      expect(packageSpecProblem(bad), bad).to.match(/^invalid package .*: expected a name with optional extras/);
    }
    expect(packageSpecProblem('')).to.equal('invalid package "": the name is empty');
    expect(packageSpecProblem('a'.repeat(300))).to.match(/longer than 200 characters/);
  });

  it('validatePackageSpecs answers 400 for an empty list or the first bad item', () => {
    expect(() => validatePackageSpecs([])).to.throw('no packages to install');
    try {
      validatePackageSpecs(['ok', '-r/etc/passwd', 'also bad']);
      expect.fail('expected a throw');
    } catch (err) {
      expect((err as AppError).status).to.equal(400);
      expect((err as AppError).message).to.include('"-r/etc/passwd"');
    }
  });
});

describe('engine/environment/package-installer: host paths pip reads in the sandbox', () => {
  it('binds local find-links, config and CA paths read-only; ignores URLs and relative paths; passes a user pip.conf', async () => {
    const home = await mkdtemp(join(tmpdir(), 'pip-home-'));
    try {
      await mkdir(join(home, '.config', 'pip'), { recursive: true });
      await writeFile(join(home, '.config', 'pip', 'pip.conf'), '[global]\n');
      const env = { HOME: home, PIP_FIND_LINKS: '/srv/wheels https://example.com/w file:///opt/wheels rel', SSL_CERT_FILE: '/etc/ca.pem' };
      expect(pipHostPaths(env, ['/extra'])).to.deep.equal({
        readOnly: ['/extra', '/srv/wheels', '/opt/wheels', '/etc/ca.pem', join(home, '.config', 'pip', 'pip.conf')],
        env: { PIP_CONFIG_FILE: join(home, '.config', 'pip', 'pip.conf') },
      });
      expect(pipHostPaths({ HOME: home, PIP_CONFIG_FILE: '/etc/my-pip.conf' }, []).env).to.deep.equal({});
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('engine/environment/package-installer: refusals before pip', () => {
  const make = (extra: Partial<PackageInstallerOptions> = {}) =>
    new PackageInstaller({ environment: neverReady, packageManager: 'pip', logger: captureLogger().logger, ...extra });

  it('--package-manager disabled answers 403 with upstream text', async () => {
    const installer = make({ packageManager: 'disabled' });
    for (const p of [installer.installPackages(['pandas']), installer.installRequirements('/etc/hostname')]) {
      const err = await rejection(p);
      expect(err.status).to.equal(403);
      expect(err.message).to.equal(PACKAGES_DISABLED_MESSAGE);
    }
  });

  it('bad package names are a 400 and never reach the venv', async () => {
    const err = await rejection(make().installPackages(['ok', '--pre']));
    expect(err.status).to.equal(400);
    expect(err.message).to.include('"--pre"');
  });

  it('a missing requirements file is a 404 naming it (relative paths resolve in the plugin directory)', async () => {
    const err = await rejection(make({ pluginDir: '/srv/plugins' }).installRequirements('nope/requirements.txt'));
    expect(err.status).to.equal(404);
    expect(err.message).to.equal('requirements file not found on the server: nope/requirements.txt (/srv/plugins/nope/requirements.txt)');
  });

  it('a plugin without requirements.txt needs nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'plugin-noreq-'));
    try {
      expect(await make().installMissingFor(dir)).to.deep.equal({ requirementsFile: null, missing: [], result: null });
      expect(await make().installMissingFor(join(dir, 'single.py'))).to.deep.equal({ requirementsFile: null, missing: [], result: null });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// A real venv (built --without-pip like the tests' venvs: the distribution's pip is visible through system
// site-packages) and hand-made wheels installed offline with --no-index --find-links.
describe('engine/environment/package-installer: pip in a real venv (offline)', function () {
  this.timeout(60_000);
  let root: string;
  let wheels: string;
  let venv: PluginVenv;
  let environment: VenvProvider;
  const importValue = async (module: string) =>
    (await execa(venv.python, ['-c', `import ${module}; print(${module}.VALUE)`], { reject: false })).stdout.trim();

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'pkg-installer-'));
    wheels = join(root, 'wheels');
    venv = await ensureVenv({ venvDir: join(root, 'venv'), basePython: BASE, logger: captureLogger().logger, withPip: false });
    environment = { venvDir: venv.venvDir, ready: async () => venv };
    await buildWheel(wheels, tinyPackage('tinypkg', 'tiny ok'));
    await buildWheel(wheels, tinyPackage('tinydep', 'dep ok'));
    await buildWheel(wheels, tinyPackage('tinyreq', 'req ok', '0.2.0', ['tinydep>=0.1']));
    await buildWheel(wheels, tinyPackage('tinyplug', 'plug ok'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  const make = (log = captureLogger(), extra: Partial<PackageInstallerOptions> = {}) =>
    new PackageInstaller({ environment, packageManager: 'discover', logger: log.logger, findLinks: [wheels], noIndex: true, pluginDir: root, ...extra });

  it('installs a local wheel into the venv, logging progress; the venv python imports it', async () => {
    expect(await importValue('tinypkg')).to.equal('');
    const log = captureLogger();
    const result = await make(log).installPackages(['tinypkg==0.1.0']);
    expect(result.exitCode).to.equal(0);
    expect(result.installed).to.deep.equal(['tinypkg-0.1.0']);
    expect(await importValue('tinypkg')).to.equal('tiny ok');
    const msgs = log.lines.map((l) => String(l.msg));
    expect(msgs).to.include('installing tinypkg==0.1.0 into the plugin venv');
    expect(log.lines.some((l) => l.pip === 'Successfully installed tinypkg-0.1.0')).to.equal(true);
    expect(msgs).to.include('installed tinypkg-0.1.0');
  });

  it('a nonexistent package fails with pip exit code and the tail of its output (not a 200)', async () => {
    const err = await rejection(make().installPackages(['no-such-package-xyz']));
    expect(err).to.be.instanceOf(PackageInstallError);
    expect(err.status).to.equal(500);
    expect(err.message).to.match(/^installing no-such-package-xyz failed: pip exited with code 1; last lines of its output:\n/);
    expect(err.message).to.include('No matching distribution found for no-such-package-xyz');
    const details = err.details as { exit_code: number; output: string[] };
    expect(details.exit_code).to.equal(1);
    expect(details.output.length).to.be.within(1, 20);
  });

  it('installs a requirements file (relative to the plugin directory), dependencies included', async () => {
    await writeFile(join(root, 'requirements.txt'), '# comment\ntinyreq==0.2.0  # inline\n');
    const lines: string[] = [];
    const result = await make().installRequirements('requirements.txt', { onLine: (l) => lines.push(l) });
    expect(result.installed).to.have.members(['tinyreq-0.2.0', 'tinydep-0.1.0']);
    // Every line of pip's output reaches the progress callback, in order, as the result's output tail ends.
    expect(lines.slice(-result.output.length)).to.deep.equal(result.output);
    expect(lines.find((l) => l.startsWith('Successfully installed '))).to.match(/^Successfully installed tinydep-0\.1\.0 tinyreq-0\.2\.0$/);
    expect(await importValue('tinyreq')).to.equal('req ok');
    expect(await importValue('tinydep')).to.equal('dep ok');
  });

  it('serialises concurrent installs: one pip at a time, every caller gets its own result', async () => {
    const log = captureLogger();
    const installer = make(log);
    const [a, b] = await Promise.all([installer.installPackages(['tinypkg']), installer.installPackages(['no-such-package-xyz']).catch((e) => e)]);
    expect(a.installed).to.deep.equal([]);
    expect(b).to.be.instanceOf(PackageInstallError);
    // The second run starts only after the first one logged its end.
    const order = log.lines.map((l) => String(l.msg)).filter((m) => m.startsWith('installing') || m.endsWith('already satisfied'));
    expect(order).to.deep.equal([
      'installing tinypkg into the plugin venv',
      'tinypkg: already satisfied',
      'installing no-such-package-xyz into the plugin venv',
      'installing no-such-package-xyz failed',
    ]);
  });

  it('installMissingFor installs what a multi-file plugin lacks, then finds nothing missing', async () => {
    const plugin = join(root, 'plugins', 'my_plugin');
    await mkdir(plugin, { recursive: true });
    await writeFile(join(plugin, '__init__.py'), 'import tinyplug\n');
    await writeFile(join(plugin, 'requirements.txt'), 'tinypkg>=0.1\ntinyplug==0.1.0\n');
    const installer = make();
    const first = await installer.installMissingFor(plugin);
    expect(first.requirementsFile).to.equal(join(plugin, 'requirements.txt'));
    expect(first.missing).to.deep.equal(['tinyplug==0.1.0']);
    expect(first.result!.installed).to.deep.equal(['tinyplug-0.1.0']);
    expect(await importValue('tinyplug')).to.equal('plug ok');
    expect(await installer.installMissingFor(plugin)).to.deep.equal({ requirementsFile: join(plugin, 'requirements.txt'), missing: [], result: null });
  });

  it('installMissingFor refuses with pip\'s error when a requirement cannot be installed', async () => {
    const plugin = join(root, 'plugins', 'broken_plugin');
    await mkdir(plugin, { recursive: true });
    await writeFile(join(plugin, 'requirements.txt'), 'no-such-package-xyz>=1\n');
    const err = await rejection(make().installMissingFor(plugin));
    expect(err).to.be.instanceOf(PackageInstallError);
    expect(err.message).to.include(`installing the requirements of ${join(plugin, 'requirements.txt')} failed: pip exited with code 1`);
    expect(err.message).to.include('No matching distribution found');
  });

  it('installMissingFor with --package-manager disabled: fine when satisfied, 403 naming what is missing otherwise', async () => {
    const installer = make(undefined, { packageManager: 'disabled' });
    expect((await installer.installMissingFor(join(root, 'plugins', 'my_plugin'))).missing).to.deep.equal([]);
    const err = await rejection(installer.installMissingFor(join(root, 'plugins', 'broken_plugin')));
    expect(err.status).to.equal(403);
    expect(err.message).to.equal(`${PACKAGES_DISABLED_MESSAGE} (the plugin needs: no-such-package-xyz>=1)`);
  });

  it('a pip run over its time limit is stopped and reported', async () => {
    const slow = join(root, 'slow');
    await mkdir(join(slow, 'pip'), { recursive: true });
    // A stand-in `pip` module that hangs, found first on PYTHONPATH for this one test.
    await writeFile(join(slow, 'pip', '__init__.py'), '');
    await writeFile(join(slow, 'pip', '__main__.py'), 'import sys, time\nif "--version" in sys.argv:\n    print("pip 0")\nelse:\n    print("working", flush=True)\n    time.sleep(30)\n');
    const previous = process.env.PYTHONPATH;
    process.env.PYTHONPATH = slow;
    try {
      const err = await rejection(make(undefined, { timeoutMs: 1_000 }).installPackages(['tinypkg']));
      expect(err.message).to.equal('installing tinypkg failed: pip did not finish within 1000 ms and was stopped; last lines of its output:\nworking');
      expect(err.details).to.include({ timed_out: true, exit_code: null });
    } finally {
      if (previous === undefined) delete process.env.PYTHONPATH;
      else process.env.PYTHONPATH = previous;
    }
  });

  it('no pip in the venv and no ensurepip: upstream 500 text plus the fix', async () => {
    const nopip = join(root, 'nopip');
    await mkdir(join(nopip, 'pip'), { recursive: true });
    await writeFile(join(nopip, 'pip', '__init__.py'), 'raise ImportError("pip hidden by the test")\n');
    const previous = process.env.PYTHONPATH;
    process.env.PYTHONPATH = nopip;
    try {
      const err = await rejection(make(undefined, { bootstrapPip: false }).installPackages(['tinypkg']));
      expect(err.status).to.equal(500);
      expect(err.message).to.match(new RegExp(`^${NO_PIP_MESSAGE}: pip cannot run in the plugin venv ${venv.venvDir} \\(.*pip hidden by the test.*\\); fix it with: .*apt-get install -y python3-pip python3-venv \\(or ${venv.python} -m ensurepip\\)$`));
    } finally {
      if (previous === undefined) delete process.env.PYTHONPATH;
      else process.env.PYTHONPATH = previous;
    }
  });
});
