import { expect } from 'chai';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PythonUnavailableError } from '../../../../src/engine/environment/errors.js';
import { defaultPythonCandidates, findBasePython } from '../../../../src/engine/environment/find-base-python.js';
import { captureLogger } from '../../../ipc/child/capture-logger.js';

// A shell script that answers the probe like a python that is too old, or lacks msgpack.
async function fakePython(dir: string, name: string, info: Record<string, string>): Promise<string> {
  const path = join(dir, name);
  const json = JSON.stringify({ prefix: '/opt', base_prefix: '/opt', executable: path, ...info });
  await writeFile(path, `#!/bin/sh\ncat <<'JSON'\n${json}\nJSON\n`);
  await chmod(path, 0o755);
  return path;
}

describe('engine/environment/find-base-python', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'find-python-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('takes the first usable candidate with msgpack over earlier ones without, saying why each was passed over', async () => {
    const old = await fakePython(dir, 'old', { version: '3.8.1', msgpack: '1.0.0' });
    const bare = await fakePython(dir, 'bare', { version: '3.12.1', msgpack_error: "ModuleNotFoundError: No module named 'msgpack'" });
    const log = captureLogger();
    const found = await findBasePython(['/nonexistent/python3', old, bare, old, '/usr/bin/python3'], { logger: log.logger });
    expect(found.executable).to.match(/^\/usr\/bin\/python3/);
    expect(found.msgpackVersion).to.match(/^\d+\.\d+/);
    expect(found.major).to.equal(3);
    expect(found.minor).to.be.at.least(10);
    expect(found.rejected).to.deep.equal([
      { candidate: '/nonexistent/python3', reason: 'not found' },
      { candidate: old, reason: 'python 3.8.1 is older than 3.10' },
      { candidate: bare, reason: `python 3.12.1 (${bare}) has no msgpack package; /usr/bin/python3 has it and runs plugin I/O faster` },
    ]);
    expect(log.lines.find((l) => l.msg === 'python candidate passed over')).to.include({ candidate: bare });
  });

  it('takes a usable python without msgpack when no candidate has it (the runner has its own codec)', async () => {
    const bare = await fakePython(dir, 'bare2', { version: '3.11.7', msgpack_error: "ModuleNotFoundError: No module named 'msgpack'" });
    const other = await fakePython(dir, 'bare3', { version: '3.12.0', msgpack_error: "ModuleNotFoundError: No module named 'msgpack'" });
    const found = await findBasePython([bare, other]);
    expect(found).to.include({ command: bare, version: '3.11.7', msgpackVersion: null });
  });

  it('uses the python the operator named, without msgpack, and never another one', async () => {
    const bare = await fakePython(dir, 'named', { version: '3.11.7', msgpack_error: "ModuleNotFoundError: No module named 'msgpack'" });
    const found = await findBasePython(defaultPythonCandidates(bare, {}));
    expect(found).to.include({ command: bare, msgpackVersion: null });
    expect(found.rejected).to.deep.equal([]);
  });

  it('fails, naming the configured python, when the one the operator named is unusable', async () => {
    try {
      await findBasePython(defaultPythonCandidates('/nonexistent/python3', {}));
      expect.fail('expected a PythonUnavailableError');
    } catch (err) {
      expect(err).to.be.instanceOf(PythonUnavailableError);
      const e = err as PythonUnavailableError;
      expect(e.message).to.equal(
        'the python named by --python / INFLUXDB3_PYTHON is unusable (/nonexistent/python3: not found); fix it or name another python >= 3.10',
      );
      expect(e.fixCommand).to.equal(undefined);
    }
  });

  it('throws PythonUnavailableError naming every candidate and the fix when none fits', async () => {
    const notPython = join(dir, 'not-python');
    await writeFile(notPython, '#!/bin/sh\necho hello\n');
    await chmod(notPython, 0o755);
    try {
      await findBasePython(['/nonexistent/python3', notPython]);
      expect.fail('expected a PythonUnavailableError');
    } catch (err) {
      expect(err).to.be.instanceOf(PythonUnavailableError);
      const e = err as PythonUnavailableError;
      expect(e.rejected.map((r) => r.candidate)).to.deep.equal(['/nonexistent/python3', notPython]);
      expect(e.message).to.include('/nonexistent/python3: not found');
      expect(e.message).to.include(`${notPython}: is not a python interpreter`);
      expect(e.message).to.match(/fix it with: (sudo )?apt-get install -y python3 python3-venv$/);
    }
  });

  it('lists only the configured interpreter when there is one, else PATH then the distribution one', () => {
    expect(defaultPythonCandidates('/opt/py/bin/python3', {})).to.deep.equal({ candidates: ['/opt/py/bin/python3'], explicit: true });
    expect(defaultPythonCandidates(undefined, { INFLUXDB3_PYTHON: '/x/python' })).to.deep.equal({ candidates: ['/x/python'], explicit: true });
    expect(defaultPythonCandidates(undefined, {})).to.deep.equal({ candidates: ['python3', '/usr/bin/python3'], explicit: false });
  });
});
