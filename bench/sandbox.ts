import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PreEncoded, encodeTableBatches, type PluginCall } from '../src/ipc/index.js';
import type { PluginRunner } from '../src/engine/runners/plugin-runner.js';
import { RunnerSandbox } from '../src/engine/runners/sandbox/runner-sandbox.js';
import { createLogger } from '../src/shared/logger.js';
import { ROOT } from '../test/helpers/server-process.js';
import { vmRssBytes } from '../test/fixtures/plugins/hostile/proc-scan.js';
import { percentile, report } from './lib/results.js';
import { activationLatencies, benchPython, loadedRunner, median, pluginDir, sorted } from './lib/plugin-bench.js';
import { hostLoad, pluginEnv, startTriggerServer, stopServer, waitFor, type BenchClient } from './lib/trigger-server.js';

const ROUNDS = 10;
const PER_ROUND = Number(process.env.BENCH_ACTIVATIONS ?? 1000);
const STARTS = Number(process.env.BENCH_RUNNER_STARTS ?? 15);
const BIG_LINES = Number(process.env.BENCH_SANDBOX_LINES ?? 5_000_000);
const LP_BATCH = 10_000;
const LP_WRITERS = 4;
const FLOOD_MB = 100;
const MB = 1024 * 1024;
const HOSTILE = join(ROOT, 'test', 'fixtures', 'plugins', 'hostile');

function sandbox(mode: 'auto' | 'off'): RunnerSandbox {
  return new RunnerSandbox({ mode, network: 'host', hidden: [], logger: createLogger('silent') });
}

// Activation (one process_writes call at a time) and cold start (spawn → hello → load) of a runner under the sandbox
// (`--plugin-sandbox auto`: bwrap, user namespace, cgroup where the machine has them, rlimits) against the same runner
// with `--plugin-sandbox off`, same interpreter, same run, rounds alternating so background load hits both alike.
async function runnerFigures(): Promise<{ figures: Parameters<typeof report>[1]; extra: Record<string, unknown> }> {
  const python = await benchPython();
  const plugins = pluginDir({ 'noop.py': 'def process_writes(influxdb3_local, table_batches, args=None):\n    pass\n' });
  const on = sandbox('auto');
  const off = sandbox('off');
  const limits = { maxProcesses: 64 };
  const started: PluginRunner[] = [];
  try {
    const cold = { on: [] as number[], off: [] as number[] };
    let levels = { on: '', off: '' };
    for (let i = 0; i < STARTS; i++) {
      for (const [which, sb] of [['on', on], ['off', off]] as const) {
        const t = performance.now();
        const runner = await loadedRunner(python, plugins.dir, 'noop.py', 'bench', { sandbox: sb, ...limits });
        cold[which].push(performance.now() - t);
        levels = { ...levels, [which]: runner.sandboxLevel };
        await runner.stop();
      }
    }
    const sandboxed = await loadedRunner(python, plugins.dir, 'noop.py', 'bench', { sandbox: on, ...limits });
    const plain = await loadedRunner(python, plugins.dir, 'noop.py', 'bench', { sandbox: off, ...limits });
    started.push(sandboxed, plain);
    const batch = new PreEncoded(encodeTableBatches([{ tableName: 'cpu', rows: [{ host: 'a', usage: 1.5, time: 1n }] }]));
    const call: PluginCall = { method: 'processWrites', tableBatches: batch, args: null };
    const activation = (runner: PluginRunner, n: number): Promise<number[]> => activationLatencies(runner, call, n);
    await activation(sandboxed, 500);
    await activation(plain, 500);
    const p50 = { on: [] as number[], off: [] as number[] };
    const p99 = { on: [] as number[], off: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      const a = await activation(sandboxed, PER_ROUND);
      const b = await activation(plain, PER_ROUND);
      p50.on.push(percentile(a, 50));
      p99.on.push(percentile(a, 99));
      p50.off.push(percentile(b, 50));
      p99.off.push(percentile(b, 99));
    }
    const [a50, b50, a99, b99] = [median(p50.on), median(p50.off), median(p99.on), median(p99.off)];
    const [coldOn, coldOff] = [median(cold.on), median(cold.off)];
    return {
      figures: [
        { name: 'process_writes activation p50, sandboxed runner', unit: 'ms', value: a50, baseline: { name: 'same, --plugin-sandbox off', value: b50, unit: 'ms' }, ratio: a50 / b50, target: 'within 1.1x' },
        { name: 'process_writes activation p99, sandboxed runner', unit: 'ms', value: a99, baseline: { name: 'same, --plugin-sandbox off', value: b99, unit: 'ms' }, ratio: a99 / b99 },
        { name: 'runner cold start (spawn → hello → load), sandboxed, median', unit: 'ms', value: coldOn, baseline: { name: 'same, --plugin-sandbox off', value: coldOff, unit: 'ms' }, ratio: coldOn / coldOff, target: '<= 150 ms' },
      ],
      extra: { sandboxLevel: levels.on, unsandboxedLevel: levels.off, python, activation: { rounds: ROUNDS, callsPerRound: PER_ROUND, p50, p99 }, coldStart: { starts: STARTS, ms: cold } },
    };
  } finally {
    await Promise.all(started.map((r) => r.stop()));
    await on.stop();
    await off.stop();
    plugins.remove();
  }
}

function lpLines(table: string, from: number, to: number): string {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(`${table},host=h${i % 100} v=${i}i ${i + 1}`);
  return out.join('\n');
}

async function count(client: BenchClient, db: string, table: string): Promise<number> {
  const rows = await client.query<{ n: number }>(db, `SELECT count(*) AS n FROM ${table}`);
  return Number(rows[0]?.n ?? 0);
}

// Samples VmRSS of `pid` every 100 ms; stop() gives the value at the start and the peak, in MB.
function sampleRss(pid: number): { stop(): Promise<{ startMb: number; peakMb: number }> } {
  const start = vmRssBytes(pid) ?? NaN;
  let peak = start;
  let on = true;
  const loop = (async () => {
    while (on) {
      peak = Math.max(peak, vmRssBytes(pid) ?? 0);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
      return { startMb: Math.round(start / MB), peakMb: Math.round(peak / MB) };
    },
  };
}

// Sequential GET /health until `until` settles; latencies in ms.
async function healthLatencies(url: string, until: Promise<unknown>): Promise<{ ms: number[]; failed: number }> {
  let done = false;
  void until.finally(() => (done = true));
  const ms: number[] = [];
  let failed = 0;
  while (!done) {
    const t = performance.now();
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(10_000) });
      await res.text();
      if (res.status === 200) ms.push(performance.now() - t);
      else failed++;
    } catch {
      failed++;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { ms: sorted(ms), failed };
}

// The real server (sandbox auto): the same 5,000,000 lines written by a plugin in one call and over /api/v3/write_lp
// (4 writers × 10k-line batches); then /health latency while a plugin prints 100 MB against /health idle.
async function serverFigures(): Promise<{ figures: Parameters<typeof report>[1]; extra: Record<string, unknown> }> {
  const files: Record<string, string> = {};
  for (const f of ['big_writer.py', 'flood.py']) files[f] = readFileSync(join(HOSTILE, f), 'utf8');
  const env = await pluginEnv(files);
  const { server, client } = await startTriggerServer(env, { args: ['--plugin-memory-limit', '4GB', '--plugin-timeout', '600s'] });
  const pid = server.child.pid!;
  try {
    for (const db of ['lp5m', 'pw5m', 'flood']) await client.write(db, 'warm v=1i 1');
    await client.createTrigger({ db: 'pw5m', name: 'bigwrite', plugin: 'big_writer.py', spec: 'request:bigwrite', args: { lines: String(BIG_LINES), per_write: '1000', table: 'big' } });
    await client.createTrigger({ db: 'flood', name: 'flood', plugin: 'flood.py', spec: 'request:flood', args: { mb: String(FLOOD_MB) } });
    const warm = await client.post('/api/v3/engine/bigwrite', { lines: 1000, table: 'warmup' });
    if (warm.status !== 200) throw new Error(`warm-up plugin write answered ${warm.status}: ${warm.text}`);

    // Baseline: the same lines over HTTP.
    const batches: [number, number][] = [];
    for (let i = 0; i < BIG_LINES; i += LP_BATCH) batches.push([i, Math.min(BIG_LINES, i + LP_BATCH)]);
    let next = 0;
    const lpRss = sampleRss(pid);
    const tLp = performance.now();
    await Promise.all(Array.from({ length: LP_WRITERS }, async () => {
      while (next < batches.length) {
        const [from, to] = batches[next++]!;
        await client.write('lp5m', lpLines('big', from, to));
      }
    }));
    const lpMs = performance.now() - tLp;
    const lpPeak = await lpRss.stop();
    const lpCount = await count(client, 'lp5m', 'big');
    if (lpCount !== BIG_LINES) throw new Error(`write_lp baseline landed ${lpCount} of ${BIG_LINES} rows`);

    // The plugin: one call; its writes are applied before the request trigger answers.
    const pwRss = sampleRss(pid);
    const tPw = performance.now();
    const r = await client.post('/api/v3/engine/bigwrite', {});
    const pwMs = performance.now() - tPw;
    const pwPeak = await pwRss.stop();
    if (r.status !== 200) throw new Error(`the ${BIG_LINES}-line plugin call answered ${r.status}: ${r.text.slice(0, 500)}`);
    const pwCount = await waitFor('every plugin row to be queryable', async () => ((await count(client, 'pw5m', 'big')) === BIG_LINES ? true : undefined), 120_000, 500);
    void pwCount;

    // /health idle, then while a plugin prints 100 MB.
    const idle = await healthLatencies(server.url, new Promise((r) => setTimeout(r, 3_000)));
    const tFlood = performance.now();
    const flood = client.post('/api/v3/engine/flood', {});
    const during = await healthLatencies(server.url, flood);
    const floodAnswer = await flood;
    const floodMs = performance.now() - tFlood;
    if (floodAnswer.status !== 200) throw new Error(`the flood call answered ${floodAnswer.status}: ${floodAnswer.text.slice(0, 300)}`);
    const lpRate = BIG_LINES / (lpMs / 1000);
    const pwRate = BIG_LINES / (pwMs / 1000);
    const [h50, i50, h99, i99] = [percentile(during.ms, 50), percentile(idle.ms, 50), percentile(during.ms, 99), percentile(idle.ms, 99)];
    return {
      figures: [
        { name: `${BIG_LINES.toLocaleString('en-US')}-line plugin write in one call (sandboxed request trigger), lines/s`, unit: 'lines/s', value: pwRate, baseline: { name: `same lines over /api/v3/write_lp, ${LP_WRITERS} writers × ${LP_BATCH / 1000}k-line batches`, value: lpRate, unit: 'lines/s' }, ratio: pwRate / lpRate },
        { name: `/health p50 while a plugin prints ${FLOOD_MB} MB`, unit: 'ms', value: h50, baseline: { name: '/health p50 idle', value: i50, unit: 'ms' }, ratio: h50 / i50 },
        { name: `/health p99 while a plugin prints ${FLOOD_MB} MB`, unit: 'ms', value: h99, baseline: { name: '/health p99 idle', value: i99, unit: 'ms' }, ratio: h99 / i99 },
      ],
      extra: {
        bigWrite: { lines: BIG_LINES, pluginCallMs: pwMs, writeLpMs: lpMs, perWriteCall: 1000, serverRssMb: { writeLp: lpPeak, plugin: pwPeak } },
        flood: { mb: FLOOD_MB, callMs: floodMs, healthDuring: { n: during.ms.length, failed: during.failed }, healthIdle: { n: idle.ms.length, failed: idle.failed } },
      },
    };
  } finally {
    await stopServer(server);
    env.remove();
  }
}

// The sandbox's cost: activation and cold start with and without it, the 5M-line plugin write against write_lp, and
// /health under a 100 MB print flood. Writes bench/results/sandbox.json.
export async function runSandbox(): Promise<void> {
  const runners = await runnerFigures();
  const server = await serverFigures();
  report('sandbox', [...runners.figures, ...server.figures], { ...hostLoad(), ...runners.extra, ...server.extra });
}
