import { expect } from 'chai';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTestVenv } from '../fixtures/plugins/plugin-server.js';
import { pollFor } from '../helpers/poll.js';
import { startServer, type ServerHandle } from '../helpers/server-process.js';

// Live triggers under stress, on the real server: a stuck plugin, error_behavior retry/disable, cache lifetime
// (on disable and across a restart), schedule overrun coalescing, hot reload, database soft delete and the
// runner restart limit. Observables are rows the plugins write, files they append to, the server log and
// catalog.json; waits are polls with bounded deadlines, never timing assertions on speed.
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'plugins', 'trigger-robustness');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


interface TriggerBody {
  db: string;
  trigger_name: string;
  plugin_filename: string;
  trigger_specification: string;
  error_behavior?: 'log' | 'retry' | 'disable';
  run_async?: boolean;
  args?: Record<string, string> | null;
  disabled?: boolean;
}

describe('integration: trigger robustness (live triggers)', function () {
  this.timeout(60_000);
  let root: string;
  let pluginDir: string;
  let venv: string;
  let s: ServerHandle;
  let dataDir: string;
  // Triggers created by the current test, force-deleted after it (so a later restart starts none of them).
  let created: Array<{ db: string; name: string }> = [];

  // Plugins leave marker files under <root>/scratch, the one host directory their sandbox may write.
  const serverArgs = () => ['--plugin-dir', pluginDir, '--virtual-env-location', venv, '--plugin-writable-paths', join(root, 'scratch')];

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'influxdb3-trigger-robustness-'));
    pluginDir = join(root, 'plugins');
    cpSync(FIXTURES, pluginDir, { recursive: true });
    venv = await buildTestVenv(join(root, 'venv'));
    mkdirSync(join(root, 'scratch'));
    s = await startServer({ args: serverArgs() });
    dataDir = s.dataDir;
  });

  after(async () => {
    await s?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (root) rmSync(root, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const { db, name } of created.reverse()) {
      await fetch(`${s.url}/api/v3/configure/processing_engine_trigger?db=${db}&trigger_name=${name}&force=true`, { method: 'DELETE' }).catch(() => undefined);
    }
    created = [];
  });

  // ---- HTTP helpers ----
  const request = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${s.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };
  const createDb = async (db: string) => {
    const r = await request('POST', '/api/v3/configure/database', { db });
    expect(r.status, r.text).to.equal(200);
  };
  const createTrigger = async (t: TriggerBody) => {
    const r = await request('POST', '/api/v3/configure/processing_engine_trigger', {
      db: t.db,
      plugin_filename: t.plugin_filename,
      trigger_name: t.trigger_name,
      trigger_specification: t.trigger_specification,
      trigger_settings: { run_async: t.run_async ?? false, error_behavior: t.error_behavior ?? 'log' },
      trigger_arguments: t.args ?? null,
      disabled: t.disabled ?? false,
    });
    expect(r.status, r.text).to.equal(200);
    created.push({ db: t.db, name: t.trigger_name });
  };
  const setEnabled = async (db: string, name: string, enabled: boolean) => {
    const r = await request('POST', `/api/v3/configure/processing_engine_trigger/${enabled ? 'enable' : 'disable'}?db=${db}&trigger_name=${name}`);
    expect(r.status, r.text).to.equal(200);
  };
  const write = async (db: string, lp: string) => {
    const res = await fetch(`${s.url}/api/v3/write_lp?db=${encodeURIComponent(db)}`, { method: 'POST', body: lp });
    expect(res.status, await res.text()).to.equal(204);
  };
  const query = async (db: string, sql: string): Promise<any[]> => {
    const r = await request('POST', '/api/v3/query_sql', { db, q: sql });
    if (r.status !== 200) throw new Error(`query answered ${r.status}: ${r.text}`);
    return JSON.parse(r.text);
  };
  // count(*) of a table, 0 while the table does not exist yet.
  const count = async (db: string, table: string, where = ''): Promise<number> => {
    try {
      const rows = await query(db, `SELECT count(*) AS n FROM ${table}${where ? ` WHERE ${where}` : ''}`);
      return Number(rows[0]?.n ?? 0);
    } catch {
      return 0;
    }
  };
  const engine = async (path: string) => {
    const res = await fetch(`${s.url}/api/v3/engine/${path}`);
    return { status: res.status, text: await res.text() };
  };
  const logged = (re: RegExp, logs = s.logs) => logs.filter((l) => re.test(l));
  // A fresh directory for files a plugin appends to (passed as args.dir).
  const scratch = (name: string) => {
    const dir = join(root, 'scratch', name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const lines = (path: string): string[] => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);
  // Stops the server and starts a new one on the same data dir; returns when the old one was gone.
  const restart = async (): Promise<number> => {
    await s.stop();
    const stoppedAt = Date.now();
    s = await startServer({ dataDir, args: serverArgs() });
    return stoppedAt;
  };
  // The stored trigger record (catalog.json under the data dir).
  const catalogTrigger = (name: string): any => {
    const find = (dir: string): string | null => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isFile() && e.name === 'catalog.json') return p;
        if (e.isDirectory()) {
          const hit = find(p);
          if (hit) return hit;
        }
      }
      return null;
    };
    const file = find(dataDir);
    if (!file) throw new Error(`no catalog.json under ${dataDir}`);
    const text = readFileSync(file, 'utf8');
    const records: any[] = [];
    JSON.parse(text, (_k, v) => {
      if (v && typeof v === 'object' && v.trigger_name === name && 'disabled' in v) records.push(v);
      return v;
    });
    return records[0];
  };

  // Whether a trigger's local cache snapshot file exists (<data-dir>/…/trigger-<db>%2F<name>.msgpack).
  const cacheFile = (db: string, name: string): boolean => {
    const want = `trigger-${encodeURIComponent(`${db}/${name}`)}.msgpack`;
    const walk = (dir: string): boolean =>
      readdirSync(dir, { withFileTypes: true }).some((e) => (e.isFile() ? e.name === want : e.isDirectory() && walk(join(dir, e.name))));
    return walk(dataDir);
  };

  it('a stuck WAL trigger blocks neither writes nor another WAL trigger of the same database', async () => {
    const dir = scratch('stuck');
    await createDb('stuckdb');
    await createDb('stuckout');
    await createTrigger({ db: 'stuckdb', trigger_name: 'stuck', plugin_filename: 'stuck.py', trigger_specification: 'all_tables', args: { dir } });
    await createTrigger({
      db: 'stuckdb',
      trigger_name: 'echo',
      plugin_filename: 'echo.py',
      trigger_specification: 'all_tables',
      args: { out_db: 'stuckout', tag: 'b' },
    });
    try {
      await write('stuckdb', 'm v=1i 1');
      expect(await pollFor(() => existsSync(join(dir, 'stuck_started')), Boolean, { timeoutMs: 10_000 }), 'the stuck plugin started').to.equal(true);
      // Writes across several flush intervals while the stuck plugin sleeps: each is acknowledged without waiting
      // for it (a bound far below its 60 s sleep) and the other trigger keeps receiving batches.
      const acks: number[] = [];
      for (let i = 2; i <= 6; i++) {
        const t0 = Date.now();
        await write('stuckdb', `m v=${i}i ${i}`);
        acks.push(Date.now() - t0);
        await sleep(400); // the scenario: writes spread over several flush intervals
      }
      expect(Math.max(...acks), `ack times ${acks.join(', ')} ms`).to.be.below(10_000);
      expect(await count('stuckdb', 'm')).to.equal(6);
      const echoed = await pollFor(async () => (await count('stuckout', 'echo')) === 6, Boolean, { timeoutMs: 10_000 });
      expect(echoed, 'every row reached the healthy trigger').to.equal(true);
      expect(lines(join(dir, 'stuck_started')), 'still stuck in its first call').to.have.length(1);
    } finally {
      writeFileSync(join(dir, 'release'), '');
    }
  });

  describe('error_behavior=retry', () => {
    it('a schedule plugin that fails twice is retried (same call_time) until it succeeds', async () => {
      const dir = scratch('retry-schedule');
      await createDb('retrydb');
      await createTrigger({
        db: 'retrydb',
        trigger_name: 'flaky_schedule',
        plugin_filename: 'flaky.py',
        trigger_specification: 'every:1s',
        error_behavior: 'retry',
        args: { dir, fail_times: '2', out_db: 'retryout' },
      });
      const ok = await pollFor(async () => (await count('retryout', 'flaky', `kind = 'schedule'`)) > 0, Boolean, { timeoutMs: 15_000 });
      expect(ok, 'the plugin eventually succeeded').to.equal(true);
      const attempts = lines(join(dir, 'attempts'));
      // The first three attempts are the same scheduled run: two failures, then the success.
      expect(attempts.length).to.be.at.least(3);
      expect(attempts[1]).to.equal(attempts[0]);
      expect(attempts[2]).to.equal(attempts[0]);
      const first = await query('retryout', `SELECT min(attempt) AS a FROM flaky WHERE kind = 'schedule'`);
      expect(Number(first[0].a)).to.equal(3);
      expect(logged(/retrying in 100 ms \(retry 1 of 5\)/)).to.not.be.empty;
      expect(logged(/retrying in 200 ms \(retry 2 of 5\)/)).to.not.be.empty;
    });

    it('a WAL plugin that fails once is retried and its effect appears', async () => {
      const dir = scratch('retry-wal-once');
      await createDb('retrywal');
      await createTrigger({
        db: 'retrywal',
        trigger_name: 'flaky_wal',
        plugin_filename: 'flaky.py',
        trigger_specification: 'all_tables',
        error_behavior: 'retry',
        args: { dir, fail_times: '1', out_db: 'retryout' },
      });
      await write('retrywal', 'm v=1i 1');
      const ok = await pollFor(async () => (await count('retryout', 'flaky', `kind = 'wal'`)) === 1, Boolean, { timeoutMs: 10_000 });
      expect(ok).to.equal(true);
      expect(lines(join(dir, 'attempts'))).to.deep.equal(['wal', 'wal']);
    });

    it('a WAL plugin that always fails stops after 1 + 5 attempts and the trigger stays enabled', async () => {
      const dir = scratch('retry-wal-always');
      await createDb('retryfail');
      await createTrigger({
        db: 'retryfail',
        trigger_name: 'always_fails',
        plugin_filename: 'flaky.py',
        trigger_specification: 'all_tables',
        error_behavior: 'retry',
        args: { dir, fail_times: '1000000', out_db: 'retryout' },
      });
      await write('retryfail', 'm v=1i 1');
      // Backoff 100+200+400+800+1600 ms, then "giving up".
      const gaveUp = await pollFor(() => logged(/always_fails.*giving up on this WAL batch after 5 retries|giving up on this WAL batch after 5 retries.*always_fails/).length > 0, Boolean, { timeoutMs: 15_000 });
      expect(gaveUp, 'the give-up line was logged').to.equal(true);
      await sleep(700); // the scenario: no further attempt after giving up
      expect(lines(join(dir, 'attempts'))).to.have.length(6);
      // Still enabled: the next batch is delivered (and retried) again.
      await write('retryfail', 'm v=2i 2');
      const again = await pollFor(() => lines(join(dir, 'attempts')).length > 6, Boolean, { timeoutMs: 10_000 });
      expect(again, 'a later batch still reaches the plugin').to.equal(true);
      expect(catalogTrigger('always_fails').disabled).to.equal(false);
    });
  });

  it('error_behavior=disable: disabled after a failing call, still disabled after a restart, enable brings it back', async function () {
    this.timeout(45_000);
    await createDb('disdb');
    await createTrigger({
      db: 'disdb',
      trigger_name: 'disabler',
      plugin_filename: 'echo.py',
      trigger_specification: 'table:m',
      error_behavior: 'disable',
      args: { out_db: 'disout', tag: 'd' },
    });
    const echoes = () => count('disout', 'echo');
    await write('disdb', 'm v=1i 1');
    expect(await pollFor(async () => (await echoes()) === 1, Boolean, { timeoutMs: 10_000 }), 'running before the failure').to.equal(true);

    await write('disdb', 'm fail=1i 2');
    const disabled = await pollFor(() => catalogTrigger('disabler')?.disabled === true, Boolean, { timeoutMs: 10_000 });
    expect(disabled, 'disabled=true persisted').to.equal(true);
    expect(catalogTrigger('disabler').disabled_reason).to.match(/error_behavior is disable and a call failed: .*row asked to fail/);
    expect(logged(/"msg":"trigger disabled"/).filter((l) => l.includes('error_behavior is disable'))).to.not.be.empty;

    // Not running: rows written now are not echoed (over a few flush intervals).
    await write('disdb', 'm v=3i 3');
    await sleep(2_500); // the scenario: nothing echoed over a few flush intervals
    expect(await echoes()).to.equal(1);

    await restart();
    await write('disdb', 'm v=4i 4');
    await sleep(2_500); // the scenario: nothing echoed over a few flush intervals
    expect(await echoes(), 'the restart did not start it').to.equal(1);
    expect(catalogTrigger('disabler').disabled).to.equal(true);

    await setEnabled('disdb', 'disabler', true);
    expect(catalogTrigger('disabler')).to.include({ disabled: false, disabled_reason: null });
    await write('disdb', 'm v=5i 5');
    expect(await pollFor(async () => (await echoes()) === 2, Boolean, { timeoutMs: 10_000 }), 'enabled again').to.equal(true);
    const rows = await query('disout', 'SELECT v FROM echo ORDER BY time');
    expect(rows.map((r) => Number(r.v))).to.deep.equal([1, 5]);
  });

  it('the local cache is dropped on disable (cron:* * * * * *)', async () => {
    await createDb('cache22');
    await createTrigger({ db: 'cache22', trigger_name: 'cache_once', plugin_filename: 'cache_once.py', trigger_specification: 'cron:* * * * * *' });
    const t0 = Date.now();
    expect(await pollFor(async () => (await count('cache22', 'cache_test')) >= 1, Boolean, { timeoutMs: 10_000 })).to.equal(true);
    await sleep(Math.max(0, 3_100 - (Date.now() - t0))); // the scenario: three cron ticks pass with the counter cached
    expect(await count('cache22', 'cache_test'), 'one row while the counter is cached').to.equal(1);
    await setEnabled('cache22', 'cache_once', false);
    await setEnabled('cache22', 'cache_once', true);
    expect(await pollFor(async () => (await count('cache22', 'cache_test')) === 2, Boolean, { timeoutMs: 6_100 })).to.equal(true);
    await sleep(1_100); // the scenario: another tick passes without a third row
    expect(await count('cache22', 'cache_test'), 'cache filled again: no third row').to.equal(2);
  });

  it('the local cache survives a server restart (a counter continues instead of starting at 1)', async function () {
    this.timeout(45_000);
    await createDb('cacherestart');
    await createTrigger({ db: 'cacherestart', trigger_name: 'counter', plugin_filename: 'cache_counter.py', trigger_specification: 'every:1s' });
    expect(await pollFor(async () => (await count('cacherestart', 'counter')) >= 3, Boolean, { timeoutMs: 15_000 })).to.equal(true);
    const restartedAt = await restart();
    expect(await pollFor(async () => (await count('cacherestart', 'counter', `time >= '${new Date(restartedAt).toISOString()}'`)) >= 2, Boolean, { timeoutMs: 15_000 })).to.equal(
      true,
    );
    const values = (await query('cacherestart', 'SELECT value, time FROM counter ORDER BY time')).map((r) => Number(r.value));
    const before = await query('cacherestart', `SELECT max(value) AS v FROM counter WHERE time < '${new Date(restartedAt).toISOString()}'`);
    const after = await query('cacherestart', `SELECT min(value) AS v FROM counter WHERE time >= '${new Date(restartedAt).toISOString()}'`);
    const lastBefore = Number(before[0].v);
    const firstAfter = Number(after[0].v);
    expect(lastBefore, `values ${values.join(',')}`).to.be.at.least(3);
    expect(values.filter((v) => v === 1), `values ${values.join(',')}`).to.have.length(1);
    expect(firstAfter, `values ${values.join(',')}`).to.equal(lastBefore + 1);
  });

  // A call that finishes while the server stops keeps its queued write and its cache change together.
  it('a run in flight at shutdown keeps both its write and its cache change', async function () {
    this.timeout(45_000);
    await createDb('inflight');
    await createTrigger({ db: 'inflight', trigger_name: 'slow_counter', plugin_filename: 'slow_counter.py', trigger_specification: 'every:2s' });
    // Plugins' INFO lines are in system.processing_engine_logs (the server log has them only at debug).
    const sleeping = async (): Promise<boolean> =>
      (await query('inflight', "SELECT log_text FROM system.processing_engine_logs WHERE log_text LIKE '%slow_counter n=2 sleeping%'")).length > 0;
    expect(await pollFor(sleeping, Boolean, { timeoutMs: 15_000, ignoreErrors: true })).to.equal(true);
    await sleep(300); // inside the run's 1.5 s sleep, after its cache put and queued write
    await restart();
    expect(await pollFor(async () => (await count('inflight', 'counter')) >= 4, Boolean, { timeoutMs: 15_000 })).to.equal(true);
    const values = (await query('inflight', 'SELECT value FROM counter ORDER BY time')).map((r) => Number(r.value));
    expect(values.slice(0, 4)).to.deep.equal([1, 2, 3, 4]);
  });

  it('schedule overruns are coalesced into one run with a WARN, not caught up one by one', async function () {
    this.timeout(30_000);
    const dir = scratch('overrun');
    await createDb('overrundb');
    const t0 = Date.now();
    await createTrigger({ db: 'overrundb', trigger_name: 'overrun', plugin_filename: 'overrun.py', trigger_specification: 'every:1s', args: { dir } });
    // The 3.5 s run overruns three slots. On a loaded machine a slow runner start can make an earlier run overrun
    // one slot first (also reported), so look for the WARN of the long run, not merely the first WARN.
    const missedOf = (line: string): number => Number(/overran: (\d+) scheduled/.exec(line)?.[1] ?? 0);
    const longRunWarn = (): string | undefined => logged(/previous run overran: \d+ scheduled runs? missed/).find((l) => missedOf(l) >= 2);
    const warned = await pollFor(() => longRunWarn() !== undefined, Boolean, { timeoutMs: 12_000 });
    expect(warned, `a WARN naming at least 2 missed runs; got: ${logged(/previous run overran/).join(' | ')}`).to.equal(true);
    const warn = longRunWarn()!;
    expect(warn).to.include('"level":40');
    expect(missedOf(warn)).to.be.at.least(2);
    await sleep(2_500); // the scenario: a few more scheduled slots pass
    const elapsedS = (Date.now() - t0) / 1000;
    const runs = lines(join(dir, 'runs')).map(Number);
    // Catch-up would have run about one call per elapsed second; coalescing skips at least two slots.
    // Slots fired since creation: at most floor(elapsed) + 1; the overrun skipped at least two of them.
    expect(runs.length, `runs ${runs.join(',')} in ${elapsedS.toFixed(1)} s`).to.be.at.most(Math.floor(elapsedS) + 1 - 2);
    expect(runs.length, `runs ${runs.join(',')}`).to.be.at.most(runs[runs.length - 1]! - runs[0]! + 1 - 2);
    expect(new Set(runs).size, 'each slot runs at most once').to.equal(runs.length);
    const gaps = runs.slice(1).map((t, i) => t - runs[i]!);
    expect(Math.max(...gaps), `call_times ${runs.join(',')}`).to.be.at.least(3);
    expect(gaps.every((g) => g >= 1)).to.equal(true);
  });

  describe('hot reload without restarting the trigger', () => {
    const requestPlugin = (version: string) =>
      `def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):\n    return {"version": "${version}"}\n`;

    it('a single-file request plugin uses an edited file at the next call; delete → Plugin not found; restore → works', async () => {
      writeFileSync(join(pluginDir, 'hot_request.py'), requestPlugin('v1'));
      await createDb('hotdb');
      await createTrigger({ db: 'hotdb', trigger_name: 'hot_request', plugin_filename: 'hot_request.py', trigger_specification: 'request:hot' });
      let r = await engine('hot');
      expect(r.status, r.text).to.equal(200);
      expect(JSON.parse(r.text)).to.deep.equal({ version: 'v1' });

      writeFileSync(join(pluginDir, 'hot_request.py'), requestPlugin('v2'));
      r = await engine('hot');
      expect(JSON.parse(r.text)).to.deep.equal({ version: 'v2' });

      unlinkSync(join(pluginDir, 'hot_request.py'));
      r = await engine('hot');
      expect(r.status).to.equal(500);
      expect(r.text).to.include('Plugin not found');

      writeFileSync(join(pluginDir, 'hot_request.py'), requestPlugin('v3'));
      r = await engine('hot');
      expect(r.status, r.text).to.equal(200);
      expect(JSON.parse(r.text)).to.deep.equal({ version: 'v3' });
    });

    it('a single-file WAL plugin uses an edited file at the next batch', async () => {
      const walPlugin = (version: string) =>
        'def process_writes(influxdb3_local, table_batches, args=None):\n' +
        '    for b in table_batches:\n' +
        '        for row in b["rows"]:\n' +
        `            influxdb3_local.write_to_db("hotout", LineBuilder("seen").tag("version", "${version}").int64_field("v", row["v"]).time_ns(row["time"]))\n`;
      writeFileSync(join(pluginDir, 'hot_wal.py'), walPlugin('v1'));
      await createDb('hotwal');
      await createTrigger({ db: 'hotwal', trigger_name: 'hot_wal', plugin_filename: 'hot_wal.py', trigger_specification: 'table:m' });
      await write('hotwal', 'm v=1i 1');
      expect(await pollFor(async () => (await count('hotout', 'seen', `version = 'v1'`)) === 1, Boolean, { timeoutMs: 10_000 })).to.equal(true);
      writeFileSync(join(pluginDir, 'hot_wal.py'), walPlugin('v2'));
      await write('hotwal', 'm v=2i 2');
      expect(await pollFor(async () => (await count('hotout', 'seen', `version = 'v2'`)) === 1, Boolean, { timeoutMs: 10_000 })).to.equal(true);
      expect(await count('hotout', 'seen')).to.equal(2);

      // Deleted: the next batch fails with `Plugin not found` (logged); restored: the next batch runs again.
      unlinkSync(join(pluginDir, 'hot_wal.py'));
      await write('hotwal', 'm v=3i 3');
      const notFound = () => logged(/Plugin not found/).filter((l) => l.includes('hot_wal'));
      expect(await pollFor(() => notFound().length > 0, Boolean, { timeoutMs: 10_000 }), 'Plugin not found logged').to.equal(true);
      expect(notFound()[0]).to.match(/"level":50.*error executing wal plugin: Plugin not found/);
      writeFileSync(join(pluginDir, 'hot_wal.py'), walPlugin('v3'));
      await write('hotwal', 'm v=4i 4');
      expect(await pollFor(async () => (await count('hotout', 'seen', `version = 'v3'`)) === 1, Boolean, { timeoutMs: 10_000 })).to.equal(true);
      const rows = await query('hotout', 'SELECT version, v FROM seen ORDER BY time');
      expect(rows.map((r) => `${r.version}:${r.v}`)).to.deep.equal(['v1:1', 'v2:2', 'v3:4']);
    });

    it('a package plugin picks up an edit to a module it imports (helper.py)', async () => {
      const pkg = join(pluginDir, 'hotpkg');
      mkdirSync(pkg, { recursive: true });
      writeFileSync(
        join(pkg, '__init__.py'),
        'from .helper import VALUE\n\n\ndef process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):\n    return {"value": VALUE}\n',
      );
      writeFileSync(join(pkg, 'helper.py'), 'VALUE = "first"\n');
      await createDb('hotpkgdb');
      await createTrigger({ db: 'hotpkgdb', trigger_name: 'hot_pkg', plugin_filename: 'hotpkg', trigger_specification: 'request:hotpkg' });
      let r = await engine('hotpkg');
      expect(r.status, r.text).to.equal(200);
      expect(JSON.parse(r.text)).to.deep.equal({ value: 'first' });
      writeFileSync(join(pkg, 'helper.py'), 'VALUE = "second"\n');
      r = await engine('hotpkg');
      expect(r.status, r.text).to.equal(200);
      expect(JSON.parse(r.text)).to.deep.equal({ value: 'second' });
    });
  });

  it('a database soft delete stops its WAL, schedule and request triggers; other databases go on', async function () {
    this.timeout(45_000);
    await createDb('gone');
    await createDb('stays');
    await createTrigger({ db: 'gone', trigger_name: 'gone_wal', plugin_filename: 'echo.py', trigger_specification: 'all_tables', args: { out_db: 'sd_out', tag: 'gone' } });
    await createTrigger({ db: 'gone', trigger_name: 'gone_tick', plugin_filename: 'ticker.py', trigger_specification: 'every:1s', args: { out_db: 'sd_out', tag: 'gone' } });
    await createTrigger({ db: 'gone', trigger_name: 'gone_req', plugin_filename: 'hello_request.py', trigger_specification: 'request:gone_req', args: { name: 'gone' } });
    await createTrigger({ db: 'stays', trigger_name: 'stays_tick', plugin_filename: 'ticker.py', trigger_specification: 'every:1s', args: { out_db: 'sd_out', tag: 'stays' } });
    await createTrigger({ db: 'stays', trigger_name: 'stays_req', plugin_filename: 'hello_request.py', trigger_specification: 'request:stays_req', args: { name: 'stays' } });
    await createTrigger({ db: 'gone', trigger_name: 'gone_cache', plugin_filename: 'cache_once.py', trigger_specification: 'every:1s' });
    await createTrigger({ db: 'stays', trigger_name: 'stays_cache', plugin_filename: 'cache_once.py', trigger_specification: 'every:1s' });
    const ticks = (src: string) => count('sd_out', 'tick', `src = '${src}'`);
    expect(await pollFor(() => cacheFile('gone', 'gone_cache') && cacheFile('stays', 'stays_cache'), Boolean, { timeoutMs: 10_000 }), 'caches persisted').to.equal(true);

    await write('gone', 'm v=1i 1');
    // Only rows of table m: gone_cache writes a cache_test row into 'gone' too, which gone_wal echoes whenever it lands.
    const echoesOfM = () => count('sd_out', 'echo', `src = 'gone' AND tbl = 'm'`);
    expect(await pollFor(async () => (await echoesOfM()) === 1, Boolean, { timeoutMs: 10_000 }), 'WAL trigger ran').to.equal(true);
    expect(await pollFor(async () => (await ticks('gone')) >= 1 && (await ticks('stays')) >= 1, Boolean, { timeoutMs: 10_000 }), 'schedules ran').to.equal(true);
    expect((await engine('gone_req')).status).to.equal(200);

    const del = await request('DELETE', '/api/v3/configure/database?db=gone');
    expect(del.status, del.text).to.equal(200);
    await sleep(1_000); // a run in flight at the delete may still land
    const goneTicks = await ticks('gone');
    const staysTicks = await ticks('stays');

    const req = await engine('gone_req');
    expect(req.status, req.text).to.equal(404);
    const stays = await engine('stays_req');
    expect(stays.status, stays.text).to.equal(200);
    expect(JSON.parse(stays.text)).to.deep.equal({ ok: true, name: 'stays' });

    // A database of the same name is a new one, without the old triggers.
    const res = await fetch(`${s.url}/api/v3/write_lp?db=gone`, { method: 'POST', body: 'm v=2i 2' });
    await res.text();
    await sleep(2_500); // the scenario: a few ticks and flush intervals pass
    expect(await ticks('gone'), 'the deleted database schedule stopped').to.equal(goneTicks);
    expect(await ticks('stays'), 'the other database schedule goes on').to.be.above(staysTicks);
    expect(await echoesOfM(), 'the WAL trigger stopped').to.equal(1);
    for (const name of ['gone_wal', 'gone_tick', 'gone_req']) {
      expect(catalogTrigger(name), name).to.include({ disabled: true });
    }
    expect(catalogTrigger('stays_tick')).to.include({ disabled: false });
    expect(cacheFile('gone', 'gone_cache'), 'the deleted database trigger cache is gone').to.equal(false);
    expect(cacheFile('stays', 'stays_cache'), 'the other database cache survives').to.equal(true);
    expect(await count('stays', 'cache_test'), 'and is still in use (no second row)').to.equal(1);
    // The deleted database's triggers cannot be deleted through its name any more; only the others.
    created = created.filter((t) => t.db !== 'gone');
  });

  it('a request pipelined behind one that hits the timeout is answered by the restarted runner, not failed with it', async () => {
    await createDb('pipedb');
    const r = await request('POST', '/api/v3/configure/processing_engine_trigger', {
      db: 'pipedb',
      plugin_filename: 'slow_request.py',
      trigger_name: 'pipe_req',
      trigger_specification: 'request:pipe_req',
      trigger_settings: { run_async: false, error_behavior: 'log', timeout: '1s' },
      trigger_arguments: null,
      disabled: false,
    });
    expect(r.status, r.text).to.equal(200);
    created.push({ db: 'pipedb', name: 'pipe_req' });
    const first = await engine('pipe_req');
    expect(first.status, first.text).to.equal(200);
    // Sent together: the second is already in the runner's queue when the first is killed at the 1 s limit.
    const [slow, quick] = await Promise.all([engine('pipe_req?sleep=30'), engine('pipe_req')]);
    expect(slow.status).to.equal(500);
    expect(slow.text).to.include('timed out after 1000 ms');
    expect(quick.status, quick.text).to.equal(200);
    expect(JSON.parse(quick.text).runner, 'served by the new runner').to.not.equal(JSON.parse(first.text).runner);
  });

  it('a plugin that kills its runner on every call is disabled with a reason after the restart limit', async function () {
    this.timeout(30_000);
    await createDb('crashdb');
    const t0 = Date.now();
    await createTrigger({ db: 'crashdb', trigger_name: 'crasher', plugin_filename: 'crash.py', trigger_specification: 'every:1s' });
    // 5 restarts with backoff 250 ms × 2^n (±20 %) ≈ 8 s, then the sixth death disables the trigger (≈ 11 s here;
    // the deadline leaves room for a loaded machine).
    const disabled = await pollFor(() => catalogTrigger('crasher')?.disabled === true, Boolean, { timeoutMs: 20_000, intervalMs: 200 });
    expect(disabled, `disabled within 20 s (waited ${Date.now() - t0} ms)`).to.equal(true);
    expect(catalogTrigger('crasher').disabled_reason).to.match(/^plugin runner failed repeatedly: 6 failures within 60 s; last: /);
    expect(logged(/plugin runner restarted/).filter((l) => l.includes('crasher'))).to.have.length(5);
    // Disabled: no runner restarts any more.
    const restarts = logged(/plugin runner died; restarting/).length;
    await sleep(1_500); // the scenario: no restart happens while disabled
    expect(logged(/plugin runner died; restarting/).length).to.equal(restarts);
  });
});
