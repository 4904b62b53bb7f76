import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, DuckDBDataChunk, VARCHAR, DOUBLE, TIMESTAMP_NS, DuckDBTimestampNanosecondsValue } from '@duckdb/node-api';
import { startServer, type ServerHandle } from '../test/helpers/server-process.js';
import { batch, line, row, type Row } from './lib/workload.js';
import { percentile, report, type Figure } from './lib/results.js';

const BATCH = 10_000;
const WRITERS = 4;
const TOTAL = Number(process.env.BENCH_INGEST_LINES ?? 2_000_000);
// The overwrite workload: every batch (from the third on) rewrites OVERWRITE_SHARE of its lines.
const OVERWRITE_TOTAL = Number(process.env.BENCH_INGEST_OVERWRITE_LINES ?? 1_000_000);
const OVERWRITE_SHARE = 0.1;
// Single-line durable writes timed one at a time after the batches.
const SINGLE_WRITES = Number(process.env.BENCH_INGEST_SINGLE_WRITES ?? 500);
// The write endpoint of the main workload: InfluxDB 1.x's /write, as the peers are driven.
const WRITE_PATH = '/write?db=';

// CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere.
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return Number.NaN;
  }
}

// Baseline: the raw DuckDB DataChunk appender loading the same rows into a file database, one transaction (whose
// commit fsyncs DuckDB's WAL) per BATCH rows as the server acknowledges per batch, then a CHECKPOINT. The values
// are built before the clock starts.
export async function rawAppender(total: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-duck-'));
  try {
    const inst = await DuckDBInstance.create(join(dir, 'raw.duckdb'));
    const con = await inst.connect();
    await con.run('CREATE TABLE cpu (host VARCHAR, region VARCHAR, usage DOUBLE, system DOUBLE, time TIMESTAMP_NS)');
    const types = [VARCHAR, VARCHAR, DOUBLE, DOUBLE, TIMESTAMP_NS];
    // Per batch, its chunks of up to 2048 rows as column arrays.
    const batches: unknown[][][][] = [];
    for (let start = 0; start < total; start += BATCH) {
      const chunks: unknown[][][] = [];
      const end = Math.min(start + BATCH, total);
      for (let from = start; from < end; from += 2048) {
        const cols: unknown[][] = [[], [], [], [], []];
        for (let i = from; i < Math.min(from + 2048, end); i++) {
          const r = row(i);
          cols[0]!.push(r.host);
          cols[1]!.push(r.region);
          cols[2]!.push(r.usage);
          cols[3]!.push(r.system);
          cols[4]!.push(new DuckDBTimestampNanosecondsValue(r.time));
        }
        chunks.push(cols);
      }
      batches.push(chunks);
    }
    const started = performance.now();
    for (const chunks of batches) {
      const app = await con.createAppender('cpu');
      for (const cols of chunks) {
        const chunk = DuckDBDataChunk.create(types, cols[0]!.length);
        chunk.setColumns(cols as never);
        app.appendDataChunk(chunk);
      }
      app.closeSync();
    }
    await con.run('CHECKPOINT');
    const secs = (performance.now() - started) / 1000;
    con.closeSync();
    return total / secs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// One line of the overwrite workload: a new point, or a partial rewrite (usage only) of a stored one.
interface OverwriteRow extends Omit<Row, 'system'> {
  system: number | null;
}

/**
 * Batches of BATCH lines: from the third batch on, OVERWRITE_SHARE of the lines rewrite points of the batch
 * written two batches earlier (already stored), carrying only a new `usage` (system keeps its value);
 * the rest are new points of the ingest workload. Returns the rows per batch and how many points exist.
 */
function overwriteWorkload(total: number): { batches: OverwriteRow[][]; points: number } {
  const batches: OverwriteRow[][] = [];
  const firstNew: number[] = [];
  let nextNew = 0;
  for (let lines = 0, k = 0; lines < total; lines += BATCH, k++) {
    const rewrites = k >= 2 ? Math.round(BATCH * OVERWRITE_SHARE) : 0;
    const fresh = BATCH - rewrites;
    const rows: OverwriteRow[] = [];
    firstNew.push(nextNew);
    for (let i = 0; i < fresh; i++) rows.push(row(nextNew++));
    // Spread the rewrites over the older batch, interleaved with the new lines.
    const older = firstNew[k - 2] ?? 0;
    const step = Math.floor(fresh / Math.max(1, rewrites));
    for (let j = 0; j < rewrites; j++) {
      const old = row(older + j * step);
      rows.splice(j * (step + 1), 0, { ...old, usage: -old.usage - 1, system: null });
    }
    batches.push(rows);
  }
  return { batches, points: nextNew };
}

function lineOf(r: OverwriteRow): string {
  const fields = r.system === null ? `usage=${r.usage}` : `usage=${r.usage},system=${r.system}`;
  return `cpu,host=${r.host},region=${r.region} ${fields} ${r.time}`;
}

// Baseline of the overwrite workload: DuckDB's own upsert, each batch appended into a staging table and
// merged on a primary key (host, region, time) with ON CONFLICT DO UPDATE keeping the fields a row lacks.
async function rawUpsert(batches: OverwriteRow[][]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-duck-'));
  try {
    const inst = await DuckDBInstance.create(join(dir, 'raw.duckdb'));
    const con = await inst.connect();
    await con.run('CREATE TABLE cpu (host VARCHAR, region VARCHAR, usage DOUBLE, system DOUBLE, time TIMESTAMP_NS, PRIMARY KEY (host, region, time))');
    await con.run('CREATE TEMP TABLE staging (host VARCHAR, region VARCHAR, usage DOUBLE, system DOUBLE, time TIMESTAMP_NS)');
    const types = [VARCHAR, VARCHAR, DOUBLE, DOUBLE, TIMESTAMP_NS];
    let total = 0;
    const started = performance.now();
    for (const rows of batches) {
      const app = await con.createAppender('staging', 'main', 'temp');
      for (let start = 0; start < rows.length; start += 2048) {
        const n = Math.min(2048, rows.length - start);
        const cols: unknown[][] = [[], [], [], [], []];
        for (let i = 0; i < n; i++) {
          const r = rows[start + i]!;
          cols[0]!.push(r.host);
          cols[1]!.push(r.region);
          cols[2]!.push(r.usage);
          cols[3]!.push(r.system);
          cols[4]!.push(new DuckDBTimestampNanosecondsValue(r.time));
        }
        const chunk = DuckDBDataChunk.create(types, n);
        chunk.setColumns(cols as never);
        app.appendDataChunk(chunk);
      }
      app.closeSync();
      await con.run(
        `INSERT INTO cpu SELECT * FROM staging ON CONFLICT DO UPDATE SET usage = COALESCE(excluded.usage, usage), system = COALESCE(excluded.system, system);
         DELETE FROM staging`,
      );
      total += rows.length;
    }
    await con.run('CHECKPOINT');
    const secs = (performance.now() - started) / 1000;
    con.closeSync();
    return total / secs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Posts every body from WRITERS concurrent writers; lines/s from the first write to the last ack, and the server's
// CPU use over that time (1.0 = one core busy).
async function postAll(server: ServerHandle, db: string, bodies: string[], lines: number, path = '/api/v3/write_lp?db='): Promise<{ perSec: number; cpu: number }> {
  await fetch(`${server.url}${path}${db}`, { method: 'POST', body: 'warmup v=1' });
  let next = 0;
  const cpuBefore = cpuSeconds(server.child.pid);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const r = await fetch(`${server.url}${path}${db}`, { method: 'POST', body });
        if (r.status !== 204) throw new Error(`write failed: ${r.status} ${await r.text()}`);
      }
    }),
  );
  const secs = (performance.now() - started) / 1000;
  return { perSec: lines / secs, cpu: (cpuSeconds(server.child.pid) - cpuBefore) / secs };
}

// Single-line durable write acks, one at a time: the sorted latencies in ms.
async function singleLineAcks(server: ServerHandle, n: number): Promise<number[]> {
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await fetch(`${server.url}${WRITE_PATH}single`, { method: 'POST', body: line(i) });
    await r.arrayBuffer();
    lat.push(performance.now() - t);
    if (r.status !== 204) throw new Error(`write failed: ${r.status}`);
  }
  return lat.sort((a, b) => a - b);
}

async function countRows(server: ServerHandle, db: string): Promise<number> {
  const r = await fetch(`${server.url}/api/v3/query_sql?db=${db}&q=${encodeURIComponent('SELECT count(*) AS n FROM cpu')}`);
  return ((await r.json()) as Array<{ n: number }>)[0]!.n;
}

// Ingest over HTTP write_lp: 10k-line batches from 4 concurrent writers, durable acks; then the same with
// 10% of each batch rewriting stored points (InfluxDB replaces a point written again).
// BENCH_INGEST_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops.
export async function runIngest(): Promise<void> {
  const profDir = process.env.BENCH_INGEST_CPU_PROF;
  const preload = new URL('./lib/cpu-profile-preload.mjs', import.meta.url).href;
  const server = await startServer(profDir ? { env: { NODE_OPTIONS: `--import=${preload}`, BENCH_CPU_PROF_DIR: profDir } } : {});
  try {
    const load = loadavg()[0];
    const bodies: string[] = [];
    for (let start = 0; start < TOTAL; start += BATCH) bodies.push(batch(start, BATCH));
    const ingest = await postAll(server, 'bench', bodies, TOTAL, WRITE_PATH);
    const acks = await singleLineAcks(server, SINGLE_WRITES);
    const baseline = await rawAppender(TOTAL);
    const figures: Figure[] = [
      {
        name: 'http /write lines/s (10k-line batches, 4 writers, fsynced acks)',
        unit: 'lines/s',
        value: ingest.perSec,
        baseline: { name: 'raw DuckDB DataChunk appender, same rows, one commit per 10k rows', value: baseline, unit: 'rows/s' },
        ratio: ingest.perSec / baseline,
        serverCpuCores: ingest.cpu,
        serverCpuMsPer10kLines: (ingest.cpu / ingest.perSec) * 1e7,
        target: 'ratio >= 0.8',
      },
      {
        name: 'single-line durable /write ack p50',
        unit: 'ms',
        value: percentile(acks, 50),
        baseline: { name: 'single-line durable /write ack p99', value: percentile(acks, 99), unit: 'ms' },
        ratio: percentile(acks, 50) / percentile(acks, 99),
        target: 'p50 <= 2 ms',
      },
    ];
    if (OVERWRITE_TOTAL > 0) {
      const work = overwriteWorkload(OVERWRITE_TOTAL);
      const overwriteBodies = work.batches.map((rows) => rows.map(lineOf).join('\n'));
      const overwriteLines = work.batches.reduce((n, rows) => n + rows.length, 0);
      const overwrite = await postAll(server, 'bench_overwrite', overwriteBodies, overwriteLines);
      const stored = await countRows(server, 'bench_overwrite');
      if (stored !== work.points) throw new Error(`overwrite workload stored ${stored} rows, expected ${work.points} points`);
      const upsertBaseline = await rawUpsert(work.batches);
      figures.push({
        name: `http write_lp lines/s, ${OVERWRITE_SHARE * 100}% of lines rewrite stored points (10k-line batches, 4 writers, fsynced acks)`,
        unit: 'lines/s',
        value: overwrite.perSec,
        baseline: { name: 'raw DuckDB upsert (appender into staging + INSERT … ON CONFLICT DO UPDATE on (host, region, time)), same rows', value: upsertBaseline, unit: 'rows/s' },
        ratio: overwrite.perSec / upsertBaseline,
        vsAppendOnly: overwrite.perSec / ingest.perSec,
        serverCpuCores: overwrite.cpu,
        serverCpuMsPer10kLines: (overwrite.cpu / overwrite.perSec) * 1e7,
        lines: overwriteLines,
        points: work.points,
      });
    }
    report('ingest', figures, { lines: TOTAL, loadAverage1m: load });
  } finally {
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}
