import { expect } from 'chai';
import { Registry } from 'prom-client';
import { DURATION_WINDOW, RunnerMetrics } from '../../../src/engine/runners/runner-metrics.js';

describe('engine/runners/runner-metrics', () => {
  it('counts calls, errors, timeouts, kills and restarts per runner name', () => {
    const m = new RunnerMetrics(new Registry());
    m.call('a', 0.002, false);
    m.call('a', 0.004, true);
    m.failure('a', 'ValueError: boom', 1_700_000_000_123, 'Traceback (most recent call last):\n  ...');
    m.timeout('a');
    m.memoryKill('a');
    m.restart('a');
    m.rssSample('a', 1234);
    m.call('b', 0.001, false);
    const a = m.snapshot().get('a')!;
    expect(a).to.include({ calls: 2, errors: 1, timeouts: 1, memoryKills: 1, restarts: 1, rssBytes: 1234 });
    expect(a).to.include({ lastError: 'ValueError: boom', lastErrorAt: 1_700_000_000_123 });
    expect(a.lastErrorTraceback).to.match(/^Traceback/);
    expect(m.statsOf('b')).to.include({ calls: 1, errors: 0, lastError: null, lastErrorTraceback: null });
    expect(m.statsOf('nobody')).to.equal(undefined);
  });

  it('reports p50/p99 call durations in ms over the last calls', () => {
    const m = new RunnerMetrics(new Registry());
    m.restart('idle');
    expect(m.statsOf('idle')).to.include({ p50Ms: null, p99Ms: null });
    // 1..100 ms, newest first: nearest rank gives 50 and 99.
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    for (const ms of values) m.call('r', ms / 1000, false);
    const s = m.statsOf('r')!;
    expect(s.p50Ms).to.be.closeTo(50, 1e-9);
    expect(s.p99Ms).to.be.closeTo(99, 1e-9);
    m.call('one', 0.0075, false);
    expect(m.statsOf('one')).to.include({ p50Ms: 7.5, p99Ms: 7.5 });
  });

  it('keeps only the last DURATION_WINDOW durations', () => {
    const m = new RunnerMetrics(new Registry());
    for (let i = 0; i < DURATION_WINDOW; i++) m.call('r', 10, false);
    for (let i = 0; i < DURATION_WINDOW; i++) m.call('r', 0.001, false);
    expect(m.statsOf('r')).to.include({ calls: 2 * DURATION_WINDOW, p50Ms: 1, p99Ms: 1 });
    m.call('r', 10, false);
    expect(m.statsOf('r')!.p50Ms).to.equal(1);
    expect(m.statsOf('r')!.p99Ms).to.equal(1);
    for (let i = 0; i < DURATION_WINDOW / 50; i++) m.call('r', 10, false);
    expect(m.statsOf('r')!.p99Ms).to.equal(10_000);
  });

  it('counts idle stops apart from restarts', async () => {
    const registry = new Registry();
    const m = new RunnerMetrics(registry);
    m.idleStop('a');
    m.idleStop('a');
    const text = await registry.metrics();
    expect(text).to.include('influxdb3_plugin_runner_idle_stops_total{trigger="a"} 2');
    expect(text).to.not.include('influxdb3_plugin_runner_restarts_total{trigger="a"}');
    m.forget('a');
    expect(await registry.metrics()).to.not.include('trigger="a"');
  });

  it('forget() drops a runner entirely, /metrics series included', async () => {
    const registry = new Registry();
    const m = new RunnerMetrics(registry);
    m.call('gone', 0.01, true);
    m.rssSample('gone', 99);
    m.call('kept', 0.01, false);
    m.forget('gone');
    expect(m.statsOf('gone')).to.equal(undefined);
    expect([...m.snapshot().keys()]).to.deep.equal(['kept']);
    const text = await registry.metrics();
    expect(text).to.not.include('trigger="gone"');
    expect(text).to.include('trigger="kept"');
    m.call('gone', 0.002, false);
    expect(m.statsOf('gone')).to.include({ calls: 1, errors: 0, p50Ms: 2 });
  });

  it('counts each call in the trigger\'s last-hour activity, and forget() clears it', () => {
    const m = new RunnerMetrics(new Registry());
    m.call('a', 0.002, false);
    m.call('a', 0.004, true);
    const total = (name: string) => m.activity.lastHour(name, Date.now()).reduce((t, x) => ({ calls: t.calls + x.calls, errors: t.errors + x.errors }), { calls: 0, errors: 0 });
    expect(total('a')).to.deep.equal({ calls: 2, errors: 1 });
    m.forget('a');
    expect(total('a')).to.deep.equal({ calls: 0, errors: 0 });
  });
});
