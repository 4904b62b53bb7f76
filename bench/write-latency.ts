import { openSync, writeSync, fdatasyncSync, closeSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../test/helpers/server-process.js';
import { line } from './lib/workload.js';
import { percentile, report } from './lib/results.js';

const N = Number(process.env.BENCH_LATENCY_WRITES ?? 1000);

// Baseline: a bare write(2) + fdatasync of a 100-byte record on the same disk.
function rawFsyncLatencies(n: number, dir: string): number[] {
  const fd = openSync(join(dir, 'fsync.bin'), 'w');
  const buf = Buffer.alloc(100, 1);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    writeSync(fd, buf);
    fdatasyncSync(fd);
    out.push(performance.now() - t);
  }
  closeSync(fd);
  return out.sort((a, b) => a - b);
}

// Single-line durable write acknowledgement latency, one request at a time.
export async function runWriteLatency(): Promise<void> {
  const server = await startServer();
  const tmp = mkdtempSync(join(tmpdir(), 'bench-fsync-'));
  try {
    await fetch(`${server.url}/api/v3/write_lp?db=lat`, { method: 'POST', body: line(0) });
    const lat: number[] = [];
    for (let i = 1; i <= N; i++) {
      const t = performance.now();
      const r = await fetch(`${server.url}/api/v3/write_lp?db=lat`, { method: 'POST', body: line(i) });
      await r.arrayBuffer();
      lat.push(performance.now() - t);
      if (r.status !== 204) throw new Error(`write failed: ${r.status}`);
    }
    lat.sort((a, b) => a - b);
    const raw = rawFsyncLatencies(N, tmp);
    const p50 = percentile(lat, 50);
    const p99 = percentile(lat, 99);
    report('write-latency', [
      { name: 'single-line durable write ack p50', unit: 'ms', value: p50, baseline: { name: 'raw write+fdatasync p50', value: percentile(raw, 50), unit: 'ms' }, ratio: p50 / percentile(raw, 50), target: 'p50 <= 5 ms' },
      { name: 'single-line durable write ack p99', unit: 'ms', value: p99, baseline: { name: 'raw write+fdatasync p99', value: percentile(raw, 99), unit: 'ms' }, ratio: p99 / percentile(raw, 99) },
    ], { writes: N });
  } finally {
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  }
}
