import { expect } from 'chai';
import { access, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureVenv } from '../../../src/engine/environment/ensure-venv.js';
import { PythonUnavailableError } from '../../../src/engine/environment/errors.js';
import { readPyvenvCfg } from '../../../src/engine/environment/pyvenv-cfg.js';
import { captureLogger } from '../../ipc/child/capture-logger.js';

const BASE = '/usr/bin/python3';
const WARN = 40;

// Real venvs from the distribution python (python3-venv and python3-msgpack installed); --without-pip keeps it fast.
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
    const venv = await ensure(undefined, { install: false });
    expect(venv.created).to.equal(false);
    expect((await readPyvenvCfg(venvDir))!.includeSystemSitePackages).to.equal(true);
  });

  it('fails with the command that fixes it when msgpack stays unimportable', async () => {
    const [site] = await readdir(join(venvDir, 'lib'));
    const shadow = join(venvDir, 'lib', site!, 'site-packages', 'msgpack.py');
    await writeFile(shadow, 'raise ImportError("shadowed by the test")\n');
    try {
      await ensure(undefined, { install: false });
      expect.fail('expected a PythonUnavailableError');
    } catch (err) {
      expect(err).to.be.instanceOf(PythonUnavailableError);
      const e = err as PythonUnavailableError;
      expect(e.message).to.include(`python package msgpack cannot be imported in the plugin venv ${venvDir}`);
      expect(e.message).to.include('ImportError: shadowed by the test');
      expect(e.fixCommand).to.match(/^(sudo )?apt-get install -y python3-msgpack python3-venv$/);
      expect(e.message.endsWith(`fix it with: ${e.fixCommand}`)).to.equal(true);
    } finally {
      await rm(shadow);
    }
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
      expect((err as Error).message).to.match(/^base python \/nonexistent\/python3 is unusable: not found; fix it with: /);
    }
  });
});
