import { expect } from 'chai';
import { PythonUnavailableError } from '../../../src/engine/environment/errors.js';
import type { RunnerFactory } from '../../../src/engine/runners/runner-factory.js';
import { RequestTriggerError } from '../../../src/engine/triggers/errors.js';
import type { RequestOutput, TriggerEvent } from '../../../src/engine/triggers/trigger-event.js';
import { WalBatch } from '../../../src/engine/triggers/wal/wal-batch.js';
import { flushPromises } from '../fake-clock.js';
import { triggerRecord } from '../trigger-fixtures.js';
import { FakeRunner, startRuntime } from './runtime-fixtures.js';

// A RunnerFactory whose environment is broken until fix() is called: start() rejects with PythonUnavailableError
// (as the real one does) and environmentReady() resolves on fix().
function brokenEnvironment() {
  let broken = true;
  let starts = 0;
  const runner = new FakeRunner(async () => ({ status: 200, body: 'ok', headers: {} }));
  let release!: () => void;
  let ready = new Promise<void>((resolve) => (release = resolve));
  const runners = {
    start: async () => {
      starts++;
      if (broken) throw new PythonUnavailableError('the python named by --python / INFLUXDB3_PYTHON is unusable (/opt/py: not found)');
      return runner;
    },
    environmentReady: () => ready,
  } as unknown as RunnerFactory;
  return {
    runners,
    runner,
    starts: () => starts,
    // A re-probe that found it still broken: waiters go round once more.
    stillBroken: () => {
      release();
      ready = new Promise<void>((resolve) => (release = resolve));
    },
    fix: () => {
      broken = false;
      release();
    },
  };
}

function setup(spec = 'all_tables') {
  const env = brokenEnvironment();
  const { runtime, clock, logs, disabled } = startRuntime(triggerRecord({ specification: spec }), env.runners);
  return { clock, logs, env, runtime, disabled };
}

const walEvent = (v: number): TriggerEvent => ({ kind: 'wal', batch: new WalBatch('db', [{ table_name: 'cpu', rows: [{ v, time: 1n }] }]) });

describe('engine/triggers/trigger-runtime (waiting for the plugin environment)', () => {
  it('waits in waiting-for-environment without counting restarts or disabling, then runs the queued events', async () => {
    const { clock, logs, env, runtime, disabled } = setup();
    await flushPromises();
    expect(runtime.state).to.equal('waiting-for-environment');
    expect(runtime.failureReason).to.include('/opt/py: not found');
    runtime.push(walEvent(1));
    // Many re-probes that find it still broken, over far more than the supervisor's intensity window.
    for (let i = 0; i < 20; i++) {
      env.stillBroken();
      await clock.advance(60_000);
    }
    expect(env.starts()).to.equal(21);
    expect(runtime.state).to.equal('waiting-for-environment');
    expect(disabled).to.deep.equal([]);
    expect(clock.pending).to.equal(0); // no supervisor backoff timer: nothing was counted as a crash
    env.fix();
    await flushPromises();
    expect(runtime.state).to.equal('running');
    expect(env.runner.calls.map((c) => c.method)).to.deep.equal(['process_writes']);
    expect(logs.entries().map((e) => `${e.log_level} ${e.log_text}`)).to.deep.equal([
      'WARN waiting for the plugin environment: the python named by --python / INFLUXDB3_PYTHON is unusable (/opt/py: not found)',
      'INFO plugin environment usable again; trigger started',
    ]);
    await runtime.stop();
  });

  it('answers a request at once with 503 while waiting, instead of holding it', async () => {
    const { runtime } = setup('request:hook');
    await flushPromises();
    const answer = new Promise<RequestOutput | RequestTriggerError>((reply) => runtime.push({ kind: 'request', input: { queryParameters: {}, headers: {}, body: Buffer.alloc(0) }, settle: reply, fail: reply }));
    const out = await answer;
    expect(out).to.be.instanceOf(RequestTriggerError);
    expect(out.status).to.equal(503);
    expect((out as RequestTriggerError).message).to.include('waiting for the plugin environment');
    await runtime.stop();
  });

  it('answers a request that queued before the environment was found unusable with 503, not when it is fixed', async () => {
    const { runtime } = setup('request:hook');
    // Pushed before the first start attempt has failed: it queues.
    const answer = new Promise<RequestOutput | RequestTriggerError>((reply) => runtime.push({ kind: 'request', input: { queryParameters: {}, headers: {}, body: Buffer.alloc(0) }, settle: reply, fail: reply }));
    await flushPromises();
    const out = await answer;
    expect(out).to.be.instanceOf(RequestTriggerError);
    expect(out.status).to.equal(503);
    expect((out as RequestTriggerError).message).to.include('waiting for the plugin environment');
    await runtime.stop();
  });

  it('stops cleanly while waiting', async () => {
    const { env, runtime } = setup();
    await flushPromises();
    await runtime.stop();
    env.fix();
    await flushPromises();
    expect(env.runner.calls.map((c) => c.method)).to.deep.equal([]);
  });
});
