import { expect } from 'chai';
import { PluginCallError } from '../../../src/engine/runners/runner-errors.js';
import { RequestTriggerError } from '../../../src/engine/triggers/errors.js';
import type { RequestOutput, TriggerEvent } from '../../../src/engine/triggers/trigger-event.js';
import { WalBatch } from '../../../src/engine/triggers/wal/wal-batch.js';
import type { ErrorBehavior } from '../../../src/engine/triggers/trigger-settings.js';
import { flushPromises } from '../fake-clock.js';
import { triggerRecord } from '../trigger-fixtures.js';
import { FakeRunner, startRuntime, type Reply } from './runtime-fixtures.js';

function setup(options: { behavior?: ErrorBehavior; spec?: string; reply?: Reply } = {}) {
  const runner = new FakeRunner(options.reply);
  const record = triggerRecord({
    specification: options.spec ?? 'all_tables',
    settings: { runAsync: false, errorBehavior: options.behavior ?? 'log' },
    arguments: { k: 'v' },
  });
  return { runner, ...startRuntime(record, { start: async () => runner } as never) };
}

const walEvent = (v: number): TriggerEvent => ({ kind: 'wal', batch: new WalBatch('db', [{ table_name: 'cpu', rows: [{ v, time: 1n }] }]) });

describe('engine/triggers/trigger-runtime', () => {
  it('runs events one at a time, in order, with the trigger arguments', async () => {
    const { runner, runtime } = setup();
    for (let i = 0; i < 3; i++) runtime.push(walEvent(i));
    await flushPromises();
    expect(runner.calls.map((c) => c.method)).to.deep.equal(['process_writes', 'process_writes', 'process_writes']);
    expect(runner.calls[0]!.params.args).to.deep.equal({ k: 'v' });
    await runtime.stop();
  });

  it('log: a failed call is logged as upstream words it and the next event runs', async () => {
    let n = 0;
    const { runner, runtime, logs } = setup({ reply: async () => (n++ === 0 ? Promise.reject(new PluginCallError('plugin', 'ValueError: boom')) : {}) });
    runtime.push(walEvent(1));
    runtime.push(walEvent(2));
    await flushPromises();
    expect(runner.calls).to.have.length(2);
    expect(logs.entries().map((e) => `${e.log_level} ${e.log_text}`)).to.deep.equal(['ERROR error executing wal plugin: ValueError: boom']);
    await runtime.stop();
  });

  it('retry: re-runs the failed event with a doubling delay, then gives up after the cap', async () => {
    const { runner, runtime, logs, clock } = setup({ behavior: 'retry', reply: async () => Promise.reject(new PluginCallError('plugin', 'E: x')) });
    runtime.push(walEvent(1));
    await flushPromises();
    expect(runner.calls).to.have.length(1);
    expect(clock.pendingDelays()).to.include(100);
    await clock.advance(100 + 200 + 400 + 800 + 1600);
    expect(runner.calls).to.have.length(6);
    expect(logs.entries().at(-1)!.log_text).to.equal('giving up on this WAL batch after 5 retries');
    await runtime.stop();
  });

  it('disable: asks the engine to disable the trigger with the reason', async () => {
    const { runtime, disabled } = setup({ behavior: 'disable', reply: async () => Promise.reject(new PluginCallError('plugin', 'E: x')) });
    runtime.push(walEvent(1));
    await flushPromises();
    expect(disabled).to.deep.equal(['error_behavior is disable and a call failed: E: x']);
    await runtime.stop();
  });

  it('request: a plugin exception is a 500 with the prefixed text, whatever error_behavior says', async () => {
    const { runtime, disabled } = setup({
      behavior: 'disable',
      spec: 'request:p',
      reply: async () => Promise.reject(new PluginCallError('plugin', 'KeyError: x', { phase: 'call' })),
    });
    const out = await new Promise<RequestOutput | RequestTriggerError>((answer) =>
      runtime.push({ kind: 'request', input: { queryParameters: {}, headers: {}, body: Buffer.alloc(0) }, settle: answer, fail: answer }),
    );
    expect(out).to.be.instanceOf(RequestTriggerError);
    expect(out.status).to.equal(500);
    expect((out as RequestTriggerError).message).to.equal('Python function call failed: KeyError: x');
    expect(disabled).to.deep.equal([]);
    await runtime.stop();
  });

  it('stop(): queued requests get a 503 and the running call is cancelled', async () => {
    const releases: Array<() => void> = [];
    const { runtime, runner } = setup({
      spec: 'request:p',
      reply: () => new Promise((resolve) => releases.push(() => resolve({ status: 200, headers: {}, body: Buffer.alloc(0) }))),
    });
    const answers: Array<RequestOutput | RequestTriggerError> = [];
    const answer = (o: RequestOutput | RequestTriggerError) => answers.push(o);
    const push = () => runtime.push({ kind: 'request', input: { queryParameters: {}, headers: {}, body: Buffer.alloc(0) }, settle: answer, fail: answer });
    for (let i = 0; i < 5; i++) push();
    await flushPromises();
    expect(runner.calls, 'four sent (pipelined), one queued').to.have.length(4);
    const stopping = runtime.stop();
    await flushPromises();
    expect(runner.cancelled).to.equal(1);
    expect(answers.map((a) => a.status)).to.deep.equal([503]);
    for (const release of releases) release();
    await stopping;
  });

  it('a sequential request trigger has four calls in its runner at a time; WAL triggers one', async () => {
    const pending: Array<() => void> = [];
    const reply: Reply = () => new Promise((resolve) => pending.push(() => resolve({ status: 200, headers: {}, body: Buffer.alloc(0) })));
    const req = setup({ spec: 'request:p', reply });
    for (let i = 0; i < 6; i++) req.runtime.push({ kind: 'request', input: { queryParameters: { i: String(i) }, headers: {}, body: Buffer.alloc(0) }, settle: () => undefined, fail: () => undefined });
    await flushPromises();
    expect(req.runner.calls.map((c) => (c.params.query_parameters as Record<string, string>).i)).to.deep.equal(['0', '1', '2', '3']);
    pending.shift()!();
    await flushPromises();
    expect(req.runner.calls, 'the fifth is sent when the first answers').to.have.length(5);
    const wal = setup({ reply });
    for (let i = 0; i < 3; i++) wal.runtime.push(walEvent(i));
    await flushPromises();
    expect(wal.runner.calls).to.have.length(1);
    while (pending.length > 0) {
      for (const release of pending.splice(0)) release();
      await flushPromises();
    }
    await Promise.all([req.runtime.stop(), wal.runtime.stop()]);
  });

  it('a request the child never started (queued behind a call that killed the runner) is sent again, not answered 500', async () => {
    let n = 0;
    const { runtime, runner } = setup({
      spec: 'request:p',
      reply: async () =>
        n++ === 0
          ? Promise.reject(new PluginCallError('crashed', 'plugin runner was killed while this call waited behind another one', { neverStarted: true }))
          : { status: 200, headers: {}, body: Buffer.from('ok') },
    });
    const out = await new Promise<RequestOutput>((settle, fail) =>
      runtime.push({ kind: 'request', input: { queryParameters: {}, headers: {}, body: Buffer.alloc(0) }, settle, fail }),
    );
    expect(out.status).to.equal(200);
    expect(runner.calls).to.have.length(2);
    await runtime.stop();
  });
});
