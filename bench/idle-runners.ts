import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, sorted } from './lib/plugin-bench.js';
import { percentile, report } from './lib/results.js';
import { descendants, hostLoad, isPythonRunner, pluginEnv, startTriggerServer, stopServer, waitFor, type BenchClient, type PluginEnv } from './lib/trigger-server.js';

const DB = 'idle';
const TOTAL = 100;
const MB = 1024 * 1024;
const SETTLE_MS = 5_000;
const JITTER_RUNS = Number(process.env.BENCH_IDLE_JITTER_RUNS ?? 20);
const PRESTART_RUNS = Number(process.env.BENCH_IDLE_PRESTART_RUNS ?? 5);
const COLD_REQUESTS = Number(process.env.BENCH_IDLE_COLD_REQUESTS ?? 5);
const WARM_REQUESTS = 200;

const PLUGINS = {
  // Stamps its entry first thing and appends it with the planned call time to the file its arguments name.
  'schedule_entry.py': [
    'import time',
    'def process_scheduled_call(influxdb3_local, call_time, args=None):',
    '    entered = time.time_ns()',
    '    with open(args["out"], "a") as f:',
    '        f.write("%d %d\\n" % (entered, int(call_time.timestamp())))',
    '',
  ].join('\n'),
  'request_noop.py': 'def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):\n    return {"ok": True}\n',
};

// How many minutes (at most) after the triggers are created their first hourly run comes: after the memory
// measurement and the jitter runs (with idle stop on, after the runners went idle too).
const FIRE_AFTER_MIN = { never: Number(process.env.BENCH_IDLE_NEVER_FIRE_AFTER_MIN ?? 3), 'idle-stop': Number(process.env.BENCH_IDLE_FIRE_AFTER_MIN ?? 5) };

// A cron firing once an hour, at second 0 of the minute `afterMin` minutes from now; that first run's time.
function hourlyCron(afterMin: number): { spec: string; firstRunMs: number } {
  const firstRunMs = (Math.floor(Date.now() / 60_000) + afterMin) * 60_000;
  return { spec: `cron:0 ${new Date(firstRunMs).getUTCMinutes()} * * * *`, firstRunMs };
}

interface TreeMemory {
  rssMb: number;
  pssMb: number;
  serverRssMb: number;
  processes: number;
  pythonRunners: number;
}

function statusKb(pid: number, file: string, key: string): number {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // exited meanwhile
  }
}

// VmRSS summed over the server and every process under it (runners and the bwrap processes around them), each read
// on its own from /proc/<pid>/status; PSS (shared pages split between the processes mapping them) beside it.
function treeMemory(pid: number): TreeMemory {
  const tree = [pid, ...descendants(pid)];
  const rss = tree.map((p) => statusKb(p, 'status', 'VmRSS'));
  const pss = tree.map((p) => statusKb(p, 'smaps_rollup', 'Pss'));
  return {
    rssMb: rss.reduce((a, b) => a + b, 0) / 1024,
    pssMb: pss.reduce((a, b) => a + b, 0) / 1024,
    serverRssMb: rss[0]! / 1024,
    processes: tree.length,
    pythonRunners: tree.filter(isPythonRunner).length,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function entries(path: string): bigint[][] {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split(' ').map(BigInt));
  } catch {
    return [];
  }
}

async function triggerState(client: BenchClient, name: string): Promise<string | undefined> {
  const rows = await client.query<{ trigger_name: string; state: string }>(DB, 'SELECT trigger_name, state FROM system.processing_engine_triggers');
  return rows.find((r) => r.trigger_name === name)?.state;
}

// Entry − planned time (ms) of `runs` runs of a schedule trigger writing to `out`, after `skip` runs.
async function scheduleJitter(out: string, runs: number, skip: number, periodS: number): Promise<number[]> {
  await waitFor(`${runs + skip} scheduled runs`, () => (entries(out).length >= runs + skip ? true : undefined), (runs + skip + 3) * periodS * 1000 + 30_000, 200);
  return entries(out).slice(skip, skip + runs).map(([entered, callTime]) => Number(entered! - callTime! * 1_000_000_000n) / 1e6);
}

// One fresh server: 100 hourly schedule triggers, the memory of its process tree once settled, then an every:1s
// trigger's jitter beside them (deleted again after), then their first hourly run, all 100 due at the same second
// (with idle stop on, each runner is started ahead of it again): its lateness, and the tree's memory around it.
async function hundredTriggers(env: PluginEnv, label: 'never' | 'idle-stop') {
  const args = label === 'never' ? ['--plugin-runner-idle-timeout', 'never'] : [];
  const t0 = performance.now();
  const { server, client } = await startTriggerServer(env, { args });
  const hourly = join(env.scratch, `hourly-${label}.txt`);
  try {
    await client.write(DB, 'seed x=1i');
    const { spec, firstRunMs } = hourlyCron(FIRE_AFTER_MIN[label]);
    for (let i = 0; i < TOTAL; i++) await client.createTrigger({ db: DB, name: `hourly_${i}`, plugin: 'schedule_entry.py', spec, args: { out: hourly } });
    // Every runner started (with idle stop on, the first ones may already have stopped again on a slow start).
    let states: Record<string, number> = {};
    await waitFor(`${TOTAL} triggers started (${label})`, async () => {
      states = await client.triggerStates(DB);
      return (states.running ?? 0) + (states.idle ?? 0) === TOTAL ? true : undefined;
    }, 180_000, 200);
    const allStartedMs = performance.now() - t0;
    const started = { ...treeMemory(server.child.pid!), states };
    let allIdleMs: number | null = null;
    if (label === 'idle-stop') {
      await waitFor(`${TOTAL} triggers idle`, async () => ((await client.triggerStates(DB)).idle === TOTAL ? true : undefined), 300_000, 500);
      allIdleMs = performance.now() - t0;
    }
    await sleep(SETTLE_MS);
    const settled = treeMemory(server.child.pid!);
    const settledStates = await client.triggerStates(DB);
    const out = join(env.scratch, `jitter-${label}.txt`);
    await client.createTrigger({ db: DB, name: 'every_second', plugin: 'schedule_entry.py', spec: 'every:1s', args: { out } });
    // The first runs may wait for the runner's start: skipped.
    const jitter = await scheduleJitter(out, JITTER_RUNS, 2, 1);
    const r = await fetch(`${client.url}/api/v3/configure/processing_engine_trigger?db=${DB}&trigger_name=every_second&force=true`, { method: 'DELETE' });
    if (r.status !== 200) throw new Error(`deleting every_second answered ${r.status}: ${await r.text()}`);
    const together = await hourlyRun(server.child.pid!, hourly, firstRunMs, label);
    return { settled, settledStates, started, allStartedMs, allIdleMs, jitter, together };
  } finally {
    await stopServer(server);
  }
}

// The 100 triggers' run at `firstRunMs` (all due together): the lateness of each run, and the tree's memory sampled
// every second from 60 s before the run until they have run.
async function hourlyRun(pid: number, out: string, firstRunMs: number, label: keyof typeof FIRE_AFTER_MIN) {
  const msToRun = firstRunMs - Date.now();
  if (entries(out).length > 0 || msToRun < 0) {
    throw new Error(`the hourly run at ${new Date(firstRunMs).toISOString()} came before the measurements ended (${label}); give it more than ${FIRE_AFTER_MIN[label]} min`);
  }
  await sleep(Math.max(0, msToRun - 60_000));
  const samples: Array<{ atMs: number; rssMb: number; pythonRunners: number }> = [];
  const sampler = setInterval(() => {
    const m = treeMemory(pid);
    samples.push({ atMs: Date.now() - firstRunMs, rssMb: m.rssMb, pythonRunners: m.pythonRunners });
  }, 1_000);
  try {
    await waitFor(`${TOTAL} hourly runs`, () => (entries(out).length >= TOTAL ? true : undefined), 180_000, 200);
    await sleep(2_000);
  } finally {
    clearInterval(sampler);
  }
  const lateMs = sorted(entries(out).map(([entered, callTime]) => Number(entered! - callTime! * 1_000_000_000n) / 1e6));
  const peak = samples.reduce((a, b) => (b.rssMb > a.rssMb ? b : a), samples[0]!);
  return { lateMs, peakRssMb: peak.rssMb, peakAtMs: peak.atMs, peakRunners: peak.pythonRunners, samples };
}

// A request trigger's first request after an idle stop (cold start) against warm requests, and a schedule trigger
// stopped between runs and started the warm-up lead ahead of each (its jitter), with short idle timeouts.
async function coldAndPrestarted(env: PluginEnv) {
  const { server, client } = await startTriggerServer(env, { args: ['--plugin-runner-idle-timeout', '2s', '--plugin-request-runner-idle-timeout', '2s'] });
  try {
    await client.write(DB, 'seed x=1i');
    const out = join(env.scratch, 'prestart.txt');
    await client.createTrigger({ db: DB, name: 'every_20s', plugin: 'schedule_entry.py', spec: 'every:20s', args: { out } });
    await client.createTrigger({ db: DB, name: 'hook', plugin: 'request_noop.py', spec: 'request:idle_hook' });
    const get = async () => {
      const t = performance.now();
      const res = await fetch(`${client.url}/api/v3/engine/idle_hook`);
      await res.text();
      if (res.status !== 200) throw new Error(`request trigger answered ${res.status}`);
      return performance.now() - t;
    };
    await waitFor('the request trigger running', async () => ((await triggerState(client, 'hook')) === 'running' ? true : undefined), 30_000, 100);
    const warm: number[] = [];
    for (let i = 0; i < WARM_REQUESTS; i++) warm.push(await get());
    const cold: number[] = [];
    for (let i = 0; i < COLD_REQUESTS; i++) {
      await waitFor('the request trigger idle', async () => ((await triggerState(client, 'hook')) === 'idle' ? true : undefined), 30_000, 100);
      // Its runner is gone once stop() finished: wait until no runner but the schedule trigger's is left.
      await sleep(500);
      cold.push(await get());
    }
    // Runs of every:20s after the first (which found the runner started at creation): each found a runner started
    // ahead of it after the previous one had been stopped (2 s idle timeout), as the idle states seen between show
    // (none if the warm-up lead, three times the measured start, reached the period minus the timeout).
    let idleSeen = 0;
    const watch = setInterval(() => void triggerState(client, 'every_20s').then((s) => (idleSeen += s === 'idle' ? 1 : 0), () => undefined), 1_000);
    const prestarted = await scheduleJitter(out, PRESTART_RUNS, 1, 20).finally(() => clearInterval(watch));
    return { warm, cold, prestarted, idleSeen };
  } finally {
    await stopServer(server);
  }
}

// 100 enabled schedule triggers firing hourly on one server: total RSS of the process tree once settled with idle
// runners stopped (the default --plugin-runner-idle-timeout) against `never` (every runner kept, the behaviour
// before), each on a fresh server; every:1s jitter beside them and their first hourly run (all 100 due together) in
// both; request cold start and pre-started schedule jitter with short timeouts.
export async function runIdleRunners(): Promise<void> {
  const env = await pluginEnv(PLUGINS);
  try {
    const never = await hundredTriggers(env, 'never');
    const on = await hundredTriggers(env, 'idle-stop');
    const together = on.together;
    const cp = await coldAndPrestarted(env);
    const jOn = sorted(on.jitter);
    const jNever = sorted(never.jitter);
    const pre = sorted(cp.prestarted);
    const warm = sorted(cp.warm);
    const cold = sorted(cp.cold);
    report('idle-runners', [
      {
        name: `total RSS, server + runner processes, ${TOTAL} hourly schedule triggers, settled, idle runners stopped (default timeout)`,
        unit: 'MB',
        value: on.settled.rssMb,
        baseline: { name: '--plugin-runner-idle-timeout never (every runner kept)', value: never.settled.rssMb, unit: 'MB' },
        ratio: on.settled.rssMb / never.settled.rssMb,
        target: '<= 600 MB',
        pssMb: on.settled.pssMb,
        baselinePssMb: never.settled.pssMb,
      },
      {
        name: 'every:1s firing jitter p99 with idle stop on (warm trigger beside 100 idle ones)',
        unit: 'ms',
        value: percentile(jOn, 99),
        baseline: { name: 'the same with --plugin-runner-idle-timeout never', value: percentile(jNever, 99), unit: 'ms' },
        ratio: percentile(jOn, 99) / percentile(jNever, 99),
        target: 'p99 <= 2 ms',
        p50Ms: percentile(jOn, 50),
        baselineP50Ms: percentile(jNever, 50),
      },
      {
        name: 'every:20s firing jitter p99, runner stopped between runs (2 s idle timeout) and started ahead of each',
        unit: 'ms',
        value: percentile(pre, 99),
        baseline: { name: 'warm every:1s jitter p99 (idle stop on)', value: percentile(jOn, 99), unit: 'ms' },
        ratio: percentile(pre, 99) / percentile(jOn, 99),
        p50Ms: percentile(pre, 50),
        idleStatesSeenBetweenRuns: cp.idleSeen,
      },
      {
        name: `${TOTAL} hourly triggers due at the same second, runners stopped for idleness before: lateness p99`,
        unit: 'ms',
        value: percentile(together.lateMs, 99),
        baseline: { name: 'the same with --plugin-runner-idle-timeout never (every runner warm all along)', value: percentile(never.together.lateMs, 99), unit: 'ms' },
        ratio: percentile(together.lateMs, 99) / percentile(never.together.lateMs, 99),
        p50Ms: percentile(together.lateMs, 50),
        baselineP50Ms: percentile(never.together.lateMs, 50),
        maxMs: together.lateMs[together.lateMs.length - 1],
        over2Ms: together.lateMs.filter((ms) => ms > 2).length,
        peakTreeRssMb: together.peakRssMb,
      },
      {
        name: 'request trigger: first request after an idle stop (runner cold start), p50',
        unit: 'ms',
        value: median(cold),
        baseline: { name: 'warm request p50', value: median(warm), unit: 'ms' },
        ratio: median(cold) / median(warm),
        coldMaxMs: cold[cold.length - 1],
      },
    ], {
      ...hostLoad(),
      triggers: { count: TOTAL, spec: 'cron firing once an hour (second 0 of one minute), first run a few minutes after creation', firstRunAfterMin: FIRE_AFTER_MIN },
      memory: {
        idleStop: { settled: on.settled, states: on.settledStates, afterCreation: on.started, allStartedMs: on.allStartedMs, allIdleMs: on.allIdleMs },
        never: { settled: never.settled, states: never.settledStates, allStartedMs: never.allStartedMs },
      },
      requestColdStartMs: cp.cold,
      requestWarmP50Ms: median(warm),
      hourlyRunTogether: {
        idleStop: { lateMs: together.lateMs, peakRssMb: together.peakRssMb, peakAtMsFromRun: together.peakAtMs, peakPythonRunners: together.peakRunners, memorySamples: together.samples },
        never: { lateMs: never.together.lateMs, peakRssMb: never.together.peakRssMb },
      },
      prestartedRuns: { samplesMs: cp.prestarted, idleStatesSeenBetweenRuns: cp.idleSeen },
      samples: { jitterOnMs: on.jitter, jitterNeverMs: never.jitter },
      method: `total RSS: VmRSS of the server and of every process under it (Python runners and the bwrap processes around them), each from /proc/<pid>/status, summed, ${SETTLE_MS} ms after every trigger reported idle (idle stop on) or running (never); PSS from smaps_rollup beside it. Each configuration runs on a fresh server that creates the same 100 triggers; 'afterCreation' is the tree once every trigger had started, before the runners went idle. Jitter as in trigger-latency: the plugin stamps time.time_ns() on entry minus the planned call_time, first 2 runs dropped.`,
    });
  } finally {
    env.remove();
  }
}
