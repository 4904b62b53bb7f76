import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { runnerPids, startPluginServer, type PluginServer } from '../fixtures/plugins/plugin-server.js';
import { fetchAnswer } from '../helpers/http.js';
import { pollFor, pollUntil } from '../helpers/poll.js';

const DB = 'idledb';
const PLUGIN = 'idle-runners/cache_counter.py';

// Whether a process still runs a plugin runner (false once it is gone, or its pid was reused by something else).
function isRunner(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('plugin_runner');
  } catch {
    return false;
  }
}

// Runner lifetime on demand (docs/processing-engine.md, "Idle runners"), on the real server with a 2 s idle timeout
// for every kind of trigger: the runner process leaves after the timeout, the next event starts a new one, the
// trigger's local cache is still there, and the trigger reads 'idle', not failed, with no restart counted.
// One trigger at a time, so the server's only runner is the trigger's.
describe('integration: idle plugin runners (stopped after the idle timeout, started on demand)', function () {
  this.timeout(120_000);
  let s: PluginServer;

  before(async () => {
    s = await startPluginServer({ args: ['--plugin-runner-idle-timeout', '2s', '--plugin-request-runner-idle-timeout', '2s'] });
    await s.write(DB, 'seed x=1i');
  });
  after(async () => {
    await s?.stop();
  });

  const create = async (name: string, spec: string) => {
    const r = await s.post('/api/v3/configure/processing_engine_trigger', {
      db: DB,
      plugin_filename: PLUGIN,
      trigger_name: name,
      trigger_specification: spec,
      trigger_settings: { run_async: false, error_behavior: 'log' },
      trigger_arguments: null,
      disabled: false,
    });
    expect(r.status, r.text).to.equal(200);
  };
  const remove = async (name: string) => {
    const r = await fetchAnswer(`${s.url}/api/v3/configure/processing_engine_trigger?db=${DB}&trigger_name=${name}&force=true`, { method: 'DELETE' });
    expect(r.status, r.text).to.equal(200);
    await pollFor(() => runnerPids(s.pluginDir), (pids) => pids.length === 0, { timeoutMs: 10_000 });
  };
  const row = async (name: string) => {
    const rows = await s.query(
      DB,
      `SELECT t.trigger_name, t.state, t.disabled, s.state AS stats_state, s.restarts
         FROM system.processing_engine_triggers t JOIN system.processing_engine_trigger_stats s USING (trigger_name)`,
    );
    return rows.find((r) => r.trigger_name === name) as Record<string, unknown> | undefined;
  };
  const counts = async (kind: string): Promise<number[]> => {
    const rows = await s.query(DB, `SELECT n FROM idle_out WHERE kind = '${kind}' ORDER BY n`).catch(() => []);
    return rows.map((r) => Number(r.n));
  };
  const oneRunner = () => pollUntil(() => (runnerPids(s.pluginDir).length === 1 ? runnerPids(s.pluginDir)[0] : undefined), 'one runner', { timeoutMs: 20_000 });
  // The trigger reads 'idle' and its runner process is gone.
  const goesIdle = async (name: string, pid: number) => {
    const idle = await pollFor(() => row(name), (r) => r?.state === 'idle', { timeoutMs: 20_000, intervalMs: 100 });
    expect(idle).to.include({ state: 'idle', stats_state: 'idle', disabled: false, restarts: 0 });
    const gone = await pollFor(() => isRunner(pid), (alive) => !alive, { timeoutMs: 10_000, intervalMs: 50 });
    expect(gone, `runner pid ${pid} still there`).to.equal(false);
    expect(runnerPids(s.pluginDir)).to.deep.equal([]);
  };
  const noWarnings = async (name: string) => {
    const logs = await s.query(DB, `SELECT log_level, log_text FROM system.processing_engine_logs WHERE trigger_name = '${name}'`);
    expect(logs.filter((l) => l.log_level !== 'INFO')).to.deep.equal([]);
  };

  it('WAL trigger: the runner leaves after the idle timeout; the next write starts a new one, which has the cache', async () => {
    await create('wal_idle', 'table:idle_in');
    const first = await oneRunner();
    await s.write(DB, 'idle_in v=1i');
    expect(await pollFor(() => counts('wal'), (n) => n.length === 1, { timeoutMs: 20_000 })).to.deep.equal([1]);
    await goesIdle('wal_idle', first);

    await s.write(DB, 'idle_in v=2i');
    expect(await pollFor(() => counts('wal'), (n) => n.length === 2, { timeoutMs: 20_000 }), 'the count went on from the cache').to.deep.equal([1, 2]);
    const second = await oneRunner();
    expect(second).to.not.equal(first);
    expect(await row('wal_idle')).to.include({ disabled: false, restarts: 0 });
    await noWarnings('wal_idle');
    await remove('wal_idle');
  });

  it('request trigger: the request after an idle stop waits for a new runner and is answered, with the cache', async () => {
    await create('req_idle', 'request:idle_hook');
    const first = await oneRunner();
    const a = await fetchAnswer(`${s.url}/api/v3/engine/idle_hook`);
    expect(a.status, a.text).to.equal(200);
    expect(JSON.parse(a.text)).to.deep.equal({ n: 1 });
    await goesIdle('req_idle', first);

    const b = await fetchAnswer(`${s.url}/api/v3/engine/idle_hook`);
    expect(b.status, b.text).to.equal(200);
    expect(JSON.parse(b.text), 'the count went on from the cache').to.deep.equal({ n: 2 });
    expect(await oneRunner()).to.not.equal(first);
    expect(await row('req_idle')).to.include({ state: 'running', restarts: 0 });
    await noWarnings('req_idle');
    await remove('req_idle');
  });

  it('schedule trigger firing less often than the idle timeout: stopped between runs, started again for the next', async () => {
    await create('sched_idle', 'every:15s');
    const first = await pollFor(() => counts('schedule'), (n) => n.length >= 1, { timeoutMs: 30_000 });
    expect(first).to.deep.equal([1]);
    const pid = await oneRunner();
    await goesIdle('sched_idle', pid);
    expect(await pollFor(() => counts('schedule'), (n) => n.length >= 2, { timeoutMs: 30_000 }), 'the count went on from the cache').to.deep.equal([1, 2]);
    expect(await row('sched_idle')).to.include({ disabled: false, restarts: 0 });
    await noWarnings('sched_idle');
    await remove('sched_idle');
  });
});
