import { expect } from 'chai';
import { access, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ensureVenv } from '../../../../src/engine/environment/ensure-venv.js';
import { PythonUnavailableError } from '../../../../src/engine/environment/errors.js';
import { readPyvenvCfg } from '../../../../src/engine/environment/pyvenv-cfg.js';
import { captureLogger } from '../../../ipc/child/capture-logger.js';

const BASE = '/usr/bin/python3';
const WARN = 40;

// Real venvs from the distribution python (python3-venv installed; python3-msgpack too here); --without-pip keeps it fast.
describe('engine/environment/ensure-venv', () => {
  let root: string;
  let venvDir: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'plugin-venv-'));
    venvDir = join(root, 'nested', 'venv');
  });
  after(() => rm(root, { recursive: true, force: true }));

  const ensure = (logger = captureLogger().logger, extra = {}) =>
    ensureVenv({ venvDir, basePython: BASE, logger, withPip: false, ...extra });

  it('creates the venv with system site-packages so the distribution msgpack is visible, logging progress', async () => {
    const log = captureLogger();
    const venv = await ensure(log.logger);
    expect(venv).to.include({ python: join(venvDir, 'bin', 'python3'), venvDir, created: true });
    expect(venv.version).to.match(/^3\.\d+\.\d+$/);
    expect(venv.msgpackVersion).to.match(/^\d+\.\d+/);
    await access(venv.python);
    expect((await readPyvenvCfg(venvDir))!.includeSystemSitePackages).to.equal(true);
    const msgs = log.lines.map((l) => l.msg);
    expect(msgs).to.include('creating the plugin venv (takes a few seconds)');
    expect(msgs).to.include('plugin venv created');
  });

  it('reuses it on the next call', async () => {
    await writeFile(join(venvDir, 'marker'), 'x');
    const venv = await ensure();
    expect(venv.created).to.equal(false);
    expect(await readdir(venvDir)).to.include('marker');
  });

  it('rebuilds it, with a warning, when it was made by another python minor version', async () => {
    const cfgPath = join(venvDir, 'pyvenv.cfg');
    const original = await readFile(cfgPath, 'utf8');
    await writeFile(cfgPath, original.replace(/^version\s*=.*$/m, 'version = 3.7.4'));
    const log = captureLogger();
    const venv = await ensure(log.logger);
    expect(venv.created).to.equal(true);
    expect(await readdir(venvDir)).not.to.include('marker');
    expect((await readPyvenvCfg(venvDir))!.version).to.equal(venv.version);
    const warn = log.lines.find((l) => l.level === WARN);
    expect(warn?.msg).to.match(/^plugin venv was built by python 3\.7; rebuilding it for python 3\.\d+/);
    expect(warn).to.include({ venvVersion: '3.7.4', venvDir });
  });

  it('turns system site-packages on when the venv cannot see msgpack', async () => {
    const cfgPath = join(venvDir, 'pyvenv.cfg');
    const cfg = await readFile(cfgPath, 'utf8');
    await writeFile(cfgPath, cfg.replace(/^include-system-site-packages\s*=.*$/m, 'include-system-site-packages = false'));
    const venv = await ensure();
    expect(venv.created).to.equal(false);
    expect((await readPyvenvCfg(venvDir))!.includeSystemSitePackages).to.equal(true);
  });

  it('uses a venv that cannot import msgpack as it is, with one warning naming the faster option, installing nothing', async () => {
    const [site] = await readdir(join(venvDir, 'lib'));
    const shadow = join(venvDir, 'lib', site!, 'site-packages', 'msgpack.py');
    await writeFile(shadow, 'raise ImportError("shadowed by the test")\n');
    try {
      const log = captureLogger();
      const venv = await ensure(log.logger);
      expect(venv.msgpackVersion).to.equal(null);
      expect(venv.created).to.equal(false);
      const warns = log.lines.filter((l) => l.level === WARN);
      expect(warns).to.have.length(1);
      expect(warns[0]!.msg).to.include("plugins use the runner's pure-Python msgpack codec; the C codec is faster");
      expect(warns[0]!.reason).to.include('ImportError: shadowed by the test');
      expect(log.lines.map((l) => String(l.msg)).filter((m) => /install(ing|ed)/i.test(m) && !m.includes('install python3-msgpack'))).to.deep.equal([]);
    } finally {
      await rm(shadow);
    }
  });

  it('builds a venv from a python without msgpack (the pyenv python3 first on PATH here)', async function () {
    const probe = await execa('python3', ['-c', 'import sys; print(sys.version_info >= (3, 10)); import msgpack'], { reject: false });
    if (probe.stdout.trim() !== 'True' || probe.exitCode === 0) {
      this.skip(); // needs a python3 >= 3.10 on PATH that lacks msgpack; this machine's PATH python3 has it (or is too old)
    }
    const log = captureLogger();
    const venv = await ensureVenv({ venvDir: join(root, 'bare'), basePython: 'python3', logger: log.logger, withPip: false });
    expect(venv.msgpackVersion).to.equal(null);
    expect(venv.created).to.equal(true);
    expect(log.lines.filter((l) => l.level === WARN).map((l) => l.msg)).to.have.length(1);
  });

  it('refuses to touch a non-empty directory that is not a venv', async () => {
    const foreign = join(root, 'foreign');
    await mkdir(foreign);
    await writeFile(join(foreign, 'data.txt'), 'keep me');
    try {
      await ensureVenv({ venvDir: foreign, basePython: BASE, logger: captureLogger().logger, withPip: false });
      expect.fail('expected a PythonUnavailableError');
    } catch (err) {
      expect(err).to.be.instanceOf(PythonUnavailableError);
      expect((err as Error).message).to.include('is not a python venv');
    }
    expect(await readFile(join(foreign, 'data.txt'), 'utf8')).to.equal('keep me');
  });

  it('names a base python that does not run', async () => {
    try {
      await ensureVenv({ venvDir: join(root, 'v2'), basePython: '/nonexistent/python3', logger: captureLogger().logger });
      expect.fail('expected a PythonUnavailableError');
    } catch (err) {
      expect((err as Error).message).to.equal('base python /nonexistent/python3 is unusable: not found');
    }
  });
});
