import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { schemaName } from '../src/storage/query/sql-names.js';
import { startServer } from '../test/helpers/server-process.js';
import { batch } from './lib/workload.js';
import { report } from './lib/results.js';

const ROWS = Number(process.env.BENCH_QUERY_ROWS ?? 10_000_000);
const AGG_SQL = "SELECT date_bin(INTERVAL '1 minute', time) AS minute, avg(usage) AS usage FROM cpu GROUP BY 1 ORDER BY 1";
const POINT_SQL = "SELECT usage, system FROM cpu WHERE host = 'h42' AND time = '2023-11-14T22:13:20.000000042'::TIMESTAMP_NS";
// The same SQL on the DuckDB file, against the schema the catalog gave database `q` (_internal is database 1).
const rawAgg = (schema: string) => `SELECT time_bucket(INTERVAL '1 minute', time) AS minute, avg(usage) AS usage FROM ${schema}.cpu GROUP BY 1 ORDER BY 1`;
const rawPoint = (schema: string) => `SELECT usage, system FROM ${schema}.cpu WHERE host = 'h42' AND time = '2023-11-14T22:13:20.000000042'::TIMESTAMP_NS`;

async function timeHttp(url: string, db: string, q: string, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = await fetch(`${url}/api/v3/query_sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ db, q }) });
    const body = await r.text();
    if (r.status !== 200) throw new Error(`query failed: ${r.status} ${body}`);
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

// 10M-row aggregate and point lookup over HTTP, against the same SQL run directly on the DuckDB file.
export async function runQuery(): Promise<void> {
  let server = await startServer();
  const dataDir = server.dataDir;
  try {
    const size = 10_000;
    let next = 0;
    const loadStart = performance.now();
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (next < ROWS) {
        const start = next;
        next += size;
        const r = await fetch(`${server.url}/api/v3/write_lp?db=q&no_sync=true`, { method: 'POST', body: batch(start, Math.min(size, ROWS - start)) });
        if (r.status !== 204) throw new Error(`load failed: ${r.status}`);
      }
    }));
    console.log(`query: loaded ${ROWS} rows in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
    await timeHttp(server.url, 'q', AGG_SQL, 1);
    const agg = await timeHttp(server.url, 'q', AGG_SQL, 5);
    const point = await timeHttp(server.url, 'q', POINT_SQL, 21);
    await server.stop();
    const catalog = JSON.parse(readFileSync(join(dataDir, 'catalog.json'), 'utf8')) as { databases: Array<{ id: number; name: string }> };
    const db = catalog.databases.find((d) => d.name === 'q');
    if (!db) throw new Error('database q is not in the catalog');
    const schema = schemaName(db.id);
    const file = join(dataDir, 'duckdb', 'engine.duckdb');
    if (!existsSync(file)) throw new Error(`no DuckDB file at ${file}`);
    const inst = await DuckDBInstance.create(file);
    const con = await inst.connect();
    const timeRaw = async (q: string, runs: number): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        await con.runAndReadAll(q);
        times.push(performance.now() - t);
      }
      return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
    };
    await timeRaw(rawAgg(schema), 1);
    const rawAggMs = await timeRaw(rawAgg(schema), 5);
    const rawPointMs = await timeRaw(rawPoint(schema), 21);
    con.closeSync();
    report('query', [
      { name: `date_bin 1m avg GROUP BY over ${ROWS} rows (HTTP, json)`, unit: 'ms', value: agg, baseline: { name: 'same SQL on DuckDB directly', value: rawAggMs, unit: 'ms' }, ratio: agg / rawAggMs },
      { name: `point lookup over ${ROWS} rows (HTTP, json)`, unit: 'ms', value: point, baseline: { name: 'same SQL on DuckDB directly', value: rawPointMs, unit: 'ms' }, ratio: point / rawPointMs },
    ], { rows: ROWS });
    server = null as never;
  } finally {
    if (server) await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
