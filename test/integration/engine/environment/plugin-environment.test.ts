import { expect } from 'chai';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PythonUnavailableError } from '../../../../src/engine/environment/errors.js';
import { PluginEnvironment } from '../../../../src/engine/environment/plugin-environment.js';
import { captureLogger } from '../../../ipc/child/capture-logger.js';

const ERROR = 50;

// The operator's --python is a script the test breaks and fixes; the environment is re-probed on a short timer.
describe('engine/environment/plugin-environment', () => {
  let root: string;
  let python: string;
  const environments: PluginEnvironment[] = [];
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'plugin-env-'));
    python = join(root, 'python3');
  });
  afterEach(async () => {
    for (const e of environments.splice(0)) e.stop();
    await rm(root, { recursive: true, force: true });
  });

  const make = (reprobeMs = 50) => {
    const log = captureLogger();
    const env = new PluginEnvironment({ pluginDir: join(root, 'plugins'), venvDir: join(root, 'venv'), python, logger: log.logger, withPip: false, reprobeMs });
    environments.push(env);
    return { env, log };
  };
  const breakPython = async () => {
    await writeFile(python, '#!/bin/sh\necho "simulated broken python" >&2\nexit 1\n');
    await chmod(python, 0o755);
  };
  const fixPython = async () => {
    await writeFile(python, '#!/bin/sh\nexec /usr/bin/python3 "$@"\n');
    await chmod(python, 0o755);
  };

  it('is unavailable while the named python is broken, logs it once, and becomes ready on a re-probe once fixed', async () => {
    await breakPython();
    const { env, log } = make();
    const first = await env.ready().then(
      () => null,
      (err: unknown) => err,
    );
    expect(first).to.be.instanceOf(PythonUnavailableError);
    expect((first as Error).message).to.include(`the python named by --python / INFLUXDB3_PYTHON is unusable (${python}: failed (simulated broken python))`);
    expect(env.state).to.equal('unavailable');
    let readyVenv: unknown = null;
    const waiting = env.whenReady().then((v) => (readyVenv = v));
    await new Promise((r) => setTimeout(r, 400)); // several re-probes, all still failing
    expect(readyVenv).to.equal(null);
    expect(log.lines.filter((l) => l.level === ERROR)).to.have.length(1);
    await fixPython();
    await waiting;
    expect(env.state).to.equal('ready');
    expect(env.venv!.python).to.equal(join(root, 'venv', 'bin', 'python3'));
    expect(log.lines.map((l) => l.msg)).to.include('plugin environment usable again; waiting triggers start');
  });

  it('notices a venv interpreter that broke after it was prepared, and rebuilds the venv on the next probe', async () => {
    await fixPython();
    const { env } = make();
    const venv = await env.ready();
    expect(await env.checkAfterStartFailure()).to.equal(null); // the interpreter is fine: the failure was not the environment's
    await rm(join(root, 'venv'), { recursive: true, force: true });
    const failure = await env.checkAfterStartFailure();
    expect(failure).to.be.instanceOf(PythonUnavailableError);
    expect(failure!.message).to.include(`the plugin venv interpreter ${venv.python} not found`);
    expect(env.state).to.equal('unavailable');
    const again = await env.whenReady();
    expect(again.python).to.equal(venv.python);
    expect(again.created).to.equal(true);
  });

  it('probes again at once when asked (install package, dry run) rather than waiting for the timer', async () => {
    await breakPython();
    const { env } = make(3_600_000);
    await env.ready().catch(() => undefined);
    await fixPython();
    await new Promise((r) => setTimeout(r, 1_100)); // operator probes are at most one a second
    const venv = await env.ready();
    expect(venv.python).to.equal(join(root, 'venv', 'bin', 'python3'));
  });
});
