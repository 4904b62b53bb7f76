import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { InfluxDBClient } from '@influxdata/influxdb3-client';
import type * as grpc from '@grpc/grpc-js';
import { startServer, type ServerHandle } from '../test/helpers/server-process.js';
import { doGet, flightClient, FlightBatchDecoder } from '../test/helpers/flight-grpc.js';
import { batch, T0 } from './lib/workload.js';
import { percentile, report, type Figure } from './lib/results.js';
import { MB, procStatusBytes, resetPeakRss, sampleRss } from './lib/rss-sampler.js';

const ROWS = Number(process.env.BENCH_FLIGHT_ROWS ?? 1_000_000);
// The streamed result of the memory figures; 0 skips them.
const BIG_ROWS = Number(process.env.BENCH_FLIGHT_BIG_ROWS ?? 10_000_000);
const FLIGHT_RUNS = Number(process.env.BENCH_FLIGHT_RUNS ?? 10);
const HTTP_RUNS = Number(process.env.BENCH_FLIGHT_HTTP_RUNS ?? 5);
// The slow consumer's pause after its first batches.
const PAUSE_MS = Number(process.env.BENCH_FLIGHT_PAUSE_MS ?? 2000);
const DB = 'fq';
// The first `rows` rows of the workload (1000 a second from T0), by time: a LIMIT would make DuckDB scan the whole
// limit before its first row (late materialisation), which is not what a time-range query does.
function sqlOf(rows: number): string {
  if (!Number.isInteger(rows / 1000) || rows <= 0) throw new Error(`row count ${rows} must be a positive multiple of 1000`);
  return `SELECT * FROM cpu WHERE time < '${new Date(Number(T0 / 1_000_000n) + rows).toISOString()}'`;
}

const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 50);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function load(url: string, rows: number): Promise<number> {
  const size = 10_000;
  let next = 0;
  let done = 0;
  let shown = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (next < rows) {
      const start = next;
      next += size;
      const n = Math.min(size, rows - start);
      const r = await fetch(`${url}/api/v3/write_lp?db=${DB}&no_sync=true`, { method: 'POST', body: batch(start, n) });
      if (r.status !== 204) throw new Error(`load failed: ${r.status} ${await r.text()}`);
      done += n;
      if (done - shown >= rows / 10) {
        shown = done;
        console.log(`flight-query: loaded ${done.toLocaleString('en-US')} / ${rows.toLocaleString('en-US')} rows (${((performance.now() - t) / 1000).toFixed(1)} s)`);
      }
    }
  }));
  return performance.now() - t;
}

interface FlightRun {
  totalMs: number;
  firstBatchMs: number;
  rows: number;
  batches: number;
}

// One DoGet, every record batch decoded by apache-arrow as its message arrives; `pauseMs`: stop reading after the
// second batch for that long (grpc-js stops reading, so the server must wait on HTTP/2 flow control).
async function flightRun(client: grpc.Client, sql: string, pauseMs = 0): Promise<FlightRun> {
  const t = performance.now();
  const call = doGet(client, { database: DB, sql_query: sql, query_type: 'sql' });
  const decoder = new FlightBatchDecoder();
  let firstBatchMs = NaN;
  let rows = 0;
  let batches = 0;
  for await (const raw of call as AsyncIterable<Buffer>) {
    const b = decoder.push(raw);
    if (b === null) continue;
    if (batches === 0) firstBatchMs = performance.now() - t;
    rows += b.numRows;
    batches++;
    if (batches === 2 && pauseMs > 0) await sleep(pauseMs);
  }
  return { totalMs: performance.now() - t, firstBatchMs, rows, batches };
}

// POST /api/v3/query_sql: time to the first body byte and to the whole body (JSON parsed when `format` is json).
async function httpRun(url: string, sql: string, format: 'json' | 'parquet'): Promise<{ totalMs: number; firstByteMs: number; bytes: number; rows?: number }> {
  const t = performance.now();
  const res = await fetch(`${url}/api/v3/query_sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ db: DB, q: sql, format }) }).catch(
    (err: Error) => {
      throw new Error(`query_sql ${format} failed: ${err.message}: ${String(err.cause)}`);
    },
  );
  if (res.status !== 200) throw new Error(`query_sql ${format} failed: ${res.status} ${await res.text()}`);
  const chunks: Uint8Array[] = [];
  let firstByteMs = NaN;
  for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) {
    if (chunks.length === 0) firstByteMs = performance.now() - t;
    chunks.push(c);
  }
  const body = Buffer.concat(chunks);
  const rows = format === 'json' ? (JSON.parse(body.toString('utf8')) as unknown[]).length : undefined;
  return { totalMs: performance.now() - t, firstByteMs, bytes: body.length, rows };
}

// A BIG_ROWS-row result streamed while the server's RSS is sampled; `pauseMs` makes the client a slow consumer.
async function memoryRun(server: ServerHandle, client: grpc.Client, pauseMs: number): Promise<{ peak: number; hwm?: number; samples: number; run: FlightRun }> {
  const pid = server.child.pid!;
  const hwmReset = resetPeakRss(pid);
  const sampler = sampleRss(pid, 50);
  let run: FlightRun;
  let sampled: { peak: number; samples: number };
  try {
    run = await flightRun(client, sqlOf(BIG_ROWS), pauseMs);
  } finally {
    sampled = await sampler.stop();
  }
  const { peak, samples } = sampled;
  if (run.rows !== BIG_ROWS) throw new Error(`Flight returned ${run.rows} rows, expected ${BIG_ROWS}`);
  return { peak, hwm: hwmReset ? procStatusBytes(pid, 'VmHWM') : undefined, samples, run };
}

function memoryFigure(name: string, m: { peak: number; hwm?: number; samples: number; run: FlightRun }, idle: number): Figure {
  const limit = 1.5 * idle + 200 * MB;
  return {
    name,
    unit: 'MB',
    value: m.peak / MB,
    baseline: { name: 'server idle RSS after loading, before querying', value: idle / MB, unit: 'MB' },
    ratio: m.peak / idle,
    target: `peak <= 1.5 x idle + 200 MB = ${Math.round(limit / MB)} MB`,
    withinTarget: m.peak <= limit,
    peakHwmMb: m.hwm === undefined ? null : m.hwm / MB,
    samples: m.samples,
    seconds: m.run.totalMs / 1000,
    batches: m.run.batches,
  };
}

// Flight DoGet against the HTTP API for one large SELECT *: throughput, time to first batch, server memory.
export async function runFlightQuery(): Promise<void> {
  const server = await startServer();
  const client = flightClient(server.url);
  try {
    const loaded = Math.max(ROWS, BIG_ROWS);
    const loadMs = await load(server.url, loaded);
    console.log(`flight-query: loaded ${loaded.toLocaleString('en-US')} rows in ${(loadMs / 1000).toFixed(1)} s`);
    await sleep(2000);
    const idle = procStatusBytes(server.child.pid!)!;
    console.log(`flight-query: idle RSS ${(idle / MB).toFixed(0)} MB`);
    const figures: Figure[] = [];
    // The machine is shared: its load says how far the figures are from an idle machine's.
    const extra: Record<string, unknown> = { rows: ROWS, bigRows: BIG_ROWS, loadedRows: loaded, loadSeconds: loadMs / 1000, loadAverageAtStart: loadavg() };

    // Memory first, while the server has only loaded: a JSON result materialised by the baselines would raise it.
    if (BIG_ROWS > 0) {
      const fast = await memoryRun(server, client, 0);
      console.log(`flight-query: ${BIG_ROWS} rows streamed in ${(fast.run.totalMs / 1000).toFixed(1)} s, peak RSS ${(fast.peak / MB).toFixed(0)} MB`);
      const slow = await memoryRun(server, client, PAUSE_MS);
      console.log(`flight-query: slow consumer: ${(slow.run.totalMs / 1000).toFixed(1)} s, peak RSS ${(slow.peak / MB).toFixed(0)} MB`);
      figures.push(memoryFigure(`server peak RSS while ${BIG_ROWS} rows of SELECT * stream over Flight`, fast, idle));
      figures.push(memoryFigure(`server peak RSS, same query, client pausing ${PAUSE_MS} ms after its second batch`, slow, idle));
      extra.bigRowsPerSecond = BIG_ROWS / (fast.run.totalMs / 1000);
    }

    const sql = sqlOf(ROWS);
    await flightRun(client, sql);
    const flight: FlightRun[] = [];
    for (let i = 0; i < FLIGHT_RUNS; i++) {
      const r = await flightRun(client, sql);
      if (r.rows !== ROWS) throw new Error(`Flight returned ${r.rows} rows, expected ${ROWS}`);
      flight.push(r);
    }
    await httpRun(server.url, sql, 'json');
    const json = [];
    for (let i = 0; i < HTTP_RUNS; i++) {
      const r = await httpRun(server.url, sql, 'json');
      if (r.rows !== ROWS) throw new Error(`JSON returned ${r.rows} rows, expected ${ROWS}`);
      json.push(r);
    }
    await httpRun(server.url, sql, 'parquet');
    const parquet = [];
    for (let i = 0; i < HTTP_RUNS; i++) parquet.push(await httpRun(server.url, sql, 'parquet'));

    const flightMs = median(flight.map((r) => r.totalMs));
    const jsonMs = median(json.map((r) => r.totalMs));
    const parquetMs = median(parquet.map((r) => r.totalMs));
    const firstBatch = median(flight.map((r) => r.firstBatchMs));
    const jsonTtfb = median(json.map((r) => r.firstByteMs));
    figures.unshift(
      {
        name: `SELECT * of ${ROWS} rows over Flight DoGet, received and decoded to RecordBatches (median of ${FLIGHT_RUNS}); ratio = JSON time / Flight time`,
        unit: 'ms', value: flightMs, baseline: { name: `same query over HTTP query_sql format=json, received and JSON.parse'd (median of ${HTTP_RUNS})`, value: jsonMs, unit: 'ms' },
        ratio: jsonMs / flightMs, target: 'ratio >= 5', batches: flight[0]!.batches, rowsPerSecond: ROWS / (flightMs / 1000),
      },
      {
        name: `SELECT * of ${ROWS} rows over Flight DoGet (as above); ratio = Parquet time / Flight time`,
        unit: 'ms', value: flightMs, baseline: { name: `same query over HTTP query_sql format=parquet, received (median of ${HTTP_RUNS})`, value: parquetMs, unit: 'ms' },
        ratio: parquetMs / flightMs, parquetBytes: parquet[0]!.bytes, jsonBytes: json[0]!.bytes,
      },
      {
        name: `time to first record batch over Flight, ${ROWS}-row SELECT * (p50 of ${FLIGHT_RUNS})`,
        unit: 'ms', value: firstBatch, baseline: { name: `HTTP query_sql format=json time to first body byte (p50 of ${HTTP_RUNS})`, value: jsonTtfb, unit: 'ms' },
        ratio: firstBatch / jsonTtfb, target: '<= 20 ms', firstBatchMsAll: flight.map((r) => r.firstBatchMs),
      },
    );

    if (process.env.BENCH_FLIGHT_CLIENT !== '0') {
      const official = await officialClientRun(server.url, sql);
      figures.push({
        name: `@influxdata/influxdb3-client query() over ${ROWS} rows (rows as objects), informative`,
        unit: 'rows/s', value: ROWS / (official / 1000),
        baseline: { name: 'Flight DoGet decoded to RecordBatches (grpc-js, median above)', value: ROWS / (flightMs / 1000), unit: 'rows/s' },
        ratio: flightMs / official,
      });
    }
    extra.loadAverageAtEnd = loadavg();
    report('flight-query', figures, extra);
  } finally {
    client.close();
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}

// The official client's query(): every row as a JS object, as its users read results.
async function officialClientRun(host: string, sql: string): Promise<number> {
  const client = new InfluxDBClient({ host, token: 'unused', database: DB, queryTimeout: 600_000 });
  try {
    const t = performance.now();
    let rows = 0;
    for await (const _row of client.query(sql, DB)) rows++;
    if (rows !== ROWS) throw new Error(`the official client read ${rows} rows, expected ${ROWS}`);
    return performance.now() - t;
  } finally {
    await client.close();
  }
}
