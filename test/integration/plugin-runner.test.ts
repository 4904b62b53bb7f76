import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { GlobalCache } from '../../src/engine/plugin-cache/global-cache.js';
import { applyCacheChanges, type CacheSnapshot } from '../../src/engine/plugin-cache/cache-snapshot.js';
import { defaultPythonCandidates, findBasePython } from '../../src/engine/environment/find-base-python.js';
import type { CallHost } from '../../src/engine/runners/call-tracker.js';
import { PluginRunner, type PluginRunnerOptions } from '../../src/engine/runners/plugin-runner.js';
import { PluginCallError } from '../../src/engine/runners/runner-errors.js';
import { RunnerMetrics } from '../../src/engine/runners/runner-metrics.js';
import { Supervisor } from '../../src/engine/supervisor/supervisor.js';
import { PreEncoded, encodeTableBatches } from '../../src/ipc/index.js';
import { createLogger } from '../../src/shared/logger.js';
import { runnerPids } from '../fixtures/plugins/plugin-server.js';
import { pollUntil } from '../helpers/poll.js';
import { pluginSources } from '../fixtures/plugins/sources.js';

const PLUGINS = pluginSources('plugin-runner', ['echo.py', 'spin.py', 'chatty_spin.py', 'hog.py', 'crash.py', 'counter.py']);

interface Recorder extends CallHost {
  logs: string[];
  writes: string[];
  queries: string[];
}

function recorder(): Recorder {
  const r: Recorder = {
    logs: [],
    writes: [],
    queries: [],
    async query(db, sql, args) {
      r.queries.push(`${db}:${sql}:${JSON.stringify(args)}`);
      return { columns: ['n'], rows: [[Number(args?.n ?? 0)]] };
    },
    async writeSync(db, lines) {
      r.writes.push(`${db}:${lines}`);
    },
    log(level, text) {
      r.logs.push(`${level}: ${text}`);
    },
  };
  return r;
}

const batches = (v: number) => new PreEncoded(encodeTableBatches([{ tableName: 't', rows: [{ v: 1.0 * v, time: 1n }] }]));

// PluginRunner against real python-runner children, without a server: the surface triggers build on.
describe('integration: PluginRunner with real python-runner children', function () {
  this.timeout(20_000);
  let dir: string;
  let python: string;
  const registry = new Registry();
  const metrics = new RunnerMetrics(registry);
  const globalCache = new GlobalCache();
  const runners: PluginRunner[] = [];

  before(async () => {
    python = (await findBasePython(defaultPythonCandidates())).executable;
    dir = mkdtempSync(join(tmpdir(), 'plugin-runner-'));
    for (const [name, text] of Object.entries(PLUGINS)) writeFileSync(join(dir, name), text);
  });
  after(async () => {
    await Promise.all(runners.map((r) => r.stop(500)));
    expect(runnerPids(dir)).to.deep.equal([]);
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (plugin: string, options: Partial<PluginRunnerOptions> = {}) => {
    const runner = await PluginRunner.start({
      name: options.name ?? plugin,
      python,
      pluginDir: dir,
      logger: createLogger('silent'),
      globalCache,
      metrics,
      timeoutMs: 5_000,
      memoryLimitBytes: null,
      ...options,
    });
    runners.push(runner);
    await runner.load({ pluginPath: join(dir, plugin), database: 'db1' });
    return runner;
  };

  it('pipelined calls run in order; each call\'s logs, queries and sync writes reach its own host', async () => {
    const runner = await start('echo.py');
    const hosts = [recorder(), recorder(), recorder()];
    const results = await Promise.all(hosts.map((host, i) => runner.call({ method: 'processWrites', tableBatches: batches(i + 1), args: { n: String(i) } }, { host })));
    const queued = await Promise.all(results.map((r) => r.writes.toRecord()));
    hosts.forEach((h, i) => {
      expect(h.logs).to.deep.equal([`INFO: call ${i}`, `INFO: rows=[{'n': ${i}}] total=${(i + 1).toFixed(1)} type=float`]);
      expect(h.queries).to.deep.equal([`db1:SELECT $n AS n:{"n":"${i}"}`]);
      expect(h.writes).to.deep.equal([`db1:sync n=${i}i`]);
      expect(queued[i]).to.deep.equal({ db1: [`queued n=${i}i`] });
    });
    const text = await registry.getSingleMetricAsString('influxdb3_plugin_calls_total');
    expect(text).to.include('influxdb3_plugin_calls_total{trigger="echo.py"} 3');
  });

  it('a call past its timeout kills the runner; a call queued behind it fails as collateral', async () => {
    const runner = await start('spin.py', { timeoutMs: 300 });
    const first = runner.call({ method: 'processWrites', tableBatches: [], args: null }, { host: recorder() }).catch((e) => e);
    const second = runner.call({ method: 'processWrites', tableBatches: [], args: null }, { host: recorder() }).catch((e) => e);
    const err = await first;
    expect(err).to.be.instanceOf(PluginCallError);
    expect(err.kind).to.equal('timeout');
    expect(err.message).to.equal('plugin execution timed out after 300 ms (--plugin-timeout)');
    expect((await second).message).to.match(/was killed while this call waited behind another one/);
    expect((await runner.exited).signal).to.equal('SIGKILL');
    expect(runner.lossReason()).to.equal(err.message);
  });

  it('cancel() interrupts a plugin at its next API call; the runner lives on', async () => {
    const runner = await start('chatty_spin.py');
    const host = recorder();
    const call = runner.call({ method: 'processWrites', tableBatches: [], args: null }, { host }).catch((e) => e);
    await pollUntil(() => host.logs.length > 0, 'the plugin to log from inside its loop', { intervalMs: 20 });
    await runner.cancel();
    const err = await call;
    expect(err.kind).to.equal('cancelled');
    expect(err.message).to.equal('KeyboardInterrupt: influxdb3 is shutting down; aborting plugin execution');
    expect(runner.alive).to.equal(true);
    expect(await runner.ping()).to.have.property('busy');
  });

  it('stop() sends $/shutdown and kills a runner that does not leave in time', async () => {
    const idle = await start('echo.py');
    expect(await idle.stop()).to.include({ code: 0, forced: false });
    const stuck = await start('spin.py');
    const call = stuck.call({ method: 'processWrites', tableBatches: [], args: null }, { host: recorder() }).catch((e) => e);
    await pollUntil(async () => (await stuck.ping()).busy, 'the runner to be busy with the call', { intervalMs: 20 });
    expect(await stuck.stop(300)).to.include({ signal: 'SIGKILL', forced: true });
    expect((await call).kind).to.equal('crashed');
  });

  it('memory: RLIMIT_AS is applied at load and a growing resident set is killed at the limit', async () => {
    const runner = await PluginRunner.start({
      name: 'hog', python, pluginDir: dir, logger: createLogger('silent'), globalCache, metrics, timeoutMs: 10_000, memoryLimitBytes: 150 * 1024 * 1024,
    });
    runners.push(runner);
    expect((await runner.load({ pluginPath: join(dir, 'hog.py'), database: 'db1' })).memoryLimitApplied).to.equal(true);
    const err = await runner.call({ method: 'processWrites', tableBatches: [], args: null }, { host: recorder() }).catch((e) => e);
    expect(err.kind).to.equal('memory');
    expect(err.message).to.match(/^plugin runner exceeded the memory limit of 150\.0 MiB \(--plugin-memory-limit\): resident set was \d+\.\d MiB$/);
    expect(await registry.getSingleMetricAsString('influxdb3_plugin_memory_kills_total')).to.include('trigger="hog"} 1');
  });

  it('a runner that dies mid-call fails the call with its exit code and stderr tail', async () => {
    const runner = await start('crash.py');
    const err = await runner.call({ method: 'processWrites', tableBatches: [], args: null }, { host: recorder() }).catch((e) => e);
    expect(err.kind).to.equal('crashed');
    expect(err.message).to.match(/^plugin runner exited with code 7 during the call; stderr: .*about to die/s);
    expect(err.runnerLost).to.equal(true);
  });

  it('the local cache survives a new runner through cache_changes → load.cache_snapshot; the global one is shared', async () => {
    const snapshot: CacheSnapshot = new Map();
    const host = recorder();
    for (let i = 0; i < 2; i++) {
      const runner = await PluginRunner.start({ name: 'counter', python, pluginDir: dir, logger: createLogger('silent'), globalCache, timeoutMs: 5_000, memoryLimitBytes: null });
      runners.push(runner);
      const loaded = await runner.load({ pluginPath: join(dir, 'counter.py'), database: 'db1', cacheSnapshot: snapshot });
      expect(loaded.cacheRestored).to.equal(i);
      const result = await runner.call({ method: 'processWrites', tableBatches: [], args: null }, { host });
      applyCacheChanges(snapshot, result.cacheChanges!);
      await runner.stop();
    }
    expect(host.logs).to.deep.equal(['INFO: local=1 global=1', 'INFO: local=2 global=2']);
  });

  it('a supervisor restarts a killed runner with a new process', async () => {
    const started: PluginRunner[] = [];
    const sup = new Supervisor<PluginRunner>({
      name: 'supervised',
      start: async () => {
        const r = await start('echo.py', { name: 'supervised' });
        started.push(r);
        return r;
      },
      exited: (r) => r.exited,
      stop: (r) => r.stop(),
      reason: (r) => r.lossReason(),
      onGiveUp: () => undefined,
      random: () => 0,
    });
    const first = await sup.start();
    first.kill();
    await first.exited;
    const second = await sup.acquire();
    expect(second.pid).not.to.equal(first.pid);
    const host = recorder();
    await second.call({ method: 'processWrites', tableBatches: batches(1), args: { n: '5' } }, { host });
    expect(host.logs[0]).to.equal('INFO: call 5');
    await sup.stop();
    expect(second.alive).to.equal(false);
  });
});
