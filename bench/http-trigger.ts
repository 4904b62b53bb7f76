import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { DEFAULT_ASYNC_POOL_SIZE } from '../src/engine/triggers/trigger-runtime.js';
import { ROOT } from '../test/helpers/server-process.js';
import { httpLoad, type LoadResult } from './lib/http-load.js';
import { median } from './lib/plugin-bench.js';
import { percentile, report, type Figure } from './lib/results.js';
import { hostLoad, runnerPidsOf, pluginEnv, startTriggerServer, stopServer, waitFor } from './lib/trigger-server.js';

const REQUESTS = Number(process.env.BENCH_HTTP_REQUESTS ?? 10_000);
const SEQUENTIAL = Number(process.env.BENCH_HTTP_SEQUENTIAL ?? 2_000);
const CONNECTIONS = 10;
const ROUNDS = 3;
const DB = 'bench';

const HELLO_PLUGIN = `
def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):
    return {"status": "ok", "value": 42}
`;

// The baseline: a bare koa app (the server's HTTP framework) in its own Node process, one route answering the
// same JSON bytes with the same content type; it prints its port when listening.
const BARE_KOA = `
import Koa from 'koa';
import Router from '@koa/router';
const body = process.argv[1];
const app = new Koa();
const router = new Router();
router.get('/api/v3/engine/:path', (ctx) => { ctx.type = 'application/json'; ctx.body = body; });
app.use(router.routes());
const server = app.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

export async function startBareKoa(body: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', BARE_KOA, body], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(Number(line)));
    child.once('exit', (code) => reject(new Error(`bare koa exited with ${code}`)));
  });
  return { child, port };
}

type Target = 'koa' | 'sync' | 'async';
const PATHS: Record<Target, string> = { koa: '/api/v3/engine/hello', sync: '/api/v3/engine/hello_sync', async: '/api/v3/engine/hello_async' };

// Request triggers over HTTP: a trivial process_request (returns a small dict → JSON) served by a sequential
// trigger (one runner, one call at a time) and by a run_async trigger (pool of runners), against a bare koa route
// answering the same JSON, all driven by the same raw keep-alive load generator in this process. Rounds alternate
// the three targets so background load hits all alike; each figure is the median over rounds.
export async function runHttpTrigger(): Promise<void> {
  const env = await pluginEnv({ 'hello.py': HELLO_PLUGIN });
  const { server, client } = await startTriggerServer(env);
  let koa: { child: ChildProcess; port: number } | null = null;
  try {
    await client.write(DB, 'setup v=1');
    await client.createTrigger({ db: DB, name: 'hello_sync', plugin: 'hello.py', spec: 'request:hello_sync' });
    await client.createTrigger({ db: DB, name: 'hello_async', plugin: 'hello.py', spec: 'request:hello_async', runAsync: true });
    await waitFor('both request triggers running', async () => ((await client.triggerStates(DB)).running === 2 ? true : undefined), 30_000, 50);
    // A run_async trigger is 'running' once one runner of its pool is up: wait for the whole pool too.
    const runners = () => runnerPidsOf(server.child.pid!).length;
    await waitFor(`${1 + DEFAULT_ASYNC_POOL_SIZE} runners`, () => (runners() === 1 + DEFAULT_ASYNC_POOL_SIZE ? true : undefined), 30_000, 50);

    const ports: Record<Target, number> = { koa: 0, sync: server.port, async: server.port };
    const warm = await httpLoad({ port: server.port, path: PATHS.sync, connections: CONNECTIONS, requests: 1000 });
    await httpLoad({ port: server.port, path: PATHS.async, connections: CONNECTIONS, requests: 2000 });
    const body = warm.firstBody;
    if (JSON.parse(body).value !== 42) throw new Error(`unexpected trigger answer ${body}`);
    koa = await startBareKoa(body);
    ports.koa = koa.port;
    const koaWarm = await httpLoad({ port: koa.port, path: PATHS.koa, connections: CONNECTIONS, requests: 5000 });
    if (koaWarm.firstBody !== body) throw new Error(`bare koa answers ${koaWarm.firstBody}, the trigger ${body}`);

    const loaded: Record<Target, LoadResult[]> = { koa: [], sync: [], async: [] };
    const single: Record<Target, LoadResult[]> = { koa: [], sync: [], async: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const t of ['koa', 'sync', 'async'] as const) {
        loaded[t].push(await httpLoad({ port: ports[t], path: PATHS[t], connections: CONNECTIONS, requests: REQUESTS }));
        single[t].push(await httpLoad({ port: ports[t], path: PATHS[t], connections: 1, requests: SEQUENTIAL }));
      }
    }
    const rps = (t: Target) => median(loaded[t].map((l) => l.rps));
    const p50 = (runs: LoadResult[]) => median(runs.map((l) => percentile(l.latencies, 50)));
    const p99 = (runs: LoadResult[]) => median(runs.map((l) => percentile(l.latencies, 99)));
    const label: Record<Exclude<Target, 'koa'>, string> = { sync: 'request trigger (run_async=false, one runner)', async: 'request trigger (run_async=true, runner pool)' };
    const figures: Figure[] = [];
    for (const t of ['sync', 'async'] as const) {
      figures.push({
        name: `${label[t]} throughput, ${CONNECTIONS} keep-alive connections`,
        unit: 'req/s',
        value: rps(t),
        baseline: { name: 'bare koa route, same JSON body, same load', value: rps('koa'), unit: 'req/s' },
        ratio: rps(t) / rps('koa'),
        target: t === 'sync' ? '>= 0.5 of bare koa' : undefined,
      });
      figures.push({
        name: `${label[t]} added p50 latency, ${CONNECTIONS} keep-alive connections`,
        unit: 'ms',
        value: p50(loaded[t]) - p50(loaded.koa),
        baseline: { name: 'bare koa route p50, same load', value: p50(loaded.koa), unit: 'ms' },
        ratio: p50(loaded[t]) / p50(loaded.koa),
        target: t === 'sync' ? '<= 0.3 ms added' : undefined,
        p50Ms: p50(loaded[t]),
        p99Ms: p99(loaded[t]),
        baselineP99Ms: p99(loaded.koa),
      });
      figures.push({
        name: `${label[t]} added p50 latency, 1 connection (unloaded)`,
        unit: 'ms',
        value: p50(single[t]) - p50(single.koa),
        baseline: { name: 'bare koa route p50, 1 connection', value: p50(single.koa), unit: 'ms' },
        ratio: p50(single[t]) / p50(single.koa),
        target: t === 'sync' ? '<= 0.3 ms added' : undefined,
        p50Ms: p50(single[t]),
        p99Ms: p99(single[t]),
        baselineP99Ms: p99(single.koa),
      });
    }
    const perRound = (runs: Record<Target, LoadResult[]>) =>
      Object.fromEntries(Object.entries(runs).map(([t, list]) => [t, list.map((l) => ({ rps: l.rps, p50Ms: percentile(l.latencies, 50), p99Ms: percentile(l.latencies, 99) }))]));
    report('http-trigger', figures, {
      ...hostLoad(),
      method: 'raw HTTP/1.1 keep-alive GET load generator in the bench process (closed loop); server and bare koa each in their own Node process on the same machine',
      body,
      connections: CONNECTIONS,
      requestsPerRun: REQUESTS,
      sequentialRequestsPerRun: SEQUENTIAL,
      rounds: ROUNDS,
      asyncPoolSize: DEFAULT_ASYNC_POOL_SIZE,
      note: 'a run_async=false trigger runs one call at a time, so with 10 connections its latency includes queueing behind the other 9 requests; the 1-connection figures show the per-request cost without queueing',
      perRound: { loaded: perRound(loaded), singleConnection: perRound(single) },
    });
  } finally {
    koa?.child.kill('SIGKILL');
    await stopServer(server);
    env.remove();
  }
}
