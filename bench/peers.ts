import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { ROOT } from '../test/helpers/server-process.js';
import { rawAppender } from './ingest.js';
import { startBareKoa } from './http-trigger.js';
import { influxdbMissing, postgresMissing, startInfluxdb, startPostgres, stopOnExit, killStartedOnExit, removeOnInterrupt, type InfluxPeer, type PostgresPeer } from './lib/peers.js';
import { median, sorted } from './lib/plugin-bench.js';
import { BENCH_DIR, fmt, percentile, report, type Figure } from './lib/results.js';
import { descendants, hostLoad, pluginEnv, startTriggerServer, stopServer, waitFor, type BenchClient, type PluginEnv } from './lib/trigger-server.js';
import { MB, procStatusBytes } from './lib/rss-sampler.js';
import { T0, batch, row } from './lib/workload.js';

// `npm run bench peers [-- --quick]`: our server against the peers a user would pick instead, on the same
// workloads in one run. `--quick` is a smoke run on small sizes (written to peers-quick.json); each size can also
// be set on its own through the environment.
const QUICK = process.argv.includes('--quick');
const size = (env: string, full: number, quick: number): number => {
  const v = process.env[env];
  if (v === undefined) return QUICK ? quick : full;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${env} must be a positive integer, got '${v}'`);
  return n;
};
// Rows of the ingest workload, which is also the dataset of the queries (1000 series, 1 s apart per series).
const ROWS = size('BENCH_PEERS_ROWS', 5_000_000, 200_000);
const LVC_ROWS = size('BENCH_PEERS_LVC_ROWS', 1_000_000, 100_000);
const PY_ROWS = size('BENCH_PEERS_PY_ROWS', 500_000, 50_000);
const ACK_WRITES = size('BENCH_PEERS_ACK_WRITES', 500, 50);
const HTTP_REQUESTS = size('BENCH_PEERS_HTTP_REQUESTS', 20_000, 2_000);
const SCHEDULE_TRIGGERS = size('BENCH_PEERS_SCHEDULE_TRIGGERS', 100, 10);
const BATCH = 10_000;
const WRITERS = 4;
const ROUNDS = 2;
const CONNECTIONS = 10;
const DB = 'peers';
const MEASUREMENT = 'ing';
const HOST = 'h7';

// Each row of the table: ours against the peer or baseline of the same run, and the goal on ours / peer.
interface Row extends Figure {
  goal: { ratio: '>=' | '<='; value: number; text: string } | { absolute: '<='; value: number; text: string };
  met: boolean | null;
}

type Goal = Row['goal'];

function tableRow(f: Figure & { goal: Goal | null }): Row {
  const g = f.goal;
  const met = g === null ? null : 'ratio' in g ? (g.ratio === '>=' ? f.ratio >= g.value : f.ratio <= g.value) : f.value <= g.value;
  return { ...f, goal: g ?? { ratio: '>=', value: NaN, text: '—' }, met } as Row;
}

const ms = (t0: number) => performance.now() - t0;

// --- HTTP helpers shared by both InfluxDB 1.x-compatible servers (ours speaks the same /write and /query).

async function write(url: string, db: string, body: Buffer | string): Promise<void> {
  const r = await fetch(`${url}/write?db=${db}`, { method: 'POST', body: body as unknown as BodyInit });
  if (r.status !== 204) throw new Error(`${url}/write answered ${r.status}: ${(await r.text()).slice(0, 500)}`);
}

async function influxql(url: string, db: string, q: string): Promise<InfluxQLResult> {
  const r = await fetch(`${url}/query?db=${db}&q=${encodeURIComponent(q)}`);
  const text = await r.text();
  if (r.status !== 200) throw new Error(`${url}/query '${q}' answered ${r.status}: ${text.slice(0, 500)}`);
  const doc = JSON.parse(text) as InfluxQLResult;
  const err = doc.results?.[0]?.error;
  if (err) throw new Error(`${url}/query '${q}' failed: ${err}`);
  return doc;
}

interface InfluxQLResult {
  results: Array<{ error?: string; series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }> }>;
}

async function sql(url: string, db: string, q: string): Promise<Array<Record<string, unknown>>> {
  const r = await fetch(`${url}/api/v3/query_sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ db, q }) });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`query_sql '${q}' answered ${r.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as Array<Record<string, unknown>>;
}

// Latencies (ms, sorted) of `runs` sequential calls after `warm` discarded ones.
async function timed(runs: number, warm: number, call: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warm; i++) await call();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await call();
    out.push(ms(t));
  }
  return sorted(out);
}

// Posts `bodies` from WRITERS concurrent writers (each takes the next body); ms from first post to last ack.
async function postAll(url: string, db: string, bodies: Buffer[]): Promise<number> {
  let next = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: WRITERS }, async () => {
    while (next < bodies.length) await write(url, db, bodies[next++]!);
  }));
  return ms(t);
}

// --- 1-3: ingest, the aggregate and last-point queries, ours against InfluxDB 1.6.

interface Target {
  name: 'ours' | 'influxdb';
  url: string;
}

const span = () => ({ from: new Date(Number(T0 / 1_000_000n)).toISOString(), to: new Date(Number(T0 / 1_000_000n) + (Math.ceil(ROWS / 1000) + 1) * 1000).toISOString() });
const AGG = () => `SELECT mean(usage) FROM ${MEASUREMENT} WHERE time >= '${span().from}' AND time < '${span().to}' GROUP BY time(1m), host`;
const LAST = `SELECT last(usage) FROM ${MEASUREMENT} WHERE host = '${HOST}'`;
const FIRST = `SELECT first(usage) FROM ${MEASUREMENT} WHERE host = '${HOST}'`;
const SQL_DESC = `SELECT usage, time FROM ${MEASUREMENT} WHERE host = '${HOST}' ORDER BY time DESC LIMIT 1`;
const SQL_SELECTOR = `SELECT selector_last(usage, time) AS last FROM ${MEASUREMENT} WHERE host = '${HOST}'`;

// The newest and oldest usage of HOST in the dataset, to check every last-point answer.
function expectedPoints(): { last: number; first: number; lastTime: bigint } {
  const h = Number(HOST.slice(1));
  const lastIndex = Math.floor((ROWS - 1 - h) / 1000) * 1000 + h;
  return { last: row(lastIndex).usage, first: row(h).usage, lastTime: row(lastIndex).time };
}

function influxqlValue(doc: InfluxQLResult): unknown {
  return doc.results[0]?.series?.[0]?.values[0]?.[1];
}

async function ingestAndQuery(ours: Target, influx: Target | null, progress: (s: string) => void) {
  const targets = influx ? [ours, influx] : [ours];
  const bodies: Buffer[] = [];
  for (let start = 0; start < ROWS; start += BATCH) bodies.push(Buffer.from(batch(start, Math.min(BATCH, ROWS - start), MEASUREMENT)));
  if (influx) await influxql(influx.url, DB, `CREATE DATABASE ${DB}`).catch(async () => {
    const r = await fetch(`${influx.url}/query`, { method: 'POST', body: new URLSearchParams({ q: `CREATE DATABASE ${DB}` }) });
    if (r.status !== 200) throw new Error(`CREATE DATABASE answered ${r.status}`);
  });

  // Single-line durable acks, one at a time, alternating the servers in blocks; into their own measurement.
  const ack: Record<string, number[]> = { ours: [], influxdb: [] };
  for (const t of targets) await write(t.url, DB, 'ack,host=warm v=0');
  for (let block = 0; block < 10; block++) {
    for (const t of targets) {
      for (let i = 0; i < ACK_WRITES / 10; i++) {
        const n = block * ACK_WRITES + i;
        const tw = performance.now();
        await write(t.url, DB, `ack,host=h${n % 10} v=${n} ${T0 + BigInt(n)}`);
        ack[t.name]!.push(ms(tw));
      }
    }
  }
  progress(`single-line acks: ours p50 ${fmt(percentile(sorted(ack.ours!), 50))} ms${influx ? `, InfluxDB ${fmt(percentile(sorted(ack.influxdb!), 50))} ms` : ''}`);

  // The durable ingest, in ROUNDS slices alternating the servers, so drift on a shared machine hits both alike.
  const ingestMs: Record<string, number> = { ours: 0, influxdb: 0 };
  const slice = Math.ceil(bodies.length / ROUNDS);
  for (let r = 0; r < ROUNDS; r++) {
    for (const t of r % 2 === 0 ? targets : [...targets].reverse()) {
      ingestMs[t.name]! += await postAll(t.url, DB, bodies.slice(r * slice, (r + 1) * slice));
      progress(`ingest slice ${r + 1}/${ROUNDS} into ${t.name}: ${fmt(ingestMs[t.name]! / 1000)} s so far`);
    }
  }
  const rate = (name: string) => ROWS / (ingestMs[name]! / 1000);

  // Every server holds every row before anything is timed.
  const count = await sql(ours.url, DB, `SELECT count(*) AS n FROM ${MEASUREMENT}`);
  if (Number(count[0]!.n) !== ROWS) throw new Error(`ours stored ${String(count[0]!.n)} rows of ${ROWS}`);
  if (influx) {
    const n = influxqlValue(await influxql(influx.url, DB, `SELECT count(usage) FROM ${MEASUREMENT}`));
    if (Number(n) !== ROWS) throw new Error(`InfluxDB stored ${String(n)} rows of ${ROWS}`);
  }

  // The queries, alternating servers per repetition; every answer checked against the dataset.
  const exp = expectedPoints();
  const check = (what: string, got: unknown, want: number) => {
    if (Number(got) !== want) throw new Error(`${what}: got ${String(got)}, expected ${want}`);
  };
  const aggSeries = Math.min(1000, ROWS);
  const runAgg = async (t: Target) => {
    const doc = await influxql(t.url, DB, AGG());
    const series = doc.results[0]?.series ?? [];
    if (series.length !== aggSeries) throw new Error(`${t.name}: aggregate returned ${series.length} series, expected ${aggSeries}`);
  };
  const queries: Record<string, { runs: number; call: (t: Target) => Promise<void>; ours?: boolean }> = {
    agg: { runs: QUICK ? 3 : 5, call: runAgg },
    last: { runs: 30, call: async (t) => check(`${t.name} last()`, influxqlValue(await influxql(t.url, DB, LAST)), exp.last) },
    first: { runs: 30, call: async (t) => check(`${t.name} first()`, influxqlValue(await influxql(t.url, DB, FIRST)), exp.first) },
    sqlDesc: { runs: 30, ours: true, call: async (t) => check('ORDER BY time DESC LIMIT 1', (await sql(t.url, DB, SQL_DESC))[0]?.usage, exp.last) },
    selectorLast: {
      runs: 30,
      ours: true,
      call: async (t) => {
        const v = (await sql(t.url, DB, SQL_SELECTOR))[0]?.last as { value?: unknown } | undefined;
        check('selector_last', v?.value, exp.last);
      },
    },
  };
  const lat: Record<string, Record<string, number[]>> = {};
  for (const [name, q] of Object.entries(queries)) {
    lat[name] = { ours: [], influxdb: [] };
    const who = q.ours ? [ours] : targets;
    for (const t of who) await q.call(t);
    for (let i = 0; i < q.runs; i++) {
      for (const t of who) {
        const tq = performance.now();
        await q.call(t);
        lat[name]![t.name]!.push(ms(tq));
      }
    }
    progress(`${name}: ours p50 ${fmt(median(lat[name]!.ours!))} ms${influx && !q.ours ? `, InfluxDB ${fmt(median(lat[name]!.influxdb!))} ms` : ''}`);
  }
  return { ack, rate, lat, ingestMs };
}

// --- 1b: ingest with 3 last-value caches against without, on our server (times near now, as live data).

async function cacheIngest(url: string, progress: (s: string) => void): Promise<{ without: number; withCaches: number; rounds: Record<string, number[]> }> {
  const shift = BigInt(Date.now()) * 1_000_000n - T0 - BigInt(Math.ceil(LVC_ROWS / 1000) + 5) * 1_000_000_000n;
  const bodies: Buffer[] = [];
  for (let start = 0; start < LVC_ROWS; start += BATCH) {
    bodies.push(Buffer.from(batch(start, Math.min(BATCH, LVC_ROWS - start), MEASUREMENT).replace(/ (\d+)$/gm, (_, t: string) => ` ${BigInt(t) + shift}`)));
  }
  const post = async (path: string, body: unknown) => {
    const r = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (r.status !== 201) throw new Error(`${path} answered ${r.status}: ${await r.text()}`);
  };
  const rounds: Record<string, number[]> = { without: [], withCaches: [] };
  // Alternating order (plain, caches, caches, plain), each into a fresh database.
  const order = Array.from({ length: ROUNDS }, (_, r) => (r % 2 === 0 ? [false, true] : [true, false])).flat();
  for (const [i, caches] of order.entries()) {
    const db = `lvc_${i}`;
    await write(url, db, bodies[0]!.subarray(0, bodies[0]!.indexOf(10)));
    if (caches) {
      await post('/api/v3/configure/last_cache', { db, table: MEASUREMENT, name: 'by_host', key_columns: ['host'] });
      await post('/api/v3/configure/last_cache', { db, table: MEASUREMENT, name: 'by_region_host', key_columns: ['region', 'host'], count: 5 });
      await post('/api/v3/configure/last_cache', { db, table: MEASUREMENT, name: 'by_region', key_columns: ['region'] });
    }
    const rate = LVC_ROWS / ((await postAll(url, db, bodies)) / 1000);
    rounds[caches ? 'withCaches' : 'without']!.push(rate);
    progress(`ingest ${caches ? 'with 3 caches' : 'without caches'}: ${fmt(rate)} lines/s`);
  }
  const lvc = await sql(url, 'lvc_1', `SELECT count(*) AS n FROM last_cache('${MEASUREMENT}', 'by_host')`);
  if (Number(lvc[0]!.n) !== Math.min(1000, LVC_ROWS)) throw new Error(`the host last-value cache holds ${String(lvc[0]!.n)} series`);
  return { without: median(rounds.without!), withCaches: median(rounds.withCaches!), rounds };
}

// --- 4: rows into Python on the write path, ours (WAL trigger) against PostgreSQL (plpython3u statement trigger).

// Sums `usage` of the rows of each run (tag `run`), keeping the tally in the trigger's cache (each call runs the
// plugin afresh); once it saw `expect` rows of a run it leaves a file named after the run.
export const SUM_PLUGIN = `
import os
def process_writes(influxdb3_local, table_batches, args=None):
    cache = influxdb3_local.cache
    for b in table_batches:
        rows = b["rows"]
        if not rows:
            continue
        run = rows[0]["run"]
        total = 0.0
        for r in rows:
            total += r["usage"]
        n, s = cache.get(run, default=(0, 0.0))
        n, s = n + len(rows), s + total
        if n >= int(args["expect"]):
            path = os.path.join(args["out"], run)
            with open(path + ".tmp", "w") as f:
                f.write("%d %r" % (n, s))
            os.rename(path + ".tmp", path)
        cache.put(run, (n, s))
`;

const PG_SETUP = `
CREATE EXTENSION plpython3u;
CREATE TABLE py (host text, region text, run text, usage double precision, system double precision, time bigint);
CREATE FUNCTION py_sum() RETURNS trigger LANGUAGE plpython3u AS $$
total = 0.0
rows = plpy.execute("SELECT * FROM new_rows")
for r in rows:
    total += r["usage"]
GD["n"] = GD.get("n", 0) + len(rows)
GD["sum"] = GD.get("sum", 0.0) + total
return None
$$;
CREATE TRIGGER py_sum AFTER INSERT ON py REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION py_sum();
CREATE FUNCTION py_seen() RETURNS text LANGUAGE plpython3u AS $$
return "%d %r" % (GD.get("n", 0), GD.get("sum", 0.0))
$$;
`;

function pyLines(run: string): { lp: Buffer[]; csv: string; sum: number } {
  const lp: Buffer[] = [];
  const csv: string[] = [];
  let sum = 0;
  for (let start = 0; start < PY_ROWS; start += BATCH) {
    const lines: string[] = [];
    const rowsCsv: string[] = [];
    for (let i = start; i < Math.min(start + BATCH, PY_ROWS); i++) {
      const r = row(i);
      sum += r.usage;
      lines.push(`py,host=${r.host},region=${r.region},run=${run} usage=${r.usage},system=${r.system} ${r.time}`);
      rowsCsv.push(`${r.host},${r.region},${run},${r.usage},${r.system},${r.time}`);
    }
    lp.push(Buffer.from(lines.join('\n')));
    csv.push(`COPY py FROM STDIN WITH (FORMAT csv);\n${rowsCsv.join('\n')}\n\\.\n`);
  }
  return { lp, csv: `${csv.join('')}SELECT py_seen();\n`, sum };
}

async function rowsIntoPython(client: BenchClient, env: PluginEnv, pg: PostgresPeer | null, progress: (s: string) => void) {
  await client.write('pyw', 'py,host=h0,region=r0,run=setup usage=0,system=0 1');
  await client.createTrigger({ db: 'pyw', name: 'sum', plugin: 'sum.py', spec: 'table:py', args: { expect: String(PY_ROWS), out: env.scratch } });
  await waitFor('the WAL trigger running', async () => ((await client.triggerStates('pyw')).running === 1 ? true : undefined), 60_000, 50);
  if (pg) await pg.psql(PG_SETUP);
  const oursRuns: number[] = [];
  const pgRuns: number[] = [];
  const within = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.abs(b) + 1e-6;
  for (let r = 0; r < ROUNDS + 1; r++) {
    const run = `r${r}`;
    const data = pyLines(run);
    // Ours: first write posted → the plugin's file naming the run is there (polled every 2 ms).
    const marker = join(env.scratch, run);
    const t = performance.now();
    for (const body of data.lp) await client.write('pyw', body.toString());
    const seen = await waitFor(`the plugin to see ${PY_ROWS} rows of run ${run}`, () => (existsSync(marker) ? readFileSync(marker, 'utf8') : undefined), 120_000, 2).catch(async (err: Error) => {
      const logs = await client.query('pyw', "SELECT log_level, log_text FROM system.processing_engine_logs WHERE trigger_name = 'sum'").catch(() => []);
      throw new Error(`${err.message}; the trigger's logs: ${JSON.stringify(logs.slice(-5))}`);
    });
    const oursMs = ms(t);
    const [n, s] = seen.split(' ').map(Number);
    if (n !== PY_ROWS || !within(s!, data.sum)) throw new Error(`the plugin saw '${seen}', expected ${PY_ROWS} rows summing to ${data.sum}`);
    let pgMs = NaN;
    if (pg) {
      // PostgreSQL: one psql session running every COPY (one transaction each, fsynced commit) and reading what the
      // trigger saw; timed from spawn to exit.
      const tp = performance.now();
      const out = (await pg.psql(data.csv)).trim();
      pgMs = ms(tp);
      const [pn, ps] = out.split(' ').map(Number);
      if (pn !== PY_ROWS || !within(ps!, data.sum)) throw new Error(`the plpython3u trigger saw '${out}', expected ${PY_ROWS} rows summing to ${data.sum}`);
    }
    // The first round warms both (runner imports, plpython interpreter, table creation); it is not counted.
    if (r > 0) {
      oursRuns.push(PY_ROWS / (oursMs / 1000));
      if (pg) pgRuns.push(PY_ROWS / (pgMs / 1000));
    }
    progress(`rows into Python, round ${r}${r === 0 ? ' (warm-up)' : ''}: ours ${fmt(PY_ROWS / (oursMs / 1000))} rows/s${pg ? `, PostgreSQL ${fmt(PY_ROWS / (pgMs / 1000))} rows/s` : ''}`);
  }
  return { ours: median(oursRuns), pg: pg ? median(pgRuns) : NaN, oursRuns, pgRuns };
}

// --- 5: request trigger against a bare koa route, driven by autocannon.

interface Load {
  rps: number;
  p50: number;
  p99: number;
}

// autocannon drives the load and counts; latencies come from its per-response times (fractional ms; its own
// histogram has 1 ms resolution, too coarse for the added-latency goal).
async function cannon(url: string): Promise<Load> {
  const latencies: number[] = [];
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    // autocannon notices the last answer on its next sample tick: sample every 10 ms, not every second.
    const instance = autocannon({ url, connections: CONNECTIONS, amount: HTTP_REQUESTS, pipelining: 1, timeout: 10, sampleInt: 10 }, (err, result) => (err ? reject(err) : resolve(result)));
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  });
  if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) throw new Error(`${url}: ${r.non2xx} non-2xx answers, ${r.errors} errors, ${r.timeouts} timeouts`);
  const s = sorted(latencies);
  return { rps: r.requests.total / r.duration, p50: percentile(s, 50), p99: percentile(s, 99) };
}

async function requestTrigger(server: { port: number }, client: BenchClient, progress: (s: string) => void) {
  await client.createTrigger({ db: 'pyw', name: 'hello', plugin: 'hello.py', spec: 'request:hello' });
  await waitFor('the request trigger running', async () => ((await client.triggerStates('pyw')).running === 2 ? true : undefined), 60_000, 50);
  const oursUrl = `http://127.0.0.1:${server.port}/api/v3/engine/hello`;
  const body = await (await fetch(oursUrl)).text();
  if (JSON.parse(body).value !== 42) throw new Error(`unexpected trigger answer ${body}`);
  let koa: { child: ChildProcess; port: number } | null = null;
  try {
    koa = await startBareKoa(body);
    stopOnExit(koa.child);
    const koaUrl = `http://127.0.0.1:${koa.port}/api/v3/engine/hello`;
    const koaBody = await (await fetch(koaUrl)).text();
    if (koaBody !== body) throw new Error(`bare koa answers ${koaBody}, the trigger ${body}`);
    await cannon(oursUrl);
    await cannon(koaUrl);
    const runs: Record<string, Load[]> = { ours: [], koa: [] };
    for (let r = 0; r < 3; r++) {
      for (const [name, url] of r % 2 === 0 ? ([['ours', oursUrl], ['koa', koaUrl]] as const) : ([['koa', koaUrl], ['ours', oursUrl]] as const)) {
        runs[name]!.push(await cannon(url));
      }
    }
    const m = (name: string, k: keyof Load) => median(runs[name]!.map((l) => l[k]));
    progress(`request trigger: ours ${fmt(m('ours', 'rps'))} req/s p50 ${m('ours', 'p50')} ms, bare koa ${fmt(m('koa', 'rps'))} req/s p50 ${m('koa', 'p50')} ms`);
    return { ours: { rps: m('ours', 'rps'), p50: m('ours', 'p50'), p99: m('ours', 'p99') }, koa: { rps: m('koa', 'rps'), p50: m('koa', 'p50'), p99: m('koa', 'p99') }, runs };
  } finally {
    koa?.child.kill('SIGKILL');
  }
}

// --- 6: memory of 100 enabled schedule triggers that fire less than once a minute.

// VmRSS of a process and every process under it, bytes.
function treeRss(pid: number): { total: number; processes: number } {
  const pids = [pid, ...descendants(pid)];
  return { total: pids.reduce((s, p) => s + (procStatusBytes(p) ?? 0), 0), processes: pids.length };
}

async function scheduleMemory(env: PluginEnv, progress: (s: string) => void) {
  const { server, client } = await startTriggerServer(env);
  stopOnExit(server.child);
  try {
    await client.write('sched', 'setup v=1');
    await new Promise((r) => setTimeout(r, 3000));
    const idle = treeRss(server.child.pid!);
    for (let i = 0; i < SCHEDULE_TRIGGERS; i++) await client.createTrigger({ db: 'sched', name: `hourly_${i}`, plugin: 'noop_schedule.py', spec: 'every:1h' });
    const t = performance.now();
    await waitFor(`${SCHEDULE_TRIGGERS} schedule triggers running`, async () => ((await client.triggerStates('sched')).running === SCHEDULE_TRIGGERS ? true : undefined), 300_000, 200);
    const allRunningMs = ms(t);
    await new Promise((r) => setTimeout(r, 5000));
    const started = treeRss(server.child.pid!);
    progress(`${SCHEDULE_TRIGGERS} schedule triggers, just started: ${fmt(started.total / MB)} MB RSS over ${started.processes} processes (idle server ${fmt(idle.total / MB)} MB)`);
    // Settled: every runner stopped after --plugin-runner-idle-timeout (default 60 s) without work, as it stays
    // until shortly before the next hourly run.
    await waitFor(`${SCHEDULE_TRIGGERS} schedule triggers idle`, async () => ((await client.triggerStates('sched')).idle === SCHEDULE_TRIGGERS ? true : undefined), 300_000, 1000);
    await new Promise((r) => setTimeout(r, 2000));
    const loaded = treeRss(server.child.pid!);
    progress(`${SCHEDULE_TRIGGERS} schedule triggers, settled: ${fmt(loaded.total / MB)} MB RSS over ${loaded.processes} processes`);
    return { idle, started, loaded, allRunningMs };
  } finally {
    await stopServer(server);
  }
}

// --- the run

function machineInfo(influx: InfluxPeer | null, pg: PostgresPeer | null): Record<string, unknown> {
  const git = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  return {
    cpuModel: cpus()[0]?.model,
    cores: cpus().length,
    memoryMb: Math.round(totalmem() / MB),
    kernel: release(),
    node: process.version,
    influxd: influx?.version ?? 'not run',
    postgres: pg?.version ?? 'not run',
    commit: git.status === 0 ? git.stdout.trim() : 'unknown',
  };
}

export async function runPeers(): Promise<void> {
  const started = performance.now();
  const progress = (s: string) => console.log(`peers [${(ms(started) / 1000).toFixed(0)} s]: ${s}`);
  const skipped: string[] = [];
  const influxWhy = influxdbMissing();
  const pgWhy = postgresMissing();
  if (influxWhy) skipped.push(influxWhy);
  if (pgWhy) skipped.push(pgWhy);
  for (const s of skipped) console.log(`peers: SKIPPING that peer: ${s}`);
  const loadAtStart = hostLoad();
  const unguard = killStartedOnExit();
  const env = await pluginEnv({
    'sum.py': SUM_PLUGIN,
    'hello.py': 'def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):\n    return {"status": "ok", "value": 42}\n',
    'noop_schedule.py': 'def process_scheduled_call(influxdb3_local, call_time, args=None):\n    pass\n',
  });
  removeOnInterrupt(env.dir, env.venv, env.scratch);
  let influx: InfluxPeer | null = null;
  let pg: PostgresPeer | null = null;
  let versions: Record<string, unknown> = {};
  const rows: Row[] = [];
  try {
    // 1-3 on one server of ours and InfluxDB.
    influx = influxWhy ? null : await startInfluxdb();
    if (influx) progress(`InfluxDB ${influx.version} on ${influx.url}`);
    const { server: a } = await startTriggerServer(env);
    stopOnExit(a.child);
    let q;
    let lvc;
    try {
      q = await ingestAndQuery({ name: 'ours', url: a.url }, influx ? { name: 'influxdb', url: influx.url } : null, progress);
      await influx?.stop();
      versions = machineInfo(influx, null);
      influx = null;
      lvc = await cacheIngest(a.url, progress);
    } finally {
      await stopServer(a);
    }
    progress('raw DuckDB appender on the same rows');
    const appender = await rawAppender(ROWS);
    const hasInflux = !influxWhy;
    const p50 = (xs: number[]) => percentile(sorted(xs), 50);
    const peerName = 'InfluxDB 1.6 (wal-fsync-delay = "0s"), same run';
    const ingest = q.rate('ours');
    rows.push(tableRow({ name: `durable ingest over /write, ${WRITERS} writers × ${BATCH / 1000}k-line batches, 2 tags + 2 fields, ${ROWS} lines`, unit: 'lines/s', value: ingest, baseline: { name: peerName, value: hasInflux ? q.rate('influxdb') : NaN, unit: 'lines/s' }, ratio: hasInflux ? ingest / q.rate('influxdb') : NaN, goal: { ratio: '>=', value: 1.5, text: '≥ 1.5× InfluxDB' }, ingestMs: q.ingestMs }));
    rows.push(tableRow({ name: 'durable ingest against the raw DuckDB DataChunk appender on the same rows', unit: 'lines/s', value: ingest, baseline: { name: 'raw DuckDB DataChunk appender (in process, file database)', value: appender, unit: 'rows/s' }, ratio: ingest / appender, goal: { ratio: '>=', value: 0.8, text: '≥ 0.8× appender' } }));
    rows.push(tableRow({ name: 'single-line durable write ack p50 (one at a time)', unit: 'ms', value: p50(q.ack.ours!), baseline: { name: peerName, value: hasInflux ? p50(q.ack.influxdb!) : NaN, unit: 'ms' }, ratio: hasInflux ? p50(q.ack.ours!) / p50(q.ack.influxdb!) : NaN, goal: { absolute: '<=', value: 2, text: 'p50 ≤ 2 ms' }, p99: percentile(sorted(q.ack.ours!), 99), peerP99: hasInflux ? percentile(sorted(q.ack.influxdb!), 99) : NaN }));
    rows.push(tableRow({ name: `durable ingest with 3 caches (last-value caches keyed by host; region,host count 5; region), ${LVC_ROWS} lines, median of ${ROUNDS}`, unit: 'lines/s', value: lvc.withCaches, baseline: { name: 'same writes without caches, same server', value: lvc.without, unit: 'lines/s' }, ratio: lvc.withCaches / lvc.without, goal: { ratio: '>=', value: 0.9, text: '≥ 0.9× without' }, rounds: lvc.rounds }));
    const queryRow = (key: string, name: string, peerKey: string, goal: Goal) => {
      const ours = median(q.lat[key]!.ours!);
      const peer = hasInflux ? median(q.lat[peerKey]!.influxdb!) : NaN;
      rows.push(tableRow({ name, unit: 'ms', value: ours, baseline: { name: `${peerName}: ${peerKey === 'first' ? FIRST : peerKey === 'last' ? LAST : 'same query'}`, value: peer, unit: 'ms' }, ratio: ours / peer, goal: hasInflux ? goal : null, p99: percentile(sorted(q.lat[key]!.ours!), 99), runs: q.lat[key]!.ours!.length }));
    };
    queryRow('agg', `InfluxQL ${AGG()} over the ${ROWS} rows written (1000 series)`, 'agg', { ratio: '<=', value: 1 / 3, text: '≥ 3× faster (ratio ≤ 0.33)' });
    const lastGoal: Goal = { ratio: '<=', value: 1, text: '≤ 1.0× InfluxDB latency' };
    queryRow('last', `InfluxQL ${LAST} over ${ROWS} rows / 1000 series`, 'last', lastGoal);
    queryRow('first', `InfluxQL ${FIRST} over ${ROWS} rows / 1000 series`, 'first', lastGoal);
    queryRow('sqlDesc', `SQL ${SQL_DESC} (vs InfluxDB's InfluxQL last())`, 'last', lastGoal);
    queryRow('selectorLast', `SQL ${SQL_SELECTOR} (vs InfluxDB's InfluxQL last())`, 'last', lastGoal);

    // 4 and 5 on a second server of ours with the plugins.
    pg = pgWhy ? null : await startPostgres();
    if (pg) progress(`PostgreSQL ${pg.version}`);
    versions.postgres = pg?.version ?? 'not run';
    const { server: b, client: bc } = await startTriggerServer(env);
    stopOnExit(b.child);
    let py;
    let http;
    try {
      py = await rowsIntoPython(bc, env, pg, progress);
      await pg?.stop();
      pg = null;
      http = await requestTrigger(b, bc, progress);
    } finally {
      await stopServer(b);
    }
    rows.push(tableRow({ name: `${PY_ROWS} rows written in ${BATCH / 1000}k batches and summed by Python on the write path (WAL trigger, 1 writer, end to end), median of ${ROUNDS}`, unit: 'rows/s', value: py.ours, baseline: { name: 'PostgreSQL 15: statement-level AFTER INSERT plpython3u trigger over the transition table, fed by COPY in 10k-row transactions (one psql session)', value: py.pg, unit: 'rows/s' }, ratio: py.ours / py.pg, goal: pgWhy ? null : { ratio: '>=', value: 1.5, text: '≥ 1.5× PostgreSQL' }, rounds: { ours: py.oursRuns, postgres: py.pgRuns } }));
    rows.push(tableRow({ name: `request trigger (trivial process_request) throughput, ${CONNECTIONS} keep-alive connections (autocannon), median of 3`, unit: 'req/s', value: http.ours.rps, baseline: { name: 'bare koa route, same JSON body, same load', value: http.koa.rps, unit: 'req/s' }, ratio: http.ours.rps / http.koa.rps, goal: { ratio: '>=', value: 0.6, text: '≥ 0.6× bare koa' } }));
    rows.push(tableRow({ name: `request trigger added p50 latency, ${CONNECTIONS} keep-alive connections (autocannon)`, unit: 'ms', value: http.ours.p50 - http.koa.p50, baseline: { name: 'bare koa route p50, same load', value: http.koa.p50, unit: 'ms' }, ratio: http.ours.p50 / http.koa.p50, goal: { absolute: '<=', value: 0.2, text: '≤ 0.2 ms added' }, p50: http.ours.p50, p99: http.ours.p99, baselineP99: http.koa.p99, runs: http.runs }));

    // 6 on a third server: memory only.
    const mem = await scheduleMemory(env, progress);
    rows.push(tableRow({ name: `total RSS (server + every process under it) with ${SCHEDULE_TRIGGERS} enabled every:1h schedule triggers, settled (runners stopped after the idle timeout; ${fmt(mem.started.total / MB)} MB 5 s after all started)`, unit: 'MB', value: mem.loaded.total / MB, baseline: { name: 'the same server before the triggers were created', value: mem.idle.total / MB, unit: 'MB' }, ratio: mem.loaded.total / mem.idle.total, goal: { absolute: '<=', value: 600 * (SCHEDULE_TRIGGERS / 100), text: `≤ ${600 * (SCHEDULE_TRIGGERS / 100)} MB` }, processes: mem.loaded.processes, allRunningMs: mem.allRunningMs }));
  } finally {
    await influx?.stop();
    await pg?.stop();
    env.remove();
    unguard();
  }
  printTable(rows);
  report(QUICK ? 'peers-quick' : 'peers', rows, {
    machineDetail: versions,
    ...hostLoad(),
    loadAverageAtStart: loadAtStart.loadAverage,
    skipped,
    sizes: { rows: ROWS, series: 1000, lvcRows: LVC_ROWS, pythonRows: PY_ROWS, ackWrites: ACK_WRITES, httpRequestsPerRun: HTTP_REQUESTS, scheduleTriggers: SCHEDULE_TRIGGERS, quick: QUICK },
    note: 'ratio is always ours / peer (or baseline): for throughput higher is better, for latency and memory lower is better. Peers run one at a time beside our server, alternating slices of each workload.',
    seconds: ms(started) / 1000,
  });
  console.log(`peers: results in ${join(BENCH_DIR, 'results', `${QUICK ? 'peers-quick' : 'peers'}.json`)}`);
}

function printTable(rows: Row[]): void {
  const cells = rows.map((r) => [
    r.name.length > 70 ? `${r.name.slice(0, 67)}...` : r.name,
    `${fmt(r.value)} ${r.unit}`,
    Number.isNaN(r.baseline.value) ? 'skipped' : `${fmt(r.baseline.value)} ${r.baseline.unit}`,
    Number.isNaN(r.ratio) ? '—' : r.ratio.toFixed(3),
    r.goal.text,
    r.met === null ? '—' : r.met ? 'met' : 'NOT MET',
  ]);
  const head = ['workload', 'ours', 'peer / baseline', 'ratio', 'goal', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join(' | ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const c of cells) console.log(line(c));
}
