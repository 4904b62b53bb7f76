import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startServer, type ServerHandle } from '../test/helpers/server-process.js';
import { batch } from './lib/workload.js';
import { report } from './lib/results.js';

const LINES = Number(process.env.BENCH_CLI_WRITE_LINES ?? 100_000);
const CHUNK = 512 * 1024; // the whole file stays under the server's 10 MiB request limit, for the one-POST baseline

async function count(server: ServerHandle, db: string): Promise<number> {
  const res = await fetch(`${server.url}/api/v3/query_sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ db, q: 'SELECT count(*) AS n FROM cpu', format: 'json' }) });
  return ((await res.json()) as Array<{ n: number }>)[0]!.n;
}

// `influxdb3 write -f FILE` of LINES lines cut into 512 KiB requests, 32 in flight (the default): lines/s against the
// CLI sending the file as one request (the cost of splitting) and one request at a time (what concurrency buys);
// and the one-request CLI against one POST from this process (the CLI's start-up and reading).
export async function runCliWrite(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cli-write-'));
  const server = await startServer({ objectStore: 'memory' });
  try {
    const file = join(dir, 'cpu.lp');
    writeFileSync(file, `${batch(0, LINES)}\n`);
    const bytes = statSync(file).size;
    const timed = async (db: string, args: string[]): Promise<number> => {
      const started = performance.now();
      const r = await runCli(['write', '-q', '-d', db, '-H', server.url, '-f', file, '--max-request-size', String(CHUNK), ...args]);
      const secs = (performance.now() - started) / 1000;
      if (r.code !== 0) throw new Error(`write failed: ${r.stderr}`);
      if ((await count(server, db)) !== LINES) throw new Error(`${db}: not every line was stored`);
      return LINES / secs;
    };
    const onePost = async (db: string): Promise<number> => {
      const started = performance.now();
      const res = await fetch(`${server.url}/api/v3/write_lp?db=${db}`, { method: 'POST', body: readFileSync(file) });
      const secs = (performance.now() - started) / 1000;
      if (!res.ok) throw new Error(`one POST failed: ${res.status} ${await res.text()}`);
      return LINES / secs;
    };
    const concurrent = await timed('conc', []);
    const sequential = await timed('seq', ['--max-concurrent-requests', '1']);
    const whole = await timed('whole', ['--max-request-size', String(16 * 1024 * 1024)]);
    const single = await onePost('single');
    report('cli-write', [
      { name: 'influxdb3 write, 512 KiB requests, 32 in flight', unit: 'lines/s', value: concurrent, baseline: { name: 'influxdb3 write of the file as one request', value: whole, unit: 'lines/s' }, ratio: concurrent / whole },
      { name: 'influxdb3 write, 512 KiB requests, 32 in flight', unit: 'lines/s', value: concurrent, baseline: { name: 'influxdb3 write --max-concurrent-requests 1', value: sequential, unit: 'lines/s' }, ratio: concurrent / sequential },
      { name: 'influxdb3 write of the file as one request', unit: 'lines/s', value: whole, baseline: { name: 'the same bytes as one POST from this process (no CLI start-up)', value: single, unit: 'lines/s' }, ratio: whole / single },
    ], { lines: LINES, bytes, requestBytes: CHUNK });
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
