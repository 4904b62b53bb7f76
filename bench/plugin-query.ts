import { Registry } from 'prom-client';
import { StorageEngine } from '../src/storage/storage-engine.js';
import { StorageMetrics } from '../src/storage/storage-metrics.js';
import { PluginLogStore } from '../src/engine/plugin-logs/plugin-log-store.js';
import { storageCallHost } from '../src/engine/runners/storage-call-host.js';
import { createLogger } from '../src/shared/logger.js';
import { report } from './lib/results.js';
import { batch } from './lib/workload.js';
import { benchPython, loadedRunner, median, pluginDir } from './lib/plugin-bench.js';

const ROWS = 20_000;
const N = Number(process.env.BENCH_PLUGIN_QUERIES ?? 300);
const QUERIES: Array<[string, string]> = [
  ['10-row lookup', "SELECT host, usage, time FROM cpu WHERE host = 'h1'"],
  ['1000-row scan', 'SELECT * FROM cpu LIMIT 1000'],
];

// The plugin times its own query() calls, as a plugin author would see them.
const QUERY_PLUGIN = `
import time
def process_writes(influxdb3_local, table_batches, args=None):
    sql, n = args["sql"], int(args["n"])
    times = []
    for _ in range(n):
        t = time.perf_counter()
        rows = influxdb3_local.query(sql)
        times.append(time.perf_counter() - t)
    times.sort()
    influxdb3_local.info(len(rows), times[len(times) // 2] * 1000)
`;

// query() from a plugin: plugin → host → storage → rows back into Python, against the same SQL run directly on
// the host's storage engine in the same run.
export async function runPluginQuery(): Promise<void> {
  const logger = createLogger('silent');
  const storage = new StorageEngine({ objectStore: 'memory', dataDir: null, walFlushIntervalMs: 1000, logger, metrics: new StorageMetrics(new Registry()) });
  await storage.start();
  const python = await benchPython();
  const plugins = pluginDir({ 'query.py': QUERY_PLUGIN });
  const runner = await loadedRunner(python, plugins.dir, 'query.py', 'bench');
  const lines: string[] = [];
  const host = storageCallHost({ storage, logs: new PluginLogStore(), logger, trigger: 'bench', database: 'bench' });
  const capture = { ...host, log: (_level: string, text: string) => lines.push(text) };
  try {
    for (let i = 0; i < ROWS; i += 10_000) await storage.write('bench', batch(i, 10_000), { precision: 'ns', acceptPartial: false, noSync: true });
    const figures = [];
    for (const [label, sql] of QUERIES) {
      const direct: number[] = [];
      const plugin: number[] = [];
      for (let round = 0; round < 5; round++) {
        const times: number[] = [];
        let rows = 0;
        for (let i = 0; i < N; i++) {
          const t = performance.now();
          rows = (await storage.query('bench', sql)).rows.length;
          times.push(performance.now() - t);
        }
        direct.push(median(times));
        lines.length = 0;
        await runner.call({ method: 'processWrites', tableBatches: [], args: { sql, n: String(N) } }, { host: capture });
        const [pluginRows, ms] = lines[0]!.split(' ').map(Number);
        if (pluginRows !== rows) throw new Error(`plugin got ${pluginRows} rows, host ${rows}`);
        plugin.push(ms!);
      }
      const p = median(plugin);
      const d = median(direct);
      figures.push({
        name: `query() from a plugin, ${label}, median`,
        unit: 'ms',
        value: p,
        baseline: { name: 'same SQL on the host storage engine', value: d, unit: 'ms' },
        ratio: p / d,
        overheadMs: p - d,
      });
    }
    report('plugin-query', figures, { tableRows: ROWS, queriesPerRound: N, rounds: 5 });
  } finally {
    await runner.stop();
    await storage.stop();
    plugins.remove();
  }
}
