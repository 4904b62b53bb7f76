import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createLogger } from '../src/shared/logger.js';
import { StorageEngine } from '../src/storage/storage-engine.js';
import { StorageMetrics } from '../src/storage/storage-metrics.js';
import { lastCacheColumns } from '../src/storage/caches/cache-queries.js';
import { batch } from './lib/workload.js';
import { percentile, report } from './lib/results.js';

const SERIES = Number(process.env.BENCH_LVC_SERIES ?? 100_000);
const ROWS_PER_SERIES = Number(process.env.BENCH_LVC_ROWS_PER_SERIES ?? 10);
const WRITE_LINES = Number(process.env.BENCH_LVC_WRITE_LINES ?? 500_000);
const WRITE_ROUNDS = Number(process.env.BENCH_LVC_WRITE_ROUNDS ?? 3);
const BATCH = 10_000;
const WRITERS = 4;

const logger = createLogger('silent');
const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 50);

async function freshEngine(): Promise<{ storage: StorageEngine; remove: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-lvc-'));
  const storage = new StorageEngine({ objectStore: 'file', dataDir: dir, walFlushIntervalMs: 1000, logger, metrics: new StorageMetrics(new Registry()) });
  await storage.start();
  return { storage, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// `cpu` rows for SERIES hosts, ROWS_PER_SERIES each, one second apart, ending a few seconds ago.
function seriesBatch(start: number, size: number, t0: bigint): string {
  const lines = new Array<string>(size);
  for (let k = 0; k < size; k++) {
    const i = start + k;
    const host = i % SERIES;
    const step = Math.floor(i / SERIES);
    lines[k] = `cpu,host=h${host},region=r${host % 10} usage=${(i % 1000) / 10 + 0.5},system=${(i % 97) + 0.25} ${t0 + BigInt(step) * 1_000_000_000n + BigInt(host)}`;
  }
  return lines.join('\n');
}

// Lookup latency of one key among SERIES series: the cache itself, SQL through last_cache(), and the ORDER BY baseline.
async function lookupFigures() {
  const { storage, remove } = await freshEngine();
  try {
    const total = SERIES * ROWS_PER_SERIES;
    const t0 = BigInt(Date.now() - (ROWS_PER_SERIES + 5) * 1000) * 1_000_000n;
    const loadStart = performance.now();
    for (let i = 0; i < total; i += BATCH) await storage.write('lvc', seriesBatch(i, Math.min(BATCH, total - i), t0), { precision: 'ns', acceptPartial: false, noSync: true });
    await storage.query('lvc', 'SELECT 1');
    console.log(`last-value-cache: loaded ${total} rows (${SERIES} series) in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
    const createStart = performance.now();
    await storage.caches.createLastCache('lvc', 'cpu', { key_columns: ['host'] });
    console.log(`last-value-cache: cache created and backfilled from DuckDB in ${(performance.now() - createStart).toFixed(0)} ms`);

    const keys = Array.from({ length: 1000 }, (_, i) => `h${(i * 7919) % SERIES}`);
    const cache = storage.caches.lastValueCache('lvc', 'cpu');
    const table = storage.table('lvc', 'cpu')!;
    const { values } = lastCacheColumns(cache, table);
    // In-process: the cache lookup and row rendering (what last_cache() hands to DuckDB), in 1000-key batches.
    const inProcess: number[] = [];
    for (let round = 0; round < 200; round++) {
      const t = performance.now();
      for (const k of keys) if (cache.rows(values, [[k]], Date.now()).length !== 1) throw new Error(`no cached row for ${k}`);
      inProcess.push(((performance.now() - t) * 1000) / keys.length);
    }
    const timeSql = async (sql: (k: string) => string, runs: number): Promise<{ ms: number; p99: number }> => {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const k = keys[i % keys.length]!;
        const t = performance.now();
        const r = await storage.query('lvc', sql(k));
        times.push(performance.now() - t);
        if (r.rows.length !== 1) throw new Error(`expected one row for ${k}, got ${r.rows.length}`);
      }
      const sorted = times.sort((a, b) => a - b);
      return { ms: percentile(sorted, 50), p99: percentile(sorted, 99) };
    };
    const viaCache = (k: string) => `SELECT * FROM last_cache('cpu') WHERE host = '${k}'`;
    const viaScan = (k: string) => `SELECT * FROM cpu WHERE host = '${k}' ORDER BY time DESC LIMIT 1`;
    // The same lookup with a clause the fast path leaves to DuckDB: the cache row goes through DuckDB as inline VALUES.
    const viaDuck = (k: string) => `SELECT * FROM last_cache('cpu') WHERE host = '${k}' ORDER BY time DESC`;
    // Both paths must agree on the answer.
    for (const k of keys.slice(0, 20)) {
      const a = (await storage.query('lvc', viaCache(k))).rows[0]!;
      const b = (await storage.query('lvc', viaScan(k))).rows[0]!;
      if (JSON.stringify(a, (_, v) => (typeof v === 'bigint' ? String(v) : v)) !== JSON.stringify(b, (_, v) => (typeof v === 'bigint' ? String(v) : v))) {
        throw new Error(`cache and scan disagree for ${k}: ${String(a)} vs ${String(b)}`);
      }
    }
    await timeSql(viaCache, 50);
    await timeSql(viaDuck, 20);
    await timeSql(viaScan, 5);
    const sqlCache = await timeSql(viaCache, 1000);
    const sqlDuck = await timeSql(viaDuck, 200);
    const sqlScan = await timeSql(viaScan, 60);
    const inProcessUs = median(inProcess);
    const scanUs = sqlScan.ms * 1000;
    return {
      figures: [
        {
          name: `LVC lookup of one key among ${SERIES} series, in-process (cache index + row), median`,
          unit: 'us',
          value: inProcessUs,
          baseline: { name: "SELECT * FROM cpu WHERE host = 'hN' ORDER BY time DESC LIMIT 1 (StorageEngine.query), median", value: scanUs, unit: 'us' },
          ratio: scanUs / inProcessUs,
          ratioMeaning: 'speedup (baseline / value)',
          target: 'speedup >= 50',
        },
        {
          name: `SELECT * FROM last_cache('cpu') WHERE host = 'hN' end to end (StorageEngine.query), median`,
          unit: 'us',
          value: sqlCache.ms * 1000,
          p99: sqlCache.p99 * 1000,
          baseline: { name: 'same ORDER BY time DESC LIMIT 1 query, median', value: scanUs, unit: 'us', p99: sqlScan.p99 * 1000 },
          ratio: scanUs / (sqlCache.ms * 1000),
          ratioMeaning: 'speedup (baseline / value)',
          target: 'speedup >= 50',
        },
        {
          name: "SELECT * FROM last_cache('cpu') WHERE host = 'hN' ORDER BY time DESC (through DuckDB as inline VALUES), median",
          unit: 'us',
          value: sqlDuck.ms * 1000,
          p99: sqlDuck.p99 * 1000,
          baseline: { name: 'same ORDER BY time DESC LIMIT 1 query, median', value: scanUs, unit: 'us' },
          ratio: scanUs / (sqlDuck.ms * 1000),
          ratioMeaning: 'speedup (baseline / value)',
        },
      ],
      rows: total,
    };
  } finally {
    await storage.stop();
    remove();
  }
}

// Sustained write throughput (acked and applied to DuckDB), 10k-line batches from 4 writers, fsynced acks.
async function writeRate(withCaches: boolean, bodies: string[]): Promise<number> {
  const { storage, remove } = await freshEngine();
  try {
    await storage.write('w', bodies[0]!.split('\n', 1)[0]!, { precision: 'ns', acceptPartial: false, noSync: false });
    if (withCaches) {
      await storage.caches.createLastCache('w', 'cpu', { key_columns: ['host'] });
      await storage.caches.createLastCache('w', 'cpu', { key_columns: ['region', 'host'], count: 5 });
      await storage.caches.createDistinctCache('w', 'cpu', { columns: ['region', 'host'] });
    }
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++]!;
          const r = await storage.write('w', body, { precision: 'ns', acceptPartial: false, noSync: false });
          if (r.errors.length > 0) throw new Error(`write failed: ${r.errors[0]!.message}`);
        }
      }),
    );
    await storage.query('w', 'SELECT 1');
    const rate = WRITE_LINES / ((performance.now() - started) / 1000);
    if (withCaches && storage.caches.lastValueCache('w', 'cpu', 'cpu_host_last_cache').size() !== 1000) throw new Error('cache not filled');
    return rate;
  } finally {
    await storage.stop();
    remove();
  }
}

// `npm run bench last-value-cache`: lookup latency against an ORDER BY scan, and write throughput with 3 caches.
export async function runLastValueCache(): Promise<void> {
  const lookup = await lookupFigures();
  const bodies: string[] = [];
  // Rows timed now-ish, so the distinct cache (max_age by row time) keeps them.
  const shift = BigInt(Date.now()) * 1_000_000n - 1_700_000_000_000_000_000n - BigInt(WRITE_LINES / 1000 + 5) * 1_000_000_000n;
  for (let start = 0; start < WRITE_LINES; start += BATCH) {
    bodies.push(batch(start, Math.min(BATCH, WRITE_LINES - start)).replace(/ (\d+)$/gm, (_, t: string) => ` ${BigInt(t) + shift}`));
  }
  const none: number[] = [];
  const three: number[] = [];
  // A discarded warm-up of each, then alternating order so drift on a shared machine hits both alike.
  await writeRate(false, bodies);
  await writeRate(true, bodies);
  for (let round = 0; round < WRITE_ROUNDS; round++) {
    if (round % 2 === 0) {
      none.push(await writeRate(false, bodies));
      three.push(await writeRate(true, bodies));
    } else {
      three.push(await writeRate(true, bodies));
      none.push(await writeRate(false, bodies));
    }
  }
  const withCaches = median(three);
  const without = median(none);
  report('last-value-cache', [
    ...lookup.figures,
    {
      name: `write throughput with 3 caches (LVC host; LVC region,host count 5; DVC region,host), ${WRITE_LINES} lines, median of ${WRITE_ROUNDS}`,
      unit: 'lines/s',
      value: withCaches,
      baseline: { name: 'same writes without caches, same run', value: without, unit: 'lines/s' },
      ratio: withCaches / without,
      target: '>= 0.8',
      rounds: { withCaches: three, without: none },
    },
  ], { lookupTableRows: lookup.rows, series: SERIES, writeLines: WRITE_LINES });
}
