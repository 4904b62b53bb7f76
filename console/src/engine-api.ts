// The Processing Engine's data for the console, read from the engine's system tables through the query API (and the
// trigger create call): every trigger's definition, counters and last hour, one trigger's arguments and log.
import { call, query, type Row } from './api.js';
import { parseTimestamp } from './engine-format.js';
import type { LogLine } from './log-lines.js';
import { specWords } from './trigger-spec.js';

export interface ActivityPoint {
  minuteMs: number;
  calls: number;
  errors: number;
}

export interface TriggerStatus {
  database: string;
  name: string;
  plugin: string;
  pluginVersion: string | null;
  spec: string;
  disabled: boolean;
  errorBehavior: string;
  runAsync: boolean;
  state: string;
  reason: string | null;
  calls: number;
  errors: number;
  timeouts: number;
  memoryKills: number;
  restarts: number;
  p50Ms: number | null;
  p99Ms: number | null;
  queued: number;
  dropped: number;
  rssBytes: number | null;
  sandbox: string | null;
  lastError: string | null;
  lastErrorAtMs: number | null;
  activity: ActivityPoint[];
}

// A SQL string literal.
export const sqlText = (s: string): string => `'${s.replace(/'/g, "''")}'`;

const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));
const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const keyOf = (r: Row): string => `${String(r.database_name)}\u0000${String(r.trigger_name)}`;

// Triggers of `db` (`_internal`: every database's, for an admin token), or the one named, with counters and activity.
export async function triggerStatuses(db: string, only?: string): Promise<TriggerStatus[]> {
  const where = only === undefined ? '' : ` WHERE trigger_name = ${sqlText(only)}`;
  const [triggers, stats, activity] = await Promise.all([
    query(db, `SELECT * FROM system.processing_engine_triggers${where}`),
    query(db, `SELECT * FROM system.processing_engine_trigger_stats${where}`),
    // Servers before the activity table answer an error: the list goes on without sparklines.
    query(db, `SELECT trigger_name, database_name, minute, calls, errors FROM system.processing_engine_trigger_activity${where} ORDER BY minute`).catch(() => [] as Row[]),
  ]);
  const statsByKey = new Map(stats.map((r) => [keyOf(r), r]));
  const activityByKey = new Map<string, ActivityPoint[]>();
  for (const r of activity) {
    const list = activityByKey.get(keyOf(r)) ?? [];
    list.push({ minuteMs: parseTimestamp(r.minute) ?? 0, calls: Number(r.calls), errors: Number(r.errors) });
    activityByKey.set(keyOf(r), list);
  }
  return triggers.map((t) => {
    const s = statsByKey.get(keyOf(t)) ?? {};
    return {
      database: String(t.database_name),
      name: String(t.trigger_name),
      plugin: String(t.plugin_filename),
      pluginVersion: text(t.plugin_version),
      spec: specWords(String(t.trigger_specification)),
      disabled: t.disabled === true,
      errorBehavior: String(t.error_behavior),
      runAsync: t.run_async === true,
      state: String(t.state),
      reason: text(t.disabled_reason),
      calls: num(s.calls) ?? 0,
      errors: num(s.errors) ?? 0,
      timeouts: num(s.timeouts) ?? 0,
      memoryKills: num(s.memory_kills) ?? 0,
      restarts: num(s.restarts) ?? 0,
      p50Ms: num(s.p50_ms),
      p99Ms: num(s.p99_ms),
      queued: num(s.queued) ?? 0,
      dropped: num(s.dropped) ?? 0,
      rssBytes: num(s.runner_rss_bytes),
      sandbox: text(s.sandbox),
      lastError: text(s.last_error),
      lastErrorAtMs: parseTimestamp(s.last_error_time),
      activity: activityByKey.get(keyOf(t)) ?? [],
    };
  }).sort((a, b) => a.database.localeCompare(b.database) || a.name.localeCompare(b.name));
}

export async function triggerArguments(db: string, name: string): Promise<Array<[string, string]>> {
  const rows = await query(db, `SELECT argument_key, argument_value FROM system.processing_engine_trigger_arguments WHERE trigger_name = ${sqlText(name)} ORDER BY argument_key`);
  return rows.map((r) => [String(r.argument_key), String(r.argument_value ?? '')]);
}

// The trigger's log rows oldest first: the newest `limit`, or those from `since` on (the instant included).
export async function triggerLog(db: string, name: string, since: string | null, limit: number): Promise<LogLine[]> {
  const who = `trigger_name = ${sqlText(name)}`;
  const q = since === null
    ? `SELECT event_time, log_level, log_text FROM system.processing_engine_logs WHERE ${who} ORDER BY event_time DESC LIMIT ${limit}`
    : `SELECT event_time, log_level, log_text FROM system.processing_engine_logs WHERE ${who} AND event_time >= ${sqlText(since)} ORDER BY event_time LIMIT ${limit}`;
  const rows = (await query(db, q)).map((r) => ({ time: String(r.event_time), level: String(r.log_level), text: String(r.log_text) }));
  return since === null ? rows.reverse() : rows;
}

// Plugin names the server knows (system.plugins of `_internal`: admin tokens only; [] otherwise).
export async function knownPlugins(): Promise<string[]> {
  try {
    return (await query('_internal', 'SELECT plugin_name FROM system.plugins ORDER BY plugin_name')).map((r) => String(r.plugin_name));
  } catch {
    return [];
  }
}

export async function tableNames(db: string): Promise<string[]> {
  const rows = await query(db, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'iox' ORDER BY table_name");
  return rows.map((r) => String(r.table_name));
}

export interface NewTrigger {
  db: string;
  name: string;
  plugin: string;
  spec: string;
  arguments: Array<[string, string]>;
  errorBehavior: 'log' | 'retry' | 'disable';
  runAsync: boolean;
  disabled: boolean;
}

// The body the CLI sends; arguments with an empty key are left out, none at all is null (as the CLI).
export function createTriggerBody(t: NewTrigger): Record<string, unknown> {
  const args = t.arguments.filter(([k]) => k.trim() !== '');
  return {
    db: t.db,
    trigger_name: t.name,
    plugin_filename: t.plugin,
    trigger_specification: t.spec,
    trigger_arguments: args.length === 0 ? null : Object.fromEntries(args.map(([k, v]) => [k.trim(), v])),
    trigger_settings: { run_async: t.runAsync, error_behavior: t.errorBehavior },
    disabled: t.disabled,
  };
}

export async function createTrigger(t: NewTrigger): Promise<void> {
  await call('/api/v3/configure/processing_engine_trigger', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(createTriggerBody(t)),
  });
}
