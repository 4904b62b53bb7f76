import { rmSync } from 'node:fs';
import { median, sorted } from './lib/plugin-bench.js';
import { report } from './lib/results.js';
import { descendants, hostLoad, isPythonRunner, memoryOf, pluginEnv, startTriggerServer, stopServer, waitFor, type PluginEnv, type TriggerDef } from './lib/trigger-server.js';

const DB = 'scale';
const MB = 1024 * 1024;
const SETTLE_MS = 3_000;
const MIX = { schedule: 60, wal: 30, request: 10 };
const TOTAL = MIX.schedule + MIX.wal + MIX.request;

const PLUGINS = {
  'noop_schedule.py': 'def process_scheduled_call(influxdb3_local, call_time, args=None):\n    pass\n',
  'noop_wal.py': 'def process_writes(influxdb3_local, table_batches, args=None):\n    pass\n',
  'noop_request.py': 'def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):\n    return {"ok": True}\n',
};

function triggers(): TriggerDef[] {
  const out: TriggerDef[] = [];
  for (let i = 0; i < MIX.schedule; i++) out.push({ db: DB, name: `every_${i}`, plugin: 'noop_schedule.py', spec: 'every:10s' });
  for (let i = 0; i < MIX.wal; i++) out.push({ db: DB, name: `table_${i}`, plugin: 'noop_wal.py', spec: 'table:cpu' });
  for (let i = 0; i < MIX.request; i++) out.push({ db: DB, name: `request_${i}`, plugin: 'noop_request.py', spec: `request:scale_${i}` });
  return out;
}

interface TreeMemory {
  serverRss: number;
  serverPss: number;
  runners: Array<{ pid: number; rss: number; pss: number }>;
  others: number;
}

// The server's own memory and that of every process under it (runners are the `python3 -m plugin_runner` ones).
async function treeMemory(pid: number): Promise<TreeMemory> {
  const server = await memoryOf(pid);
  const runners: TreeMemory['runners'] = [];
  let others = 0;
  for (const child of descendants(pid)) {
    if (!isPythonRunner(child)) {
      others++;
      continue;
    }
    runners.push({ pid: child, ...(await memoryOf(child)) });
  }
  return { serverRss: server.rss, serverPss: server.pss, runners, others };
}

const total = (m: TreeMemory, key: 'rss' | 'pss') => (key === 'rss' ? m.serverRss : m.serverPss) + m.runners.reduce((s, r) => s + r[key], 0);

// Idle baseline: the same server and flags with an empty catalog; spawn → listening, and its memory once settled.
async function idleServer(env: PluginEnv): Promise<{ startMs: number; memory: TreeMemory }> {
  const t0 = performance.now();
  const { server } = await startTriggerServer(env);
  const startMs = performance.now() - t0;
  try {
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    return { startMs, memory: await treeMemory(server.child.pid!) };
  } finally {
    await stopServer(server);
  }
}

// Start-up with 100 enabled triggers in the catalog (60 every:10s, 30 table:cpu, 10 request:): the triggers are
// created on a first server, which is stopped; the measured start is a fresh server process on that data
// directory (it starts the runners of all triggers at once), from spawn until system.processing_engine_triggers
// shows all 100 running. Then the memory of the whole process tree (server + one runner per trigger), against the
// idle server with no triggers, same flags.
export async function runScale100Triggers(): Promise<void> {
  const env = await pluginEnv(PLUGINS);
  let dataDir: string | null = null;
  try {
    const first = await startTriggerServer(env);
    dataDir = first.server.dataDir;
    try {
      await first.client.write(DB, 'cpu,host=a usage=1');
      for (const t of triggers()) await first.client.createTrigger(t);
      await waitFor(`${TOTAL} triggers running after creation`, async () => ((await first.client.triggerStates(DB)).running === TOTAL ? true : undefined), 90_000, 200);
    } finally {
      await stopServer(first.server, { keepData: true });
    }
    // After the creation run, so both measured starts find the same warm file and page caches.
    const idle = await idleServer(env);

    const t0 = performance.now();
    const { server, client } = await startTriggerServer(env, { dataDir });
    try {
      const listeningMs = performance.now() - t0;
      let states: Record<string, number> = {};
      const progress: Record<string, number> = {};
      let slowestPollMs = 0;
      await waitFor(`${TOTAL} triggers running after restart`, async () => {
        const asked = performance.now();
        states = await client.triggerStates(DB);
        slowestPollMs = Math.max(slowestPollMs, performance.now() - asked);
        for (const n of [1, TOTAL / 4, TOTAL / 2, (3 * TOTAL) / 4, TOTAL]) if ((states.running ?? 0) >= n) progress[`${n} running`] ??= performance.now() - t0;
        return states.running === TOTAL ? true : undefined;
      }, 90_000, 100);
      const allRunningMs = performance.now() - t0;
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const memory = await treeMemory(server.child.pid!);
      if (memory.runners.length !== TOTAL) throw new Error(`expected ${TOTAL} runners under the server, found ${memory.runners.length}`);
      const perRunner = sorted(memory.runners.map((r) => r.rss / MB));
      const perRunnerPss = sorted(memory.runners.map((r) => r.pss / MB));
      const totalMb = total(memory, 'rss') / MB;
      const idleMb = total(idle.memory, 'rss') / MB;
      report('scale-100-triggers', [
        { name: `spawn → all ${TOTAL} triggers running (restart with ${TOTAL} enabled triggers)`, unit: 'ms', value: allRunningMs, baseline: { name: 'spawn → listening, idle server without triggers', value: idle.startMs, unit: 'ms' }, ratio: allRunningMs / idle.startMs, listeningMs },
        { name: `total RSS, server + ${TOTAL} runners`, unit: 'MB', value: totalMb, baseline: { name: 'idle server RSS, no triggers', value: idleMb, unit: 'MB' }, ratio: totalMb / idleMb, serverRssMb: memory.serverRss / MB, perRunnerRssMedianMb: median(perRunner), perRunnerRssMinMb: perRunner[0], perRunnerRssMaxMb: perRunner[perRunner.length - 1] },
        { name: `total PSS, server + ${TOTAL} runners (shared pages counted once)`, unit: 'MB', value: total(memory, 'pss') / MB, baseline: { name: 'idle server PSS, no triggers', value: total(idle.memory, 'pss') / MB, unit: 'MB' }, ratio: total(memory, 'pss') / total(idle.memory, 'pss') },
      ], {
      ...hostLoad(),
        mix: { 'every:10s': MIX.schedule, 'table:cpu': MIX.wal, 'request:': MIX.request },
        statesWhenDone: states,
        // slowestPollMs: the longest a state query took to answer while the runners were starting (API responsiveness).
        startup: { listeningMs, allRunningMs, idleListeningMs: idle.startMs, progressMs: progress, slowestPollMs },
        memoryMb: {
          serverRss: memory.serverRss / MB,
          serverPss: memory.serverPss / MB,
          runnersRssSum: memory.runners.reduce((s, r) => s + r.rss, 0) / MB,
          runnersPssSum: memory.runners.reduce((s, r) => s + r.pss, 0) / MB,
          perRunnerRss: { median: median(perRunner), min: perRunner[0], max: perRunner[perRunner.length - 1] },
          perRunnerPss: { median: median(perRunnerPss), min: perRunnerPss[0], max: perRunnerPss[perRunnerPss.length - 1] },
          otherChildren: memory.others,
          idleServerRss: idle.memory.serverRss / MB,
          idleServerPss: idle.memory.serverPss / MB,
          idleChildren: idle.memory.runners.length + idle.memory.others,
        },
        method: `RSS (VmRSS) and PSS (smaps_rollup) from /proc, read ${SETTLE_MS} ms after the last trigger reported running; the poll reads system.processing_engine_triggers every 100 ms`,
      });
    } finally {
      await stopServer(server);
    }
  } finally {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    env.remove();
  }
}
