import { rmSync } from 'node:fs';
import { startServer, type ServerHandle } from '../test/helpers/server-process.js';
import { influxdbMissing, startInfluxdb } from './lib/peers.js';
import { percentile, report, type Figure } from './lib/results.js';

// Last point of a series among SERIES (5M rows by default), over HTTP, with and without the last-point index (the
// server restarted on the same data with INFLUXDB3_LAST_POINT_INDEX=off), and InfluxDB 1.6 on the same rows when
// `influxd` is installed.
const ROWS = Number(process.env.BENCH_LAST_POINT_ROWS ?? 5_000_000);
const SERIES = 1000;
const RUNS = Number(process.env.BENCH_LAST_POINT_RUNS ?? 200);
const BATCH = 10_000;
const WRITERS = 4;
const INGEST_ROUND_LINES = 250_000;
const INGEST_ROUNDS = 3;
const DB = 'lp';

// Rows one second apart per series, ending a minute ago (so GROUP BY time(1m) up to now stays small).
const T0 = (BigInt(Date.now()) - BigInt(Math.ceil(ROWS / SERIES) + 60) * 1000n) * 1_000_000n;
function lines(table: string, start: number, size: number): string {
  const out = new Array<string>(size);
  for (let k = 0; k < size; k++) {
    const i = start + k;
    const s = i % SERIES;
    out[k] = `${table},host=h${s},region=r${s % 10} usage=${(i % 1000) / 10 + 0.5},system=${(i % 97) + 0.25} ${T0 + BigInt(Math.floor(i / SERIES)) * 1_000_000_000n + BigInt(s)}`;
  }
  return out.join('\n');
}

// Writes `total` rows from `first` with WRITERS concurrent writers; returns lines/s.
async function load(write: (body: string) => Promise<void>, table: string, first: number, total: number): Promise<number> {
  let next = first;
  const end = first + total;
  const t = performance.now();
  await Promise.all(Array.from({ length: WRITERS }, async () => {
    while (next < end) {
      const start = next;
      next += BATCH;
      await write(lines(table, start, Math.min(BATCH, end - start)));
    }
  }));
  return total / ((performance.now() - t) / 1000);
}

async function check(r: Response, what: string): Promise<string> {
  const body = await r.text();
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${body.slice(0, 300)}`);
  return body;
}

interface Probe {
  name: string;
  run: () => Promise<string>;
}

async function timeProbe(p: Probe, runs: number): Promise<{ p50: number; p99: number; body: string }> {
  let body = await p.run();
  for (let i = 0; i < 5; i++) await p.run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    body = await p.run();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), body };
}

const LAST_INFLUXQL = "SELECT last(usage) FROM ing WHERE host = 'h7'";
const FIRST_INFLUXQL = "SELECT first(usage) FROM ing WHERE host = 'h7'";
const AGG_INFLUXQL = `SELECT mean(usage) FROM ing WHERE time > ${T0} GROUP BY time(1m), host`;

function oursProbes(url: string): Probe[] {
  const v1 = (q: string) => () => fetch(`${url}/query?db=${DB}&q=${encodeURIComponent(q)}`).then((r) => check(r, q));
  const v3 = (path: string, q: string) => () =>
    fetch(`${url}/api/v3/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ db: DB, q }) }).then((r) => check(r, q));
  return [
    { name: 'SQL SELECT 1 (floor)', run: v3('query_sql', 'SELECT 1') },
    { name: `/query ${LAST_INFLUXQL}`, run: v1(LAST_INFLUXQL) },
    { name: `/query ${FIRST_INFLUXQL}`, run: v1(FIRST_INFLUXQL) },
    { name: `query_influxql ${LAST_INFLUXQL}`, run: v3('query_influxql', LAST_INFLUXQL) },
    { name: "SQL SELECT * FROM ing WHERE host='h7' ORDER BY time DESC LIMIT 1", run: v3('query_sql', "SELECT * FROM ing WHERE host='h7' ORDER BY time DESC LIMIT 1") },
    { name: "SQL SELECT * FROM ing WHERE host='h7' ORDER BY time DESC LIMIT 10", run: v3('query_sql', "SELECT * FROM ing WHERE host='h7' ORDER BY time DESC LIMIT 10") },
    { name: "SQL SELECT selector_last(usage, time) FROM ing WHERE host='h7'", run: v3('query_sql', "SELECT selector_last(usage, time) FROM ing WHERE host='h7'") },
  ];
}

async function measure(probes: Probe[], aggregate: Probe): Promise<Record<string, { p50: number; p99: number; body: string }>> {
  const out: Record<string, { p50: number; p99: number; body: string }> = {};
  for (const p of probes) out[p.name] = await timeProbe(p, RUNS);
  out.aggregate = await timeProbe(aggregate, 5);
  return out;
}

export async function runLastPoint(): Promise<void> {
  let server: ServerHandle | null = await startServer();
  const dataDir = server.dataDir;
  const figures: Figure[] = [];
  const extra: Record<string, unknown> = { rows: ROWS, series: SERIES, runs: RUNS };
  try {
    const url = server.url;
    const write = (body: string) => fetch(`${url}/api/v3/write_lp?db=${DB}&precision=nanosecond&no_sync=true`, { method: 'POST', body }).then((r) => check(r, 'write')).then(() => undefined);
    const rate = await load(write, 'ing', 0, ROWS);
    console.log(`last-point: loaded ${ROWS} rows (${SERIES} series) at ${Math.round(rate)} lines/s`);
    const aggProbe = (u: string): Probe => ({ name: 'aggregate', run: () => fetch(`${u}/query?db=${DB}&q=${encodeURIComponent(AGG_INFLUXQL)}`).then((r) => check(r, AGG_INFLUXQL)) });

    // Ingest cost of the index: two fresh tables written in alternating rounds, one of them indexed (queried once).
    await fetch(`${url}/api/v3/query_sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ db: DB, q: 'SELECT 1' }) });
    await load(write, 'ing_indexed', 0, BATCH);
    await load(write, 'ing_plain', 0, BATCH);
    await fetch(`${url}/query?db=${DB}&q=${encodeURIComponent("SELECT last(usage) FROM ing_indexed WHERE host = 'h1'")}`).then((r) => check(r, 'activate'));
    const withIndex: number[] = [];
    const without: number[] = [];
    for (let round = 0; round < INGEST_ROUNDS; round++) {
      const from = BATCH + round * INGEST_ROUND_LINES;
      withIndex.push(await load(write, 'ing_indexed', from, INGEST_ROUND_LINES));
      without.push(await load(write, 'ing_plain', from, INGEST_ROUND_LINES));
    }
    const med = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);

    const indexed = await measure(oursProbes(url), aggProbe(url));
    await server.stop();
    server = await startServer({ dataDir, env: { INFLUXDB3_LAST_POINT_INDEX: 'off' } });
    const plain = await measure(oursProbes(server.url), aggProbe(server.url));
    await server.stop();
    server = null;

    const missing = influxdbMissing();
    const peer = missing ? null : await startInfluxdb();
    let peerTimes: Record<string, { p50: number; p99: number; body: string }> | null = null;
    if (peer) {
      try {
        await fetch(`${peer.url}/query?q=${encodeURIComponent(`CREATE DATABASE ${DB}`)}`, { method: 'POST' }).then((r) => check(r, 'create database'));
        const peerWrite = (body: string) => fetch(`${peer.url}/write?db=${DB}&precision=ns`, { method: 'POST', body }).then((r) => check(r, 'write')).then(() => undefined);
        const peerRate = await load(peerWrite, 'ing', 0, ROWS);
        console.log(`last-point: InfluxDB 1.6 loaded ${ROWS} rows at ${Math.round(peerRate)} lines/s`);
        const v1 = (q: string): Probe => ({ name: q, run: () => fetch(`${peer.url}/query?db=${DB}&q=${encodeURIComponent(q)}`).then((r) => check(r, q)) });
        peerTimes = {
          last: await timeProbe(v1(LAST_INFLUXQL), RUNS),
          first: await timeProbe(v1(FIRST_INFLUXQL), RUNS),
          aggregate: await timeProbe(v1(AGG_INFLUXQL), 5),
        };
      } finally {
        await peer.stop();
      }
    } else {
      console.log(`last-point: ${missing}: InfluxDB 1.6 figures skipped`);
    }

    for (const name of Object.keys(indexed)) {
      const a = indexed[name]!;
      const b = plain[name]!;
      if (name !== 'aggregate' && name !== 'SQL SELECT 1 (floor)' && a.body !== b.body) throw new Error(`${name}: indexed and plain answers differ:\n${a.body}\n${b.body}`);
      figures.push({ name: `${name} p50 (index on)`, unit: 'ms', value: a.p50, p99: a.p99, baseline: { name: 'index off', value: b.p50, unit: 'ms', p99: b.p99 } as Figure['baseline'], ratio: a.p50 / b.p50 });
    }
    if (peerTimes) {
      const pairs: Array<[string, string, string]> = [
        [`/query ${LAST_INFLUXQL}`, 'last', '≤ 1.0'],
        [`/query ${FIRST_INFLUXQL}`, 'first', '≤ 1.0'],
        ['aggregate', 'aggregate', '≤ 0.333'],
      ];
      for (const [ours, theirs, target] of pairs) {
        const a = indexed[ours]!;
        const b = peerTimes[theirs]!;
        figures.push({ name: `${ours === 'aggregate' ? AGG_INFLUXQL : ours} p50 vs InfluxDB 1.6`, unit: 'ms', value: a.p50, p99: a.p99, baseline: { name: 'InfluxDB 1.6', value: b.p50, unit: 'ms', p99: b.p99 } as Figure['baseline'], ratio: a.p50 / b.p50, target });
      }
    }
    figures.push({ name: 'ingest lines/s into an indexed table (median of rounds)', unit: 'lines/s', value: med(withIndex), baseline: { name: 'same rows into an unindexed table, alternating rounds', value: med(without), unit: 'lines/s' }, ratio: med(withIndex) / med(without) });
    for (const f of figures) {
      const b = f.baseline as Figure['baseline'] & { p99?: number };
      if (typeof f.p99 === 'number') console.log(`last-point: ${f.name}: p99 ${(f.p99 as number).toFixed(3)} ms; baseline p99 ${b.p99?.toFixed(3)} ms`);
    }
    report('last-point', figures, extra);
  } finally {
    if (server) await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
