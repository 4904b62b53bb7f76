import { PreEncoded, encodeTableBatches, type PluginCall } from '../src/ipc/index.js';
import { percentile, report } from './lib/results.js';
import { RawEcho, activationLatencies, benchPython, loadedRunner, median, pluginDir, sorted } from './lib/plugin-bench.js';

const ROUNDS = 10;
const PER_ROUND = Number(process.env.BENCH_ACTIVATIONS ?? 1000);


// Activation latency: host → runner → trivial process_writes → reply, one call at a time, against a raw msgpack
// echo with a bare Python loop over the same kind of pipe. Rounds alternate between the two so load from other
// processes on the machine hits both alike; each figure is the median over rounds of that round's percentile.
export async function runActivation(): Promise<void> {
  const python = await benchPython();
  const plugins = pluginDir({ 'noop.py': 'def process_writes(influxdb3_local, table_batches, args=None):\n    pass\n' });
  const runner = await loadedRunner(python, plugins.dir, 'noop.py');
  const echo = new RawEcho(python);
  try {
    const batch = new PreEncoded(encodeTableBatches([{ tableName: 'cpu', rows: [{ host: 'a', usage: 1.5, time: 1n }] }]));
    const call: PluginCall = { method: 'processWrites', tableBatches: batch, args: null };
    const echoParams = { table_batches: [{ table_name: 'cpu', rows: [{ host: 'a', usage: 1.5, time: 1 }] }], args: null };
    const activation = (n: number): Promise<number[]> => activationLatencies(runner, call, n);
    await activation(500);
    await echo.roundTrips(500, echoParams);
    const ours = { p50: [] as number[], p99: [] as number[] };
    const raw = { p50: [] as number[], p99: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      const a = await activation(PER_ROUND);
      const e = sorted(await echo.roundTrips(PER_ROUND, echoParams));
      ours.p50.push(percentile(a, 50));
      ours.p99.push(percentile(a, 99));
      raw.p50.push(percentile(e, 50));
      raw.p99.push(percentile(e, 99));
    }
    const p50 = median(ours.p50);
    const p99 = median(ours.p99);
    const raw50 = median(raw.p50);
    const raw99 = median(raw.p99);
    report('activation', [
      { name: 'process_writes activation p50', unit: 'ms', value: p50, baseline: { name: 'raw msgpack echo p50', value: raw50, unit: 'ms' }, ratio: p50 / raw50, target: 'p50 <= 0.3 ms and <= 3x raw' },
      { name: 'process_writes activation p99', unit: 'ms', value: p99, baseline: { name: 'raw msgpack echo p99', value: raw99, unit: 'ms' }, ratio: p99 / raw99 },
    ], { rounds: ROUNDS, callsPerRound: PER_ROUND, perRound: { ours, raw } });
  } finally {
    echo.stop();
    await runner.stop();
    plugins.remove();
  }
}
