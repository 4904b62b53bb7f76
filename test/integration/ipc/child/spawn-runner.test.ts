import { expect } from 'chai';
import { spawnRunner, type RunnerProcess } from '../../../../src/ipc/child/spawn-runner.js';
import { MsgpackCodec } from '../../../../src/ipc/codec/msgpack-codec.js';
import { ConnectionClosedError, RunnerError } from '../../../../src/ipc/errors.js';
import { defaultPythonCandidates, findBasePython } from '../../../../src/engine/environment/find-base-python.js';
import { captureLogger } from '../../../ipc/child/capture-logger.js';
import { ECHO_CHILD_SOURCE } from './echo-child.js';
import { PROTOCOL_VERSION } from '../../../../src/ipc/index.js';

async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('ipc/child/spawn-runner (inline Python echo child)', () => {
  let python: string;
  const started: RunnerProcess[] = [];
  before(async () => {
    python = (await findBasePython(defaultPythonCandidates())).executable;
  });
  after(() => started.forEach((r) => r.kill()));

  const start = async (mode = '', extra: Partial<Parameters<typeof spawnRunner>[0]> = {}) => {
    const log = captureLogger();
    const runner = await spawnRunner({
      python,
      args: ['-c', ECHO_CHILD_SOURCE, mode],
      logger: log.logger,
      name: 'echo',
      env: { ...process.env, INFLUXDB3_AUTH_TOKEN: 'apiv3_secret', MY_PASSWORD: 'x', KEEP_ME: 'yes' },
      ...extra,
    });
    started.push(runner);
    return { runner, lines: log.lines };
  };

  it('starts, says hello, echoes bigint and bin through real msgpack, and shuts down cleanly', async () => {
    const { runner, lines } = await start();
    expect(runner.pid).to.be.a('number');
    expect(runner.hello).to.include({ pid: runner.pid, runnerVersion: 'echo', protocolVersion: PROTOCOL_VERSION });
    const params = { ns: 1_700_000_000_123_456_789n, body: Buffer.from([0, 255]), n: 3, s: 'é', f: 0.5, none: null };
    expect(await runner.connection.request('echo', params)).to.deep.equal(params);
    expect(await runner.connection.request('types', params)).to.deep.equal({
      ns: 'int', body: 'bytes', n: 'int', s: 'str', f: 'float', none: 'NoneType',
    });
    const codec = new MsgpackCodec();
    const batch = codec.preEncode([{ table_name: 'cpu', rows: [{ time: 1_700_000_000_000_000_001n, usage: 0.5 }] }]);
    expect(await runner.connection.request('echo', { table_batches: batch, args: null })).to.deep.equal({
      table_batches: [{ table_name: 'cpu', rows: [{ time: 1_700_000_000_000_000_001n, usage: 0.5 }] }],
      args: null,
    });
    const env = (await runner.connection.request('env')) as Record<string, string>;
    // spawnRunner passes the environment it is given (the engine's plugin environment policy filters it first).
    expect(env).to.include({ TZ: 'UTC', PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', KEEP_ME: 'yes', INFLUXDB3_AUTH_TOKEN: 'apiv3_secret' });
    const rss = await runner.rssBytes();
    expect(rss).to.be.greaterThan(1024 * 1024);
    const exit = await runner.shutdown(2_000);
    expect(exit).to.deep.equal({ code: 0, signal: null, forced: false });
    expect(await runner.rssBytes()).to.equal(undefined);
    expect(runner.connection.isClosed).to.equal(true);
    const stderrLine = lines.find((l) => l.msg === 'echo child ready');
    expect(stderrLine).to.include({ runner: 'echo', runnerPid: runner.pid, level: 30 });
  });

  it('fails to start with the exit code and the stderr tail when the child dies before hello', async () => {
    const log = captureLogger();
    const err = await rejection(spawnRunner({ python, args: ['-c', ECHO_CHILD_SOURCE, 'die-before-hello'], logger: log.logger, name: 'dies' }));
    expect(err).to.be.instanceOf(RunnerError);
    expect(err).to.include({ code: 'runner_start_failed', exitCode: 3, signal: null, timedOut: false, runner: 'dies' });
    expect(err.pid).to.be.a('number');
    expect(err.stderrTail).to.include('ImportError: no module named nope');
    expect(err.message).to.match(/^runner 'dies' \(pid \d+\) exited before saying hello \(exited with code 3\); stderr:\nTraceback/);
    expect(log.lines.filter((l) => l.level === 40).map((l) => l.msg)).to.include('ImportError: no module named nope');
  });

  it('refuses a runner that speaks another protocol version, naming both', async () => {
    const err = await rejection(start('old-protocol'));
    expect(err).to.be.instanceOf(RunnerError);
    expect(err.message).to.include(`speaks protocol version 1, this server ${PROTOCOL_VERSION}`);
  });

  it('kills a child that does not say hello in time, and reports a missing interpreter', async () => {
    const log = captureLogger();
    const err = await rejection(
      spawnRunner({ python, args: ['-c', ECHO_CHILD_SOURCE, 'silent'], logger: log.logger, name: 'mute', helloTimeoutMs: 150 }),
    );
    expect(err).to.include({ code: 'runner_start_failed', timedOut: true, signal: 'SIGKILL' });
    expect(err.message).to.include('did not say hello within 150 ms');
    const missing = await rejection(spawnRunner({ python: '/nonexistent/python3', logger: log.logger, name: 'nope' }));
    expect(missing).to.be.instanceOf(RunnerError);
    expect(missing.message).to.include('could not be started: spawn /nonexistent/python3 ENOENT');
  });

  it('rejects in-flight calls with the exit details when the child dies', async () => {
    const { runner } = await start();
    const err = await rejection(runner.connection.request('crash', {}));
    expect(err).to.be.instanceOf(ConnectionClosedError);
    expect(err.cause).to.be.instanceOf(RunnerError);
    expect(err.cause).to.include({ code: 'runner_exited', exitCode: 7 });
    expect(err.message).to.include('exited with code 7');
    expect(err.message).to.include('crashing on purpose');
    expect(await runner.exited).to.deep.equal({ code: 7, signal: null });
  });

  it('SIGKILLs a child that ignores $/shutdown after the grace period', async () => {
    const { runner } = await start('ignore-shutdown');
    const t0 = Date.now();
    const exit = await runner.shutdown(200);
    expect(exit).to.deep.equal({ code: null, signal: 'SIGKILL', forced: true });
    expect(Date.now() - t0).to.be.within(150, 5_000); // the 200 ms grace, then the kill (loose: CI machines are slow)
  });
});
