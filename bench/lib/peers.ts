import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollFor } from '../../test/helpers/poll.js';
import { descendants } from './trigger-server.js';

// Peers the `peers` benchmark starts from their Debian packages (never installs them): InfluxDB 1.6 and
// PostgreSQL 15, each on loopback with a temporary data directory, and always stopped by the bench.

const INFLUXD = '/usr/bin/influxd';
const PG_BIN = '/usr/lib/postgresql/15/bin';
// Every peer process a bench started, so an error or SIGINT still stops them all.
const started = new Set<ChildProcess>();
// Their temporary directories, removed when the bench is interrupted.
const dirs = new Set<string>();

// Other processes the bench starts (our servers, the bare koa app) join the same kill-on-exit set.
export function stopOnExit(child: ChildProcess): void {
  started.add(child);
  child.once('exit', () => started.delete(child));
}

// The tracked children, and every other process under this one (a server still starting when the signal came, the
// runners under a server, postgres backends), listed before any is killed.
// Temporary directories of the bench itself (plugin env) go too when it is interrupted.
export function removeOnInterrupt(...paths: string[]): void {
  for (const p of paths) dirs.add(p);
}

function killAll(): void {
  const tree = descendants(process.pid);
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of tree) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
const onSignal = (): void => {
  killAll();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  process.exit(130);
};

// While a bench runs: SIGKILL every process it started when it exits, is interrupted or terminated. Returns the
// function that removes those handlers again.
export function killStartedOnExit(): () => void {
  process.on('exit', killAll);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('exit', killAll);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

// A free loopback TCP port (bound once and released; the peer binds it right after).
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function versionOf(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout || r.stderr).trim() : 'unknown';
}

// Why a peer cannot run here (its package is missing), or null when it can.
export function influxdbMissing(): string | null {
  return existsSync(INFLUXD) ? null : `InfluxDB 1.6 is not installed (${INFLUXD} missing): apt-get install -y influxdb`;
}

export function postgresMissing(): string | null {
  if (!existsSync(join(PG_BIN, 'postgres'))) return `PostgreSQL 15 is not installed (${PG_BIN}/postgres missing): apt-get install -y postgresql-15 postgresql-plpython3-15`;
  if (!existsSync('/usr/lib/postgresql/15/lib/plpython3.so')) return 'plpython3u for PostgreSQL 15 is not installed: apt-get install -y postgresql-plpython3-15';
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) return "PostgreSQL must run as a non-root user and there is no 'postgres' user";
  return null;
}

interface Started {
  child: ChildProcess;
  dir: string;
  stderr: string[];
}

// The user a peer runs as: the `postgres` user when the bench runs as root (initdb refuses root), else ours.
interface RunAs {
  uid?: number;
  gid?: number;
}

function startChild(cmd: string, args: string[], dir: string, what: string, runAs: RunAs = {}): Started {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...runAs });
  started.add(child);
  dirs.add(dir);
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr.push(d);
    if (stderr.length > 200) stderr.shift();
  });
  child.once('exit', () => started.delete(child));
  child.once('error', (err) => stderr.push(`${what}: ${err.message}`));
  return { child, dir, stderr };
}

async function stopChild(s: Started): Promise<void> {
  const { child } = s;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
  }
  rmSync(s.dir, { recursive: true, force: true });
  dirs.delete(s.dir);
}

export interface InfluxPeer {
  url: string;
  version: string;
  pid: number;
  stop(): Promise<void>;
}

// InfluxDB 1.6 on a free loopback port: fsync of the WAL before every write is acknowledged
// (`wal-fsync-delay = "0s"`), no reporting, no monitor store, no listeners but HTTP.
export async function startInfluxdb(): Promise<InfluxPeer> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-influxdb-'));
  const [port, rpcPort] = [await freePort(), await freePort()];
  const config = `reporting-enabled = false
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/meta"
  logging-enabled = false
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  wal-fsync-delay = "0s"
  query-log-enabled = false
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[retention]
  enabled = false
[continuous_queries]
  enabled = false
  log-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${port}"
  log-enabled = false
  pprof-enabled = false
  max-body-size = 0
[logging]
  level = "warn"
`;
  writeFileSync(join(dir, 'influxdb.conf'), config);
  const s = startChild(INFLUXD, ['run', '-config', join(dir, 'influxdb.conf')], dir, 'influxd');
  const url = `http://127.0.0.1:${port}`;
  try {
    const up = await pollFor(async () => (await fetch(`${url}/ping`)).status === 204, Boolean, { timeoutMs: 30_000, intervalMs: 100, ignoreErrors: true });
    if (!up || s.child.exitCode !== null) throw new Error(`influxd did not answer /ping within 30 s: ${s.stderr.join('')}`);
  } catch (err) {
    await stopChild(s);
    throw err;
  }
  return { url, version: versionOf(INFLUXD, ['version']), pid: s.child.pid!, stop: () => stopChild(s) };
}

export interface PostgresPeer {
  version: string;
  pid: number;
  // Runs a psql script (fed on stdin, stopping at the first error) as the server's user; its stdout.
  psql(script: string): Promise<string>;
  stop(): Promise<void>;
}

// PostgreSQL 15 in a temporary cluster on a free loopback port, socket in the data's parent directory, fsync on
// (the defaults: fsync, synchronous_commit). As root it runs as the `postgres` user, as initdb insists.
export async function startPostgres(): Promise<PostgresPeer> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-postgres-'));
  const runAs: RunAs = {};
  if (process.getuid?.() === 0) {
    runAs.uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    runAs.gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, runAs.uid, runAs.gid);
  }
  const data = join(dir, 'data');
  const init = spawnSync(join(PG_BIN, 'initdb'), ['-D', data, '-U', 'bench', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], { encoding: 'utf8', cwd: dir, ...runAs });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  }
  const port = await freePort();
  const s = startChild(join(PG_BIN, 'postgres'), [
    '-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=on', '-c', 'synchronous_commit=on',
    '-c', 'logging_collector=off', '-c', 'log_min_messages=warning',
  ], dir, 'postgres', runAs);
  const psql = (script: string): Promise<string> => {
    const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', dir, '-p', String(port), '-U', 'bench', '-d', 'postgres'];
    return new Promise((resolve, reject) => {
      const child = spawn(join(PG_BIN, 'psql'), args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: dir, ...runAs });
      started.add(child);
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      child.once('error', reject);
      child.once('exit', (code) => {
        started.delete(child);
        if (code === 0) resolve(out);
        else reject(new Error(`psql exited with ${code}: ${err.slice(0, 2000)}`));
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(script);
    });
  };
  try {
    const up = await pollFor(() => psql('SELECT 1;').then((o) => o.trim() === '1'), Boolean, { timeoutMs: 30_000, intervalMs: 100, ignoreErrors: true });
    if (!up || s.child.exitCode !== null) throw new Error(`postgres did not accept connections within 30 s: ${s.stderr.join('')}`);
  } catch (err) {
    await stopChild(s);
    throw err;
  }
  return { version: versionOf(join(PG_BIN, 'postgres'), ['--version']), pid: s.child.pid!, psql, stop: () => stopChild(s) };
}
