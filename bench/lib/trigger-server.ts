import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRssBytes } from '../../src/ipc/index.js';
import { startServer, type ServerHandle } from '../../test/helpers/server-process.js';
import { buildTestVenv } from '../../test/fixtures/plugins/plugin-server.js';
import { pollFor } from '../../test/helpers/poll.js';
import { pluginDir } from './plugin-bench.js';

// Helpers for benchmarks that run the real server (bin/influxdb3 serve) with triggers.

// A temporary plugin directory with the given plugins and a prebuilt venv (no pip), reused by every server start.
export interface PluginEnv {
  dir: string;
  venv: string;
  // Where plugins leave files the bench reads (the one host directory their sandbox may write).
  scratch: string;
  // `serve` flags that point a server at this plugin directory and venv.
  args: string[];
  remove(): void;
}

export async function pluginEnv(files: Record<string, string>): Promise<PluginEnv> {
  const plugins = pluginDir(files);
  const venv = await buildTestVenv(join(plugins.dir, '..', `${plugins.dir.split('/').pop()}-venv`));
  const scratch = mkdtempSync(join(tmpdir(), 'bench-scratch-'));
  return {
    dir: plugins.dir,
    venv,
    scratch,
    args: ['--plugin-dir', plugins.dir, '--virtual-env-location', venv, '--plugin-writable-paths', scratch],
    remove() {
      plugins.remove();
      rmSync(venv, { recursive: true, force: true });
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

export interface TriggerDef {
  db: string;
  name: string;
  plugin: string;
  spec: string;
  runAsync?: boolean;
  args?: Record<string, string> | null;
  disabled?: boolean;
}

// A thin HTTP client for one server: JSON posts, writes, queries and the trigger routes.
export class BenchClient {
  constructor(readonly url: string) {}

  async post(path: string, body: unknown): Promise<{ status: number; text: string }> {
    const res = await fetch(`${this.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, text: await res.text() };
  }

  async createTrigger(t: TriggerDef): Promise<void> {
    const r = await this.post('/api/v3/configure/processing_engine_trigger', {
      db: t.db,
      plugin_filename: t.plugin,
      trigger_name: t.name,
      trigger_specification: t.spec,
      trigger_settings: { run_async: t.runAsync ?? false, error_behavior: 'log' },
      trigger_arguments: t.args ?? null,
      disabled: t.disabled ?? false,
    });
    if (r.status !== 200) throw new Error(`creating trigger ${t.name} answered ${r.status}: ${r.text}`);
  }

  async setTriggerEnabled(db: string, name: string, enabled: boolean): Promise<void> {
    const q = `db=${encodeURIComponent(db)}&trigger_name=${encodeURIComponent(name)}`;
    const r = await this.post(`/api/v3/configure/processing_engine_trigger/${enabled ? 'enable' : 'disable'}?${q}`, {});
    if (r.status !== 200) throw new Error(`${enabled ? 'enabling' : 'disabling'} trigger ${name} answered ${r.status}: ${r.text}`);
  }

  // One line-protocol write; resolves once acknowledged (204).
  async write(db: string, lp: string): Promise<void> {
    const res = await fetch(`${this.url}/api/v3/write_lp?db=${encodeURIComponent(db)}`, { method: 'POST', body: lp });
    const text = await res.text();
    if (res.status !== 204) throw new Error(`write answered ${res.status}: ${text}`);
  }

  async query<T = Record<string, unknown>>(db: string, sql: string): Promise<T[]> {
    const r = await this.post('/api/v3/query_sql', { db, q: sql });
    if (r.status !== 200) throw new Error(`query answered ${r.status}: ${r.text}`);
    return JSON.parse(r.text) as T[];
  }

  // Triggers of a database by state (system.processing_engine_triggers).
  async triggerStates(db: string): Promise<Record<string, number>> {
    const rows = await this.query<{ state: string }>(db, 'SELECT state FROM system.processing_engine_triggers');
    const counts: Record<string, number> = {};
    for (const r of rows) counts[r.state] = (counts[r.state] ?? 0) + 1;
    return counts;
  }
}

// Starts the real server with the plugin env (and extra flags); `dataDir` restarts on an existing catalog.
export async function startTriggerServer(env: PluginEnv, opts: { args?: string[]; dataDir?: string } = {}): Promise<{ server: ServerHandle; client: BenchClient }> {
  const server = await startServer({ dataDir: opts.dataDir, args: [...env.args, ...(opts.args ?? [])] });
  return { server, client: new BenchClient(server.url) };
}

// Stops a server (SIGTERM, then SIGKILL after 15 s) and, unless kept, removes its data directory.
export async function stopServer(server: ServerHandle, opts: { keepData?: boolean } = {}): Promise<void> {
  await server.stop();
  if (!opts.keepData) rmSync(server.dataDir, { recursive: true, force: true });
}

// Polls `check` every `everyMs` until it returns a value other than undefined, or throws after `timeoutMs`.
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const v = await pollFor(check, (value) => value !== undefined, { timeoutMs, intervalMs: everyMs });
  if (v === undefined) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  return v;
}

// Every live descendant of `pid` (children, grandchildren…), from the parent links in /proc/<pid>/stat.
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command (which may hold spaces and parentheses): state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const todo = [pid];
  while (todo.length) {
    for (const c of children.get(todo.pop()!) ?? []) {
      out.push(c);
      todo.push(c);
    }
  }
  return out;
}

// The Python runner processes below the server `pid` (not the bwrap processes around them, whose argv holds the
// runner's too).
export function runnerPidsOf(pid: number): number[] {
  return descendants(pid).filter(isPythonRunner);
}

// A `python -m plugin_runner` process, not a bwrap process wrapping one.
export function isPythonRunner(pid: number): boolean {
  const argv = cmdline(pid);
  return argv.includes('plugin_runner') && !/^\S*bwrap /.test(argv);
}

// The command line of a process ('' when it is gone).
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

// RSS and PSS (proportional set size: shared pages split between the processes mapping them) in bytes.
export async function memoryOf(pid: number): Promise<{ rss: number; pss: number }> {
  const rss = (await readRssBytes(pid)) ?? NaN;
  let pss = NaN;
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    if (m) pss = Number(m[1]) * 1024;
  } catch {
    // no smaps_rollup (old kernel) or gone
  }
  return { rss, pss };
}

// The machine's load averages (1, 5, 15 min) when a result is written: other work on the machine shows up here.
export function hostLoad(): { loadAverage: number[] } {
  return { loadAverage: loadavg().map((l) => Math.round(l * 100) / 100) };
}
