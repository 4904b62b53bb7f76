import { spawn } from 'node:child_process';
import { readRssBytes } from '../src/ipc/index.js';
import type { CallHost } from '../src/engine/runners/call-tracker.js';
import type { PluginRunner } from '../src/engine/runners/plugin-runner.js';
import { report } from './lib/results.js';
import { benchPython, loadedRunner, median, pluginDir } from './lib/plugin-bench.js';

const STARTS = Number(process.env.BENCH_RUNNER_STARTS ?? 15);
const MB = 1024 * 1024;
const HOST: CallHost = { query: async () => ({ rows: [] }), writeSync: async () => undefined, log: () => undefined };

function timeBarePython(python: string): Promise<number> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', 'pass'], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', () => resolve(performance.now() - t));
  });
}

async function bareIdleRss(python: string): Promise<number> {
  const child = spawn(python, ['-c', 'import sys; sys.stdin.read()'], { stdio: ['pipe', 'ignore', 'ignore'] });
  await new Promise((r) => setTimeout(r, 300));
  const rss = (await readRssBytes(child.pid!)) ?? NaN;
  child.stdin.end();
  child.kill('SIGKILL');
  return rss;
}

// Runner cold start (spawn → `$/hello` → `load` answered) and idle RSS of a loaded runner that served one call,
// against starting a bare `python3 -c pass` and the RSS of a bare idle interpreter, same interpreter, same run.
export async function runRunnerFootprint(): Promise<void> {
  const python = await benchPython();
  const plugins = pluginDir({ 'noop.py': 'def process_writes(influxdb3_local, table_batches, args=None):\n    pass\n' });
  const runners: PluginRunner[] = [];
  try {
    const cold: number[] = [];
    const bare: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      bare.push(await timeBarePython(python));
      const t = performance.now();
      const runner = await loadedRunner(python, plugins.dir, 'noop.py');
      cold.push(performance.now() - t);
      runners.push(runner);
      await runner.call({ method: 'processWrites', tableBatches: [], args: null }, { host: HOST });
    }
    await new Promise((r) => setTimeout(r, 300));
    for (const runner of runners) rss.push(((await readRssBytes(runner.pid)) ?? NaN) / MB);
    const bareRss = (await bareIdleRss(python)) / MB;
    const coldMs = median(cold);
    const bareMs = median(bare);
    const rssMb = median(rss);
    report('runner-footprint', [
      { name: 'runner cold start (spawn → hello → load), median', unit: 'ms', value: coldMs, baseline: { name: 'bare python3 -c pass, spawn → exit', value: bareMs, unit: 'ms' }, ratio: coldMs / bareMs, target: '<= 150 ms' },
      { name: 'idle RSS per loaded runner, median', unit: 'MB', value: rssMb, baseline: { name: 'bare idle python3 RSS', value: bareRss, unit: 'MB' }, ratio: rssMb / bareRss, target: '<= 20 MB' },
    ], { starts: STARTS, runnersAlive: runners.length });
  } finally {
    await Promise.all(runners.map((r) => r.stop()));
    plugins.remove();
  }
}
