import { expect } from 'chai';
import { Registry } from 'prom-client';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../../src/shared/logger.js';
import { TriggerCacheStore } from '../../../src/engine/cache/trigger-cache-store.js';
import { PluginLogStore } from '../../../src/engine/logs/plugin-log-store.js';
import { RunnerMetrics } from '../../../src/engine/runtime/runner-metrics.js';
import { PluginCallError } from '../../../src/engine/runtime/runner-errors.js';
import type { RunnerFactory } from '../../../src/engine/runtime/runner-factory.js';
import type { StorageEngine } from '../../../src/storage/storage-engine.js';
import { TriggerRuntime } from '../../../src/engine/dispatch/trigger-runtime.js';
import type { RequestOutput, TriggerEvent } from '../../../src/engine/dispatch/trigger-event.js';
import { WalBatch } from '../../../src/engine/dispatch/wal-batch.js';
import { parseTriggerSpec } from '../../../src/engine/triggers/trigger-spec.js';
import type { ErrorBehavior } from '../../../src/engine/triggers/trigger-settings.js';
import { FakeClock, flushPromises } from '../fake-clock.js';
import { triggerRecord } from '../trigger-fixtures.js';

type Reply = (method: string, params: Record<string, unknown>) => Promise<Record<string, unknown>>;

// A stand-in for PluginRunner: answers calls with the test's replies, one at a time.
class FakeRunner {
  readonly calls: Array<{ method: string; params: Record<string, unknown> }> = [];
  cancelled = 0;
  private exit!: () => void;
  readonly exited = new Promise<void>((resolve) => (this.exit = resolve));
  constructor(private readonly reply: Reply) {}
  async load(): Promise<Record<string, unknown>> {
    return { kind: 'file', cacheRestored: 0, cacheRestoreFailed: [], memoryLimitApplied: null };
  }
  async call(method: string, params: Record<string, unknown>) {
    this.calls.push({ method, params });
    const raw = await this.reply(method, params);
    return { writes: {}, cacheChanges: null, raw, durationMs: 1 };
  }
  async cancel(): Promise<void> {
    this.cancelled++;
  }
  async stop(): Promise<void> {
    this.exit();
  }
  lossReason(): string {
    return 'stopped';
  }
}

function setup(options: { behavior?: ErrorBehavior; spec?: string; reply?: Reply } = {}) {
  const clock = new FakeClock();
  const logger = createLogger('silent');
  const logs = new PluginLogStore();
  const runner = new FakeRunner(options.reply ?? (async () => ({})));
  const disabled: string[] = [];
  const record = triggerRecord({
    trigger_specification: options.spec ?? 'all_tables',
    trigger_settings: { run_async: false, error_behavior: options.behavior ?? 'log' },
    trigger_arguments: { k: 'v' },
  });
  const runtime = new TriggerRuntime(record, parseTriggerSpec(record.trigger_specification), {
    runners: { start: async () => runner } as unknown as RunnerFactory,
    storage: {} as StorageEngine,
    logs,
    logger,
    metrics: new RunnerMetrics(new Registry()),
    cacheStore: new TriggerCacheStore({ dir: null, logger }),
    // Any existing file: the runtime checks the plugin is still there before each call.
    plugin: { path: fileURLToPath(import.meta.url) },
    cacheKey: 'db/t',
    onDisable: (reason) => disabled.push(reason),
    clock,
  });
  runtime.start();
  return { clock, logs, runner, runtime, disabled };
}

const walEvent = (v: number): TriggerEvent => ({ kind: 'wal', batch: new WalBatch('db', [{ table_name: 'cpu', rows: [{ v, time: 1n }] }]) });

describe('engine/dispatch/trigger-runtime', () => {
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
    const out = await new Promise<RequestOutput>((settle) =>
      runtime.push({ kind: 'request', input: { queryParameters: {}, headers: {}, body: Buffer.alloc(0) }, settle }),
    );
    expect(out.status).to.equal(500);
    expect(JSON.parse(out.body.toString())).to.deep.equal({ error: 'Python function call failed: KeyError: x' });
    expect(disabled).to.deep.equal([]);
    await runtime.stop();
  });

  it('stop(): queued requests get a 503 and the running call is cancelled', async () => {
    const releases: Array<() => void> = [];
    const { runtime, runner } = setup({
      spec: 'request:p',
      reply: () => new Promise((resolve) => releases.push(() => resolve({ status: 200, headers: {}, body: Buffer.alloc(0) }))),
    });
    const answers: RequestOutput[] = [];
    const push = () => runtime.push({ kind: 'request', input: { queryParameters: {}, headers: {}, body: Buffer.alloc(0) }, settle: (o) => answers.push(o) });
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
    for (let i = 0; i < 6; i++) req.runtime.push({ kind: 'request', input: { queryParameters: { i: String(i) }, headers: {}, body: Buffer.alloc(0) }, settle: () => undefined });
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
    const out = await new Promise<RequestOutput>((settle) =>
      runtime.push({ kind: 'request', input: { queryParameters: {}, headers: {}, body: Buffer.alloc(0) }, settle }),
    );
    expect(out.status).to.equal(200);
    expect(runner.calls).to.have.length(2);
    await runtime.stop();
  });
});
