import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, DuckDBDataChunk, VARCHAR, DOUBLE, TIMESTAMP_NS, DuckDBTimestampNanosecondsValue } from '@duckdb/node-api';
import { startServer } from '../test/helpers/server-process.js';
import { batch, row } from './lib/workload.js';
import { report } from './lib/results.js';

const BATCH = 10_000;
const WRITERS = 4;
const TOTAL = Number(process.env.BENCH_INGEST_LINES ?? 2_000_000);

// Baseline: the raw DuckDB DataChunk appender loading the same rows into a file database.
async function rawAppender(total: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-duck-'));
  try {
    const inst = await DuckDBInstance.create(join(dir, 'raw.duckdb'));
    const con = await inst.connect();
    await con.run('CREATE TABLE cpu (host VARCHAR, region VARCHAR, usage DOUBLE, system DOUBLE, time TIMESTAMP_NS)');
    const started = performance.now();
    const app = await con.createAppender('cpu');
    const types = [VARCHAR, VARCHAR, DOUBLE, DOUBLE, TIMESTAMP_NS];
    for (let start = 0; start < total; start += 2048) {
      const n = Math.min(2048, total - start);
      const cols: unknown[][] = [[], [], [], [], []];
      for (let i = 0; i < n; i++) {
        const r = row(start + i);
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
    await con.run('CHECKPOINT');
    const secs = (performance.now() - started) / 1000;
    con.closeSync();
    return total / secs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Ingest over HTTP write_lp: 10k-line batches from 4 concurrent writers, durable acks.
export async function runIngest(): Promise<void> {
  const server = await startServer();
  try {
    const bodies: string[] = [];
    for (let start = 0; start < TOTAL; start += BATCH) bodies.push(batch(start, BATCH));
    await fetch(`${server.url}/api/v3/write_lp?db=bench`, { method: 'POST', body: 'warmup v=1' });
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++]!;
          const r = await fetch(`${server.url}/api/v3/write_lp?db=bench`, { method: 'POST', body });
          if (r.status !== 204) throw new Error(`write failed: ${r.status} ${await r.text()}`);
        }
      }),
    );
    const linesPerSec = TOTAL / ((performance.now() - started) / 1000);
    const baseline = await rawAppender(TOTAL);
    report('ingest', [
      {
        name: 'http write_lp lines/s (10k-line batches, 4 writers, fsynced acks)',
        unit: 'lines/s',
        value: linesPerSec,
        baseline: { name: 'raw DuckDB DataChunk appender, same rows', value: baseline, unit: 'rows/s' },
        ratio: linesPerSec / baseline,
        target: '>= 500k lines/s, ratio >= 0.4',
      },
    ], { lines: TOTAL });
  } finally {
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}
