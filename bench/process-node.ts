import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type ServerHandle } from '../test/helpers/server-process.js';
import { median } from './lib/plugin-bench.js';
import { fmt, percentile, report, type Figure } from './lib/results.js';
import { BenchClient, hostLoad, pluginEnv, stopServer, waitFor, type PluginEnv } from './lib/trigger-server.js';
import { batch } from './lib/workload.js';

// `npm run bench process-node`: a process node (--mode process) in front of an upstream (a standalone server of
// this build, on loopback) against a standalone node, in one run:
//   1. forwarded lines/s: 4 writers × 10k-line batches into the process node until the upstream holds every line,
//      against the same writes into the standalone node until it holds them;
//   2. WAL-trigger latency: one line at a time, from the write's ack to the plugin's process_writes entry, on the
//      process node against the standalone node (both with the same --wal-flush-interval).
const LINES = Number(process.env.BENCH_PROCESS_NODE_LINES ?? 1_000_000);
const LATENCY_WRITES = Number(process.env.BENCH_PROCESS_NODE_LATENCY_WRITES ?? 200);
const BATCH = 10_000;
const WRITERS = 4;
const FLUSH = '10ms';
const DB = 'fwd';

// Records, per written line, the wall-clock ns at which process_writes saw it (the line's `sent` field is the ack).
const LATENCY_PLUGIN = `
import os, time
def process_writes(influxdb3_local, table_batches, args=None):
    now = time.time_ns()
    out = []
    for b in table_batches:
        if b["table_name"] != "lat":
            continue
        for r in b["rows"]:
            out.append(f"{r['seq']} {now - r['acked']}")
    if out:
        with open(os.path.join(args["dir"], args["node"]), "a") as f:
            f.write("\\n".join(out) + "\\n")
`;

async function postAll(url: string, bodies: string[]): Promise<number> {
  const t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const r = await fetch(`${url}/api/v3/write_lp?db=${DB}`, { method: 'POST', body });
        if (r.status !== 204) throw new Error(`${url} write answered ${r.status}: ${(await r.text()).slice(0, 300)}`);
      }
    }),
  );
  return performance.now() - t;
}

async function count(client: BenchClient, table: string): Promise<number> {
  try {
    return Number((await client.query<{ n: number }>(DB, `SELECT count(*) AS n FROM ${table}`))[0]?.n ?? 0);
  } catch {
    return 0;
  }
}

// Lines/s from the first write until `holder` (the upstream, or the standalone node itself) holds all of them.
async function forwarded(writeUrl: string, holder: BenchClient, table: string): Promise<number> {
  const bodies: string[] = [];
  for (let s = 0; s < LINES; s += BATCH) bodies.push(batch(s, Math.min(BATCH, LINES - s), table));
  const t = performance.now();
  await postAll(writeUrl, bodies);
  await waitFor(`${LINES} lines of ${table} to arrive`, async () => ((await count(holder, table)) >= LINES ? true : undefined), 600_000, 100);
  const n = await count(holder, table);
  if (n !== LINES) throw new Error(`${table}: ${n} rows arrived, expected ${LINES} exactly`);
  return LINES / ((performance.now() - t) / 1000);
}

// Write-ack → process_writes entry, one line at a time; the sorted latencies in ms.
async function triggerLatency(node: ServerHandle, env: PluginEnv, name: string): Promise<number[]> {
  const file = join(env.scratch, name);
  writeFileSync(file, '');
  for (let i = 0; i < LATENCY_WRITES; i++) {
    const r = await fetch(`${node.url}/api/v3/write_lp?db=${DB}`, { method: 'POST', body: `lat,node=${name} seq=${i}i,acked=${BigInt(Date.now()) * 1_000_000n}i` });
    if (r.status !== 204) throw new Error(`${name}: write answered ${r.status}`);
    await waitFor(`${name}: trigger to see write ${i}`, () => (readFileSync(file, 'utf8').split('\n').length > i + 1 ? true : undefined), 10_000, 1);
  }
  const lat = readFileSync(file, 'utf8').trim().split('\n').map((l) => Number(l.split(' ')[1]) / 1e6);
  // The ack time is taken just before the write is sent: latency includes the ack's round trip.
  return lat.sort((a, b) => a - b);
}

async function createTrigger(client: BenchClient, env: PluginEnv, node: string): Promise<void> {
  const r = await client.post('/api/v3/configure/database', { db: DB });
  if (r.status !== 200 && r.status !== 409) throw new Error(`create database answered ${r.status}: ${r.text}`);
  await client.createTrigger({ db: DB, name: 'latency', plugin: 'latency.py', spec: 'table:lat', args: { dir: env.scratch, node } });
}

export async function runProcessNode(): Promise<void> {
  const env = await pluginEnv({ 'latency.py': LATENCY_PLUGIN });
  const servers: ServerHandle[] = [];
  try {
    const upstream = await startServer({ args: ['--wal-flush-interval', FLUSH] });
    servers.push(upstream);
    const standalone = await startServer({ args: [...env.args, '--wal-flush-interval', FLUSH] });
    servers.push(standalone);
    const node = await startServer({ args: [...env.args, '--wal-flush-interval', FLUSH, '--mode', 'process', '--upstream-url', upstream.url] });
    servers.push(node);
    const up = new BenchClient(upstream.url);
    const alone = new BenchClient(standalone.url);
    const proc = new BenchClient(node.url);
    await createTrigger(alone, env, 'standalone');
    await createTrigger(proc, env, 'process');
    if (!existsSync(env.scratch)) throw new Error('no scratch dir');
    const load = hostLoad();

    const rounds = { process: [] as number[], standalone: [] as number[] };
    for (let r = 0; r < 2; r++) {
      rounds.standalone.push(await forwarded(standalone.url, alone, `ing${r}`));
      rounds.process.push(await forwarded(node.url, up, `ing${r}`));
      console.log(`process-node: round ${r + 1}: forwarded ${fmt(rounds.process[r]!)} lines/s, standalone ${fmt(rounds.standalone[r]!)} lines/s`);
    }
    const latAlone = await triggerLatency(standalone, env, 'standalone');
    const latProc = await triggerLatency(node, env, 'process');
    const figures: Figure[] = [
      {
        name: `lines/s written to a process node until its upstream (this build, standalone, loopback) holds them, ${WRITERS} writers × 10k-line batches, ${LINES} lines, median of 2`,
        unit: 'lines/s',
        value: median(rounds.process),
        baseline: { name: 'the same writes into a standalone node until it holds them, same run', value: median(rounds.standalone), unit: 'lines/s' },
        ratio: median(rounds.process) / median(rounds.standalone),
        rounds,
      },
      {
        name: `WAL trigger latency p50, write ack → process_writes entry, one line at a time, --wal-flush-interval ${FLUSH}, process node`,
        unit: 'ms',
        value: percentile(latProc, 50),
        baseline: { name: 'the same on a standalone node', value: percentile(latAlone, 50), unit: 'ms' },
        ratio: percentile(latProc, 50) / percentile(latAlone, 50),
        p99: percentile(latProc, 99),
        baselineP99: percentile(latAlone, 99),
      },
    ];
    report('process-node', figures, { lines: LINES, latencyWrites: LATENCY_WRITES, ...load });
  } finally {
    for (const s of servers.reverse()) await stopServer(s).catch(() => undefined);
    env.remove();
  }
}
