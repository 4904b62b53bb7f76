import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { FUNCTION_MACROS, FUNCTION_UDFS } from '../src/storage/query/functions/index.js';
import { percentile, report, type Figure } from './lib/results.js';

// What the SQL functions that DuckDB cannot run natively cost: the JS digest (sha512, a scalar function called
// back from DuckDB's threads) against DuckDB's built-in sha256, and Arrow-style timestamp text against DuckDB's cast.
const ROWS = Number(process.env.BENCH_SQLFN_ROWS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_SQLFN_ROUNDS ?? 3);

async function median(conn: DuckDBConnection, sql: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    await conn.runAndReadAll(sql);
    times.push(performance.now() - t0);
  }
  return percentile(times.sort((a, b) => a - b), 50);
}

function figure(name: string, value: number, baselineName: string, baseline: number): Figure {
  return { name, unit: 'ms', value, baseline: { name: baselineName, value: baseline, unit: 'ms' }, ratio: value / baseline, rows: ROWS };
}

export async function runSqlFunctions(): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    for (const udf of FUNCTION_UDFS) conn.registerScalarFunction(udf());
    for (const macro of FUNCTION_MACROS) await conn.run(macro);
    const over = (expr: string) => `SELECT count(DISTINCT ${expr}) FROM range(${ROWS}) t(i)`;
    const builtin = await median(conn, over('system.main.sha256(CAST(i AS VARCHAR))'));
    const sha512 = await median(conn, over('sha512(CAST(i AS VARCHAR))'));
    const sha256 = await median(conn, over('sha256(CAST(i AS VARCHAR))'));
    const ts = `TIMESTAMP_NS '2022-01-01' + to_microseconds(i * 1001)`;
    const cast = await median(conn, over(`CAST(${ts} AS VARCHAR)`));
    const arrowText = await median(conn, over(`__iox_to_string(${ts})`));
    report('sql-functions', [
      figure('sha512 (JS digest)', sha512, 'DuckDB sha256 (hex)', builtin),
      figure('sha256 (Binary, DuckDB sha256 + unhex)', sha256, 'DuckDB sha256 (hex)', builtin),
      figure('timestamp::STRING (Arrow text)', arrowText, 'DuckDB CAST(timestamp AS VARCHAR)', cast),
    ]);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
