import { expect } from 'chai';
import { ENGINE_SYSTEM_TABLES, engineSystemTables, type EngineSystemTablesDeps } from '../../../src/engine/system-tables/engine-system-tables.js';
import { PluginLogStore } from '../../../src/engine/plugin-logs/plugin-log-store.js';
import { emptyExecutionStats, type ExecutionStats } from '../../../src/engine/runners/runner-metrics.js';
import type { Trigger } from '../../../src/storage/catalog/catalog-resources.js';
import type { TriggerRuntimeView } from '../../../src/engine/triggers/trigger-runtime-view.js';
import { triggerRecord } from '../trigger-fixtures.js';
import { parseTriggerSpec, type TriggerSpec } from '../../../src/engine/triggers/trigger-spec.js';
import { SystemTableRegistry } from '../../../src/storage/query/system-table-registry.js';
import type { VirtualTable } from '../../../src/storage/query/system-tables.js';
import { FakeClock } from '../fake-clock.js';


const specOf = (r: Trigger): TriggerSpec | null => {
  try {
    return parseTriggerSpec(r.specification);
  } catch {
    return null;
  }
};

const view = (r: Trigger, over: Partial<TriggerRuntimeView> = {}): TriggerRuntimeView => ({
  record: r,
  spec: specOf(r),
  state: r.disabled ? 'disabled' : 'running',
  reason: null,
  queued: 0,
  dropped: 0,
  ...over,
});

const stats = (over: Partial<ExecutionStats>): ExecutionStats => ({ ...emptyExecutionStats(), ...over });

// Rows as objects keyed by column name, for readable assertions.
const objects = (t: VirtualTable | undefined): Array<Record<string, unknown>> =>
  t!.rows.map((row) => Object.fromEntries(t!.columns.map((c, i) => [c.name, row[i]])));

describe('engine/system-tables/engine-system-tables', () => {
  const clock = new FakeClock();
  const wal = triggerRecord({ id: 1, name: 'wal_t', arguments: { b: '2', a: '1' } });
  const table = triggerRecord({
    id: 2,
    name: 'cpu_t',
    pluginFilename: 'gh:examples/cpu.py',
    specification: 'table:cpu',
    settings: { runAsync: true, errorBehavior: 'disable' },
    arguments: {},
    disabled: true,
    disabledReason: 'error_behavior=disable: ValueError: boom',
  });
  const every = triggerRecord({ id: 3, name: 'every_t', specification: 'every:1m 30s', settings: { runAsync: false, errorBehavior: 'retry' } });
  const cron = triggerRecord({ id: 4, name: 'cron_t', specification: 'cron:0 0 * * * *', nodeSpec: { nodes: ['proc-1', 'proc-2'] } });
  const req = triggerRecord({ id: 5, name: 'req_t', specification: 'request:hook', databaseName: 'other', databaseId: 2 });
  const byDb: Record<string, TriggerRuntimeView[]> = {
    db: [
      view(wal, { queued: 3, dropped: 1 }),
      view(table),
      view(every, { state: 'failed', reason: 'cannot start runner: plugin not found' }),
      view(cron, { state: 'starting' }),
    ],
    other: [view(req)],
  };
  const logs = new PluginLogStore({ clock, capacity: 10 });
  logs.add('db', 'wal_t', 'INFO', 'starting execution of wal plugin.');
  logs.add('other', 'req_t', 'WARN', 'elsewhere');
  logs.add('db', 'cpu_t', 'ERROR', 'boom');
  let triggerCalls = 0;
  const deps: EngineSystemTablesDeps = {
    triggers: (db) => {
      triggerCalls++;
      return db === null ? Object.values(byDb).flat() : (byDb[db] ?? []);
    },
    logs,
    stats: (r) =>
      r.name === 'wal_t'
        ? stats({
            calls: 10,
            errors: 2,
            timeouts: 1,
            memoryKills: 1,
            restarts: 3,
            p50Ms: 1.5,
            p99Ms: 12.25,
            lastError: 'ValueError: boom',
            lastErrorTraceback: 'Traceback (most recent call last):\n  File "p.py", line 3\nValueError: boom\n',
            lastErrorAt: 1_700_000_000_123,
            sandbox: 'bwrap,userns,cgroup,rlimits',
            lastKillReason: 'memory: plugin runner exceeded the memory limit',
            rssBytes: 12_345_678,
          })
        : undefined,
  };
  const provide = engineSystemTables(deps);

  it('serves its tables for any database, none of the others, and lists them for SHOW TABLES', () => {
    const registry = new SystemTableRegistry();
    registry.add(provide, ENGINE_SYSTEM_TABLES);
    for (const name of ENGINE_SYSTEM_TABLES) {
      expect(provide('db', name), name).to.not.equal(undefined);
      expect(provide('empty', name)!.rows, name).to.deep.equal([]);
      expect(registry.names('db')).to.include(name);
    }
    expect(provide('db', 'queries')).to.equal(undefined);
    expect(provide('db', 'constructor')).to.equal(undefined);
  });

  it('computes rows only when they are read, once per materialisation', () => {
    const before = triggerCalls;
    const t = provide('db', 'processing_engine_triggers')!;
    expect(triggerCalls).to.equal(before);
    expect(t.rows.length).to.equal(4);
    expect(t.rows.length).to.equal(4);
    expect(triggerCalls).to.equal(before + 1);
  });

  it('processing_engine_triggers: upstream columns first, spec as serde JSON, then ours', () => {
    const t = provide('db', 'processing_engine_triggers')!;
    expect(t.columns).to.deep.equal([
      { name: 'trigger_name', type: 'Utf8' },
      { name: 'plugin_filename', type: 'Utf8' },
      { name: 'trigger_specification', type: 'Utf8' },
      { name: 'disabled', type: 'Boolean' },
      { name: 'error_behavior', type: 'Utf8' },
      { name: 'run_async', type: 'Boolean' },
      { name: 'state', type: 'Utf8' },
      { name: 'disabled_reason', type: 'Utf8' },
      { name: 'plugin_version', type: 'Utf8' },
      { name: 'database_name', type: 'Utf8' },
      { name: 'node_spec', type: 'Utf8' },
    ]);
    expect(t.rows).to.deep.equal([
      ['wal_t', 'p.py', '"all_tables_wal_write"', false, 'log', false, 'running', null, null, 'db', 'all'],
      ['cpu_t', 'gh:examples/cpu.py', '{"single_table_wal_write":{"table_name":"cpu"}}', true, 'disable', true, 'disabled', 'error_behavior=disable: ValueError: boom', null, 'db', 'all'],
      ['every_t', 'p.py', '{"every":{"duration":{"secs":90,"nanos":0}}}', false, 'retry', false, 'failed', 'cannot start runner: plugin not found', null, 'db', 'all'],
      ['cron_t', 'p.py', '{"schedule":{"schedule":"0 0 * * * *"}}', false, 'log', false, 'starting', null, null, 'db', 'nodes:proc-1,proc-2'],
    ]);
    expect(provide('other', 'processing_engine_triggers')!.rows[0]!.slice(0, 3)).to.deep.equal(['req_t', 'p.py', '{"request_path":{"path":"hook"}}']);
  });

  it('processing_engine_trigger_arguments: one row per argument, none for null or empty arguments', () => {
    const t = provide('db', 'processing_engine_trigger_arguments')!;
    expect(t.columns.map((c) => `${c.name}:${c.type}`)).to.deep.equal(['trigger_name:Utf8', 'argument_key:Utf8', 'argument_value:Utf8', 'database_name:Utf8']);
    expect(t.rows).to.deep.equal([
      ['wal_t', 'a', '1', 'db'],
      ['wal_t', 'b', '2', 'db'],
    ]);
    expect(provide('other', 'processing_engine_trigger_arguments')!.rows).to.deep.equal([]);
  });

  it('processing_engine_logs: only this database\'s entries, oldest first, ns bigint times', () => {
    const t = provide('db', 'processing_engine_logs')!;
    expect(t.columns).to.deep.equal([
      { name: 'event_time', type: 'Timestamp(Nanosecond, None)' },
      { name: 'trigger_name', type: 'Utf8' },
      { name: 'log_level', type: 'Utf8' },
      { name: 'log_text', type: 'Utf8' },
      { name: 'database_name', type: 'Utf8' },
    ]);
    expect(t.rows).to.deep.equal([
      [clock.nowNs(), 'wal_t', 'INFO', 'starting execution of wal plugin.', 'db'],
      [clock.nowNs(), 'cpu_t', 'ERROR', 'boom', 'db'],
    ]);
    expect(typeof t.rows[0]![0]).to.equal('bigint');
    expect(objects(provide('other', 'processing_engine_logs'))).to.deep.equal([
      { event_time: clock.nowNs(), trigger_name: 'req_t', log_level: 'WARN', log_text: 'elsewhere', database_name: 'other' },
    ]);
  });

  it('in _internal: every database\'s triggers, arguments, logs and stats, each row naming its database', () => {
    const logsRows = provide('_internal', 'processing_engine_logs')!.rows;
    expect(logsRows.map((r) => [r[1], r[4]])).to.deep.equal([
      ['wal_t', 'db'],
      ['req_t', 'other'],
      ['cpu_t', 'db'],
    ]);
    const triggers = provide('_internal', 'processing_engine_triggers')!.rows;
    expect(triggers.map((r) => [r[0], r[9]])).to.deep.equal([
      ['wal_t', 'db'],
      ['cpu_t', 'db'],
      ['every_t', 'db'],
      ['cron_t', 'db'],
      ['req_t', 'other'],
    ]);
    expect(provide('_internal', 'processing_engine_trigger_arguments')!.rows).to.have.length(2);
    expect(provide('_internal', 'processing_engine_trigger_stats')!.rows.map((r) => r.at(-1))).to.deep.equal(['db', 'db', 'db', 'db', 'other']);
  });

  it('processing_engine_trigger_stats: counters, percentiles, last error with traceback, queue facts', () => {
    const t = provide('db', 'processing_engine_trigger_stats')!;
    expect(t.columns.map((c) => `${c.name}:${c.type}`)).to.deep.equal([
      'trigger_name:Utf8',
      'state:Utf8',
      'calls:Int64',
      'errors:Int64',
      'timeouts:Int64',
      'memory_kills:Int64',
      'restarts:Int64',
      'p50_ms:Float64',
      'p99_ms:Float64',
      'last_error:Utf8',
      'last_error_time:Timestamp(Nanosecond, None)',
      'runner_rss_bytes:Int64',
      'queued:Int64',
      'dropped:Int64',
      'sandbox:Utf8',
      'last_kill_reason:Utf8',
      'database_name:Utf8',
    ]);
    const [walRow, cpuRow] = objects(t);
    expect(walRow).to.deep.equal({
      trigger_name: 'wal_t',
      state: 'running',
      calls: 10,
      errors: 2,
      timeouts: 1,
      memory_kills: 1,
      restarts: 3,
      p50_ms: 1.5,
      p99_ms: 12.25,
      last_error: 'ValueError: boom\nTraceback (most recent call last):\n  File "p.py", line 3\nValueError: boom',
      last_error_time: 1_700_000_000_123_000_000n,
      runner_rss_bytes: 12_345_678,
      queued: 3,
      dropped: 1,
      sandbox: 'bwrap,userns,cgroup,rlimits',
      last_kill_reason: 'memory: plugin runner exceeded the memory limit',
      database_name: 'db',
    });
    expect(cpuRow).to.deep.equal({
      trigger_name: 'cpu_t',
      state: 'disabled',
      calls: 0,
      errors: 0,
      timeouts: 0,
      memory_kills: 0,
      restarts: 0,
      p50_ms: null,
      p99_ms: null,
      last_error: null,
      last_error_time: null,
      runner_rss_bytes: null,
      queued: 0,
      dropped: 0,
      sandbox: null,
      last_kill_reason: null,
      database_name: 'db',
    });
  });

  it('shows a spec it cannot parse as a JSON string rather than failing the query', () => {
    const odd = engineSystemTables({ ...deps, triggers: () => [view(triggerRecord({ specification: 'bogus:x' }))] });
    expect(odd('db', 'processing_engine_triggers')!.rows[0]![2]).to.equal('"bogus:x"');
  });

  it('lists each trigger\'s last hour of calls and errors per minute, and nothing when no activity is kept', () => {
    const minute = 1_700_000_040_000;
    const withActivity = engineSystemTables({
      ...deps,
      triggers: () => [view(wal)],
      activity: (r) => [{ minuteMs: minute, calls: r.name === 'wal_t' ? 7 : 0, errors: 2 }],
    });
    expect(objects(withActivity('db', 'processing_engine_trigger_activity'))).to.deep.equal([
      { trigger_name: 'wal_t', minute: BigInt(minute) * 1_000_000n, calls: 7, errors: 2, database_name: 'db' },
    ]);
    expect(provide('db', 'processing_engine_trigger_activity')!.rows).to.deep.equal([]);
  });
});
