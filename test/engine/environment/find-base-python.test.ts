import { expect } from 'chai';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PythonUnavailableError } from '../../../src/engine/environment/errors.js';
import { defaultPythonCandidates, findBasePython } from '../../../src/engine/environment/find-base-python.js';

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

  it('takes the first candidate that is >= 3.10 and imports msgpack, reporting why earlier ones were rejected', async () => {
    const old = await fakePython(dir, 'old', { version: '3.8.1', msgpack: '1.0.0' });
    const bare = await fakePython(dir, 'bare', { version: '3.12.1', msgpack_error: "ModuleNotFoundError: No module named 'msgpack'" });
    const found = await findBasePython(['/nonexistent/python3', old, bare, old, '/usr/bin/python3']);
    expect(found.executable).to.match(/^\/usr\/bin\/python3/);
    expect(found.msgpackVersion).to.match(/^\d+\.\d+/);
    expect(found.major).to.equal(3);
    expect(found.minor).to.be.at.least(10);
    expect(found.rejected).to.deep.equal([
      { candidate: '/nonexistent/python3', reason: 'not found' },
      { candidate: old, reason: 'python 3.8.1 is older than 3.10' },
      { candidate: bare, reason: "python 3.12.1 cannot import msgpack (ModuleNotFoundError: No module named 'msgpack')" },
    ]);
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
      expect(e.message).to.match(/fix it with: (sudo )?apt-get install -y python3 python3-msgpack python3-venv$/);
    }
  });

  it('lists the configured interpreter, then PATH, then the distribution one', () => {
    expect(defaultPythonCandidates('/opt/py/bin/python3', {})).to.deep.equal(['/opt/py/bin/python3', 'python3', '/usr/bin/python3']);
    expect(defaultPythonCandidates(undefined, { INFLUXDB3_PYTHON: '/x/python' })[0]).to.equal('/x/python');
    expect(defaultPythonCandidates(undefined, {})).to.deep.equal(['python3', '/usr/bin/python3']);
  });
});
