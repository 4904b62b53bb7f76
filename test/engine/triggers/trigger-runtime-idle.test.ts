import { expect } from 'chai';
import { Registry } from 'prom-client';
import type { PluginCall } from '../../../src/ipc/index.js';
import type { RunnerFactory } from '../../../src/engine/runners/runner-factory.js';
import { RunnerMetrics } from '../../../src/engine/runners/runner-metrics.js';
import type { LoadRequest } from '../../../src/engine/runners/plugin-runner.js';
import { MIN_WARM_UP_LEAD_MS } from '../../../src/engine/triggers/runner-idleness.js';
import type { RequestOutput, TriggerEvent } from '../../../src/engine/triggers/trigger-event.js';
import type { TriggerRuntimeDeps } from '../../../src/engine/triggers/trigger-runtime.js';
import { WalBatch } from '../../../src/engine/triggers/wal/wal-batch.js';
import { flushPromises } from '../fake-clock.js';
import { triggerRecord } from '../trigger-fixtures.js';
import { FakeRunner, startRuntime } from './runtime-fixtures.js';

// A runner that also records what it was loaded with, and answers each call with a cache change `k` = call count.
class CachingRunner extends FakeRunner {
  loaded: LoadRequest | null = null;
  stopped = false;
  override async load(request?: LoadRequest): Promise<Record<string, unknown>> {
    this.loaded = request ?? null;
    return super.load();
  }
  override async call(call: PluginCall) {
    const result = await super.call(call);
    return { ...result, cacheChanges: { cacheName: null, set: new Map([['k', { value: Buffer.from(String(this.calls.length)), expiresAt: null }]]), deleted: [], unpicklable: [] } };
  }
  override async stop(): Promise<void> {
    this.stopped = true;
    await super.stop();
  }
}

// A runtime whose factory starts a new CachingRunner each time, with an idle timeout of 10 s.
function setup(spec: string, extra: Partial<TriggerRuntimeDeps> = {}) {
  const runners: CachingRunner[] = [];
  const factory = {
    start: async () => {
      const r = new CachingRunner(async () => ({ status: 200, headers: {}, body: Buffer.from('ok') }));
      runners.push(r);
      return r;
    },
  } as unknown as RunnerFactory;
  const started = startRuntime(triggerRecord({ specification: spec }), factory, { idleTimeoutMs: 10_000, ...extra });
  return { runners, ...started };
}

const walEvent = (v: number): TriggerEvent => ({ kind: 'wal', batch: new WalBatch('db', [{ table_name: 'cpu', rows: [{ v, time: 1n }] }]) });

describe('engine/triggers/trigger-runtime (idle runners, fake clock)', () => {
  it('WAL: the runner stops after the idle timeout without counting a restart; the next batch starts a new one', async () => {
    const { runtime, runners, clock, logs, metrics, registry } = setupWithMetrics('all_tables');
    await flushPromises();
    expect(runtime.state).to.equal('running');
    runtime.push(walEvent(1));
    await flushPromises();
    await clock.advance(9_999);
    expect(runners[0]!.stopped).to.equal(false);
    await clock.advance(1);
    expect(runners[0]!.stopped).to.equal(true);
    expect(runtime.state).to.equal('idle');
    expect(runtime.failureReason).to.equal(null);
    runtime.push(walEvent(2));
    await flushPromises();
    expect(runners).to.have.length(2);
    expect(runners[1]!.calls.map((c) => c.method)).to.deep.equal(['process_writes']);
    expect(runtime.state).to.equal('running');
    expect(metrics.statsOf('db/t')?.restarts ?? 0, 'an idle stop is not a restart').to.equal(0);
    expect(await registry.getSingleMetricAsString('influxdb3_plugin_runner_idle_stops_total')).to.include('{trigger="db/t"} 1');
    expect(logs.entries().filter((e) => e.log_level === 'WARN' || e.log_level === 'ERROR')).to.deep.equal([]);
    await runtime.stop();
  });

  it('the local cache kept from the first runner is handed to the runner started after the idle stop', async () => {
    const { runtime, runners, clock } = setup('all_tables');
    await flushPromises();
    runtime.push(walEvent(1));
    await flushPromises();
    await clock.advance(10_000);
    expect(runners[0]!.stopped).to.equal(true);
    runtime.push(walEvent(2));
    await flushPromises();
    const snapshot = runners[1]!.loaded?.cacheSnapshot;
    expect(snapshot && [...snapshot].map(([k, e]) => [k, e.value.toString()])).to.deep.equal([['k', '1']]);
    await runtime.stop();
  });

  it('schedule: stops between far-apart runs and is started the lead ahead of the next run', async () => {
    const { runtime, runners, clock } = setup('every:10m');
    await flushPromises();
    const fire = clock.nowMs() + 600_000;
    runtime.expectEventAt(fire);
    await clock.advance(10_000);
    expect(runners[0]!.stopped).to.equal(true);
    expect(runtime.state).to.equal('idle');
    // Fake starts take no time: the lead is a few times the (initially assumed) start time, at least the minimum.
    await clock.advance(fire - clock.nowMs() - 10_000);
    expect(runners, 'not started long before the run').to.have.length(1);
    await clock.advance(10_000 - MIN_WARM_UP_LEAD_MS);
    expect(runners, 'started ahead of the run').to.have.length(2);
    expect(runtime.state).to.equal('running');
    await clock.advance(MIN_WARM_UP_LEAD_MS);
    let done = false;
    runtime.push({ kind: 'schedule', plannedMs: fire, missed: 0, done: () => (done = true) });
    await flushPromises();
    expect(done).to.equal(true);
    expect(runners, 'the run found the runner warm').to.have.length(2);
    expect(runners[1]!.calls.map((c) => c.method)).to.deep.equal(['process_scheduled_call']);
    await runtime.stop();
  });

  it('schedule: a trigger firing more often than the idle timeout keeps its runner', async () => {
    const { runtime, runners, clock } = setup('every:5s');
    await flushPromises();
    for (let i = 1; i <= 20; i++) {
      const fire = clock.nowMs() + 5_000;
      runtime.expectEventAt(fire);
      await clock.advance(5_000);
      runtime.push({ kind: 'schedule', plannedMs: fire, missed: 0 });
      await flushPromises();
    }
    expect(runners).to.have.length(1);
    expect(runners[0]!.stopped).to.equal(false);
    expect(runners[0]!.calls).to.have.length(20);
    await runtime.stop();
  });

  it('request: with no idle timeout the runner stays (and the first request after a long quiet finds it)', async () => {
    const { runtime, runners, clock } = setup('request:p', { idleTimeoutMs: null });
    await flushPromises();
    await clock.advance(24 * 3_600_000);
    expect(runners[0]!.stopped).to.equal(false);
    const out = await new Promise<RequestOutput | Error>((answer) =>
      runtime.push({ kind: 'request', input: { queryParameters: {}, headers: {}, body: Buffer.alloc(0) }, settle: answer, fail: answer }),
    );
    expect((out as RequestOutput).status).to.equal(200);
    expect(runners).to.have.length(1);
    await runtime.stop();
  });

  it('request: with an idle timeout the request after the stop waits for a new runner and is answered', async () => {
    const { runtime, runners, clock } = setup('request:p');
    await flushPromises();
    await clock.advance(10_000);
    expect(runtime.state).to.equal('idle');
    const out = await new Promise<RequestOutput | Error>((answer) =>
      runtime.push({ kind: 'request', input: { queryParameters: {}, headers: {}, body: Buffer.alloc(0) }, settle: answer, fail: answer }),
    );
    expect((out as RequestOutput).status).to.equal(200);
    expect(runners).to.have.length(2);
    await runtime.stop();
  });

  it('run_async pool: events go to a live runner before a stopped one is started', async () => {
    const { runtime, runners, clock } = setupPool(2);
    await flushPromises();
    expect(runners).to.have.length(2);
    await clock.advance(10_000);
    expect(runtime.state).to.equal('idle');
    runtime.push(walEvent(1));
    await flushPromises();
    expect(runners).to.have.length(3);
    await clock.advance(5_000);
    // The runner just started is live, the other worker's still stopped: the next event goes to the live one.
    runtime.push(walEvent(2));
    await flushPromises();
    expect(runners).to.have.length(3);
    expect(runners[2]!.calls).to.have.length(2);
    await runtime.stop();
  });

  it('stop() while idle resolves and starts nothing', async () => {
    const { runtime, runners, clock } = setup('all_tables');
    await flushPromises();
    await clock.advance(10_000);
    await runtime.stop();
    await clock.advance(3_600_000);
    expect(runners).to.have.length(1);
    expect(clock.pending).to.equal(0);
  });
});

// setup() with metrics on a registry of its own (their /metrics text is read).
function setupWithMetrics(spec: string) {
  const registry = new Registry();
  const metrics = new RunnerMetrics(registry);
  return { ...setup(spec, { metrics }), metrics, registry };
}

// A run_async trigger with a pool of `size` runners.
function setupPool(size: number) {
  const runners: CachingRunner[] = [];
  const factory = {
    start: async () => {
      const r = new CachingRunner();
      runners.push(r);
      return r;
    },
  } as unknown as RunnerFactory;
  const record = triggerRecord({ specification: 'all_tables', settings: { runAsync: true, errorBehavior: 'log' } });
  return { runners, ...startRuntime(record, factory, { idleTimeoutMs: 10_000, asyncPoolSize: size }) };
}
