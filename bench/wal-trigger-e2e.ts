import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from '../test/helpers/server-process.js';
import { median } from './lib/plugin-bench.js';
import { report, type Figure } from './lib/results.js';
import { BenchClient, hostLoad, pluginEnv, waitFor, type PluginEnv } from './lib/trigger-server.js';
import { row } from './lib/workload.js';
import { SUM_PLUGIN } from './peers.js';

const ROWS = Number(process.env.BENCH_E2E_ROWS ?? 500_000);
const BATCH = 10_000;
const ROUNDS = Number(process.env.BENCH_E2E_ROUNDS ?? 3);
// Another checkout's build (its bin/influxdb3 and dist/) to run in the same rounds, e.g. the commit before a change.
const BASELINE_ROOT = process.env.BENCH_BASELINE_ROOT;

// The workload of `npm run bench peers` (rows into Python): its summing plugin.

interface Server {
  child: ChildProcess;
  client: BenchClient;
  dataDir: string;
}

async function serve(root: string, env: PluginEnv): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-wal-e2e-'));
  const args = [join(root, 'bin', 'influxdb3'), 'serve', '--http-bind', '127.0.0.1:0', '--object-store', 'file', '--data-dir', dataDir, '--without-auth', '--log-filter', 'info', ...env.args];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      if (!l.includes('influxdb3-engine listening')) return;
      const m = /"address":"[^"]*:(\d+)"/.exec(l);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`server from ${root} exited with ${code}`)));
  });
  return { child, client: new BenchClient(`http://127.0.0.1:${port}`), dataDir };
}

async function stop(s: Server): Promise<void> {
  const exited = new Promise((resolve) => s.child.once('exit', resolve));
  s.child.kill('SIGTERM');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
  rmSync(s.dataDir, { recursive: true, force: true });
}

function lines(run: string, table: string): { bodies: string[]; sum: number } {
  const bodies: string[] = [];
  let sum = 0;
  for (let start = 0; start < ROWS; start += BATCH) {
    const out: string[] = [];
    for (let i = start; i < Math.min(start + BATCH, ROWS); i++) {
      const r = row(i);
      sum += r.usage;
      out.push(`${table},host=${r.host},region=${r.region},run=${run} usage=${r.usage},system=${r.system} ${r.time}`);
    }
    bodies.push(out.join('\n'));
  }
  return { bodies, sum };
}

// rows/s from the first write posted to the plugin's file for the run (polled every 2 ms), one writer.
async function intoPython(s: Server, env: PluginEnv, run: string): Promise<number> {
  const data = lines(run, 'py');
  const marker = join(env.scratch, run);
  const t = performance.now();
  for (const body of data.bodies) await s.client.write('pyw', body);
  const seen = await waitFor(`the plugin to see ${ROWS} rows of run ${run}`, () => (existsSync(marker) ? readFileSync(marker, 'utf8') : undefined), 120_000, 2);
  const ms = performance.now() - t;
  const [n, sum] = seen.split(' ').map(Number);
  if (n !== ROWS || Math.abs(sum! - data.sum) > 1e-9 * data.sum + 1e-6) throw new Error(`the plugin saw '${seen}', expected ${ROWS} rows summing to ${data.sum}`);
  return ROWS / (ms / 1000);
}

// The same writes into a database without triggers: what ingest alone allows.
async function ingestOnly(s: Server, run: string): Promise<number> {
  const data = lines(run, 'py');
  const t = performance.now();
  for (const body of data.bodies) await s.client.write('plain', body);
  return ROWS / ((performance.now() - t) / 1000);
}

// Rows into Python end to end through the server: ROWS rows written in 10k-line batches by one writer and summed by
// a WAL trigger (the peers workload), against the same writes with no trigger; with BENCH_BASELINE_ROOT, that
// build's server runs the same rounds (interleaved) so before/after come from one run.
export async function runWalTriggerE2e(): Promise<void> {
  const env = await pluginEnv({ 'sum.py': SUM_PLUGIN });
  const builds: Array<{ name: string; root: string }> = [{ name: 'this build', root: ROOT }];
  if (BASELINE_ROOT) builds.push({ name: `baseline ${BASELINE_ROOT}`, root: BASELINE_ROOT });
  const servers: Server[] = [];
  try {
    for (const b of builds) {
      const s = await serve(b.root, env);
      servers.push(s);
      await s.client.write('pyw', 'py,host=h0,region=r0,run=setup usage=0,system=0 1');
      await s.client.write('plain', 'py,host=h0,region=r0,run=setup usage=0,system=0 1');
      await s.client.createTrigger({ db: 'pyw', name: 'sum', plugin: 'sum.py', spec: 'table:py', args: { expect: String(ROWS), out: env.scratch } });
      await waitFor('the WAL trigger running', async () => ((await s.client.triggerStates('pyw')).running === 1 ? true : undefined), 60_000, 50);
    }
    // The plugin names its file after the run tag; each server's runs carry its pid so they cannot collide.
    const e2e = builds.map(() => [] as number[]);
    const ingest = builds.map(() => [] as number[]);
    for (let r = 0; r <= ROUNDS; r++) {
      for (let i = 0; i < servers.length; i++) {
        const s = servers[i]!;
        const rate = await intoPython(s, env, `${s.child.pid}-r${r}`);
        const plain = await ingestOnly(s, `p${r}`);
        // Round 0 warms up (runner imports, table creation).
        if (r > 0) {
          e2e[i]!.push(rate);
          ingest[i]!.push(plain);
        }
        console.log(`wal-trigger-e2e: round ${r}${r === 0 ? ' (warm-up)' : ''}, ${builds[i]!.name}: ${Math.round(rate)} rows/s into Python, ${Math.round(plain)} rows/s ingest alone`);
      }
    }
    const figures: Figure[] = [
      { name: `${ROWS} rows in ${BATCH / 1000}k-line writes summed by a WAL trigger, end to end (first write → plugin saw all), median of ${ROUNDS}`, unit: 'rows/s', value: median(e2e[0]!), baseline: { name: 'the same writes into a database without triggers (ingest alone)', value: median(ingest[0]!), unit: 'rows/s' }, ratio: median(e2e[0]!) / median(ingest[0]!) },
    ];
    if (builds.length > 1) {
      figures.push({ name: 'rows into Python end to end: this build', unit: 'rows/s', value: median(e2e[0]!), baseline: { name: `the baseline build, same rounds (${BASELINE_ROOT})`, value: median(e2e[1]!), unit: 'rows/s' }, ratio: median(e2e[0]!) / median(e2e[1]!) });
    }
    report('wal-trigger-e2e', figures, { ...hostLoad(), rows: ROWS, batch: BATCH, rounds: ROUNDS, perRound: { e2e, ingest }, builds: builds.map((b) => b.name) });
  } finally {
    for (const s of servers) await stop(s);
    env.remove();
  }
}
