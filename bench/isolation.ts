import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { percentile, report } from './lib/results.js';
import { median, sorted } from './lib/plugin-bench.js';
import { hostLoad, pluginEnv, startTriggerServer, stopServer, waitFor, type BenchClient } from './lib/trigger-server.js';
import { line } from './lib/workload.js';

const WRITES = Number(process.env.BENCH_ISOLATION_WRITES ?? 1000);
const ROUNDS = 3;
const FLUSH_MS = 100;
const DB = 'iso';

// Marks that a call has started (so the measured writes really run beside a busy plugin), then blocks 60 s.
const SLEEPY_PLUGIN = `
import time
def process_writes(influxdb3_local, table_batches, args=None):
    open(args["marker"], "a").close()
    time.sleep(60)
`;

async function writeLatencies(client: BenchClient, from: number, n: number): Promise<number[]> {
  const lat: number[] = [];
  for (let i = from; i < from + n; i++) {
    const t = performance.now();
    await client.write(DB, line(i));
    lat.push(performance.now() - t);
  }
  return lat;
}

// Write isolation: single-line durable writes, one at a time, to a database with and without an enabled WAL
// trigger whose plugin sleeps 60 s per call (so every flush during the "with" phase queues up behind a stuck call,
// then coalesces). Same server, same database; rounds alternate the two phases (the trigger is enabled and
// disabled between them) so background load hits both alike. Flushes every 100 ms, to deliver batches often.
export async function runIsolation(): Promise<void> {
  const env = await pluginEnv({ 'sleepy.py': SLEEPY_PLUGIN });
  const { server, client } = await startTriggerServer(env, { args: ['--wal-flush-interval', `${FLUSH_MS}ms`, '--plugin-timeout', '120s'] });
  const marker = join(env.scratch, 'sleepy-started');
  try {
    await client.write(DB, line(0));
    await client.createTrigger({ db: DB, name: 'sleepy', plugin: 'sleepy.py', spec: 'all_tables', args: { marker }, disabled: true });
    await writeLatencies(client, 1, 200);
    const without: number[][] = [];
    const withTrigger: number[][] = [];
    const stats: unknown[] = [];
    let next = 1_000;
    for (let r = 0; r < ROUNDS; r++) {
      without.push(await writeLatencies(client, next, WRITES));
      next += WRITES;
      rmSync(marker, { force: true });
      await client.setTriggerEnabled(DB, 'sleepy', true);
      await waitFor('the sleepy trigger to run', async () => ((await client.triggerStates(DB)).running === 1 ? true : undefined), 30_000, 50);
      await client.write(DB, line(next++));
      await waitFor('the sleepy plugin to be called', () => (existsSync(marker) ? true : undefined), 10_000);
      withTrigger.push(await writeLatencies(client, next, WRITES));
      next += WRITES;
      const states = await client.query<{ state: string }>(DB, 'SELECT state, calls, queued, dropped FROM system.processing_engine_trigger_stats');
      if (states[0]?.state !== 'running') throw new Error(`the sleepy trigger is not running: ${JSON.stringify(states)}`);
      stats.push(states[0]);
      // Cancels the stuck call: the runner gets $/shutdown and is killed after its 5 s grace.
      await client.setTriggerEnabled(DB, 'sleepy', false);
    }
    const a = sorted(without.flat());
    const b = sorted(withTrigger.flat());
    const p99 = percentile(b, 99);
    const base99 = percentile(a, 99);
    report('isolation', [
      { name: 'write ack p99 with a WAL trigger stuck in a 60 s sleep', unit: 'ms', value: p99, baseline: { name: 'write ack p99, same database, trigger disabled', value: base99, unit: 'ms' }, ratio: p99 / base99, target: 'within 1.5x' },
      { name: 'write ack p50 with a WAL trigger stuck in a 60 s sleep', unit: 'ms', value: percentile(b, 50), baseline: { name: 'write ack p50, same database, trigger disabled', value: percentile(a, 50), unit: 'ms' }, ratio: percentile(b, 50) / percentile(a, 50) },
    ], {
      ...hostLoad(),
      method: `single-line durable writes (fsynced WAL), sequential, ${WRITES} per phase, ${ROUNDS} rounds alternating disabled/enabled; percentiles over all rounds pooled; --wal-flush-interval ${FLUSH_MS}ms; each "with" phase starts once the plugin is inside its sleep`,
      writesPerPhase: WRITES,
      rounds: ROUNDS,
      triggerStatsAfterEachWithPhase: stats,
      perRound: without.map((w, i) => ({
        withoutP50Ms: percentile(sorted(w), 50),
        withoutP99Ms: percentile(sorted(w), 99),
        withP50Ms: percentile(sorted(withTrigger[i]!), 50),
        withP99Ms: percentile(sorted(withTrigger[i]!), 99),
      })),
      medianOfRoundP99: { withoutMs: median(without.map((w) => percentile(sorted(w), 99))), withMs: median(withTrigger.map((w) => percentile(sorted(w), 99))) },
    });
  } finally {
    await stopServer(server);
    env.remove();
  }
}
