import { INTERNAL_DB } from '../../storage/catalog/names.js';
import { lazyTable, virtualColumns, type SystemTableProvider, type VirtualTable } from '../../storage/query/system-tables.js';
import type { PluginLogStore } from '../plugin-logs/plugin-log-store.js';
import type { ExecutionStats } from '../runners/runner-metrics.js';
import type { ActivityMinute } from '../runners/trigger-activity.js';
import type { Trigger } from '../../storage/catalog/catalog-resources.js';
import type { TriggerRuntimeView } from '../triggers/trigger-runtime-view.js';
import { specToSerdeJson } from '../triggers/trigger-spec.js';
import { nodeSpecText } from '../triggers/node-spec.js';

// What the engine's system tables read; the trigger manager supplies it (all cheap, in-memory lookups).
export interface EngineSystemTablesDeps {
  // The database's triggers with their live state, in the order the tables should list them; null: every database's.
  triggers(db: string | null): TriggerRuntimeView[];
  logs: PluginLogStore;
  // The trigger's runner stats (RunnerMetrics.statsOf of its runner name), undefined before it ever ran.
  stats(record: Trigger): ExecutionStats | undefined;
  // The trigger's calls and errors per minute over the last hour, oldest first; absent: no activity is kept.
  activity?(record: Trigger): ActivityMinute[];
}

type Columns = VirtualTable['columns'];

const cols = virtualColumns;

// Upstream's columns first, then ours.
const TRIGGER_COLUMNS = cols(
  ['trigger_name', 'Utf8'],
  ['plugin_filename', 'Utf8'],
  ['trigger_specification', 'Utf8'],
  ['disabled', 'Boolean'],
  ['error_behavior', 'Utf8'],
  ['run_async', 'Boolean'],
  ['state', 'Utf8'],
  ['disabled_reason', 'Utf8'],
  ['plugin_version', 'Utf8'],
  ['database_name', 'Utf8'],
  ['node_spec', 'Utf8'],
);

const ARGUMENT_COLUMNS = cols(['trigger_name', 'Utf8'], ['argument_key', 'Utf8'], ['argument_value', 'Utf8'], ['database_name', 'Utf8']);

const LOG_COLUMNS = cols(
  ['event_time', 'Timestamp(Nanosecond, None)'],
  ['trigger_name', 'Utf8'],
  ['log_level', 'Utf8'],
  ['log_text', 'Utf8'],
  ['database_name', 'Utf8'],
);

// Beyond upstream: per-trigger execution facts (RunnerMetrics) and queue state.
const STATS_COLUMNS = cols(
  ['trigger_name', 'Utf8'],
  ['state', 'Utf8'],
  ['calls', 'Int64'],
  ['errors', 'Int64'],
  ['timeouts', 'Int64'],
  ['memory_kills', 'Int64'],
  ['restarts', 'Int64'],
  ['p50_ms', 'Float64'],
  ['p99_ms', 'Float64'],
  ['last_error', 'Utf8'],
  ['last_error_time', 'Timestamp(Nanosecond, None)'],
  ['runner_rss_bytes', 'Int64'],
  ['queued', 'Int64'],
  ['dropped', 'Int64'],
  ['sandbox', 'Utf8'],
  ['last_kill_reason', 'Utf8'],
  ['database_name', 'Utf8'],
);

// Beyond upstream: per-minute calls and errors over the last hour (the console's sparklines).
const ACTIVITY_COLUMNS = cols(
  ['trigger_name', 'Utf8'],
  ['minute', 'Timestamp(Nanosecond, None)'],
  ['calls', 'Int64'],
  ['errors', 'Int64'],
  ['database_name', 'Utf8'],
);

// The table names this provider serves (each database has all of them, empty when it has no triggers).
export const ENGINE_SYSTEM_TABLES = [
  'processing_engine_triggers',
  'processing_engine_trigger_arguments',
  'processing_engine_logs',
  'processing_engine_trigger_stats',
  'processing_engine_trigger_activity',
] as const;

// null: every database (the tables as `_internal` shows them).
type Rows = (deps: EngineSystemTablesDeps, db: string | null) => unknown[][];

const TABLES: Record<(typeof ENGINE_SYSTEM_TABLES)[number], { columns: Columns; rows: Rows }> = {
  processing_engine_triggers: { columns: TRIGGER_COLUMNS, rows: triggerRows },
  processing_engine_trigger_arguments: { columns: ARGUMENT_COLUMNS, rows: argumentRows },
  processing_engine_logs: { columns: LOG_COLUMNS, rows: logRows },
  processing_engine_trigger_stats: { columns: STATS_COLUMNS, rows: statsRows },
  processing_engine_trigger_activity: { columns: ACTIVITY_COLUMNS, rows: activityRows },
};

// system.processing_engine_* for a database, to add to the SystemTableRegistry: a database shows its own triggers,
// `_internal` every database's (as upstream's plugin READMEs query it). Rows are computed only when read, so probing
// a name (SHOW TABLES, information_schema) costs nothing.
export function engineSystemTables(deps: EngineSystemTablesDeps): SystemTableProvider {
  return (db, table) => {
    const def = Object.hasOwn(TABLES, table) ? TABLES[table as keyof typeof TABLES] : undefined;
    return def ? lazyTable(def.columns, () => def.rows(deps, db === INTERNAL_DB ? null : db)) : undefined;
  };
}

function triggerRows(deps: EngineSystemTablesDeps, db: string | null): unknown[][] {
  return deps.triggers(db).map(({ record: r, spec, state, reason, pluginVersion }) => [
    r.name,
    r.pluginFilename,
    // A spec that does not parse (a hand-edited catalog) shows as a JSON string rather than failing the query.
    spec ? specToSerdeJson(spec) : JSON.stringify(r.specification),
    r.disabled,
    r.settings.errorBehavior,
    r.settings.runAsync,
    state,
    // Why it is not running: the live reason (failed, disabled by the engine), else what the catalog recorded.
    reason ?? r.disabledReason,
    pluginVersion ?? null,
    r.databaseName,
    nodeSpecText(r.nodeSpec),
  ]);
}

// Upstream keeps the arguments in a HashMap (no order); we list them by key so the output is stable.
function argumentRows(deps: EngineSystemTablesDeps, db: string | null): unknown[][] {
  const rows: unknown[][] = [];
  for (const { record: r } of deps.triggers(db)) {
    const args = r.arguments ?? {};
    for (const key of Object.keys(args).sort()) rows.push([r.name, key, args[key], r.databaseName]);
  }
  return rows;
}

// Upstream shows the one server-wide buffer in every database; we show each database only its own triggers' logs,
// and `_internal` all of them.
function logRows(deps: EngineSystemTablesDeps, db: string | null): unknown[][] {
  return deps.logs.entries(db === null ? {} : { database: db }).map((e) => [e.event_time, e.trigger_name, e.log_level, e.log_text, e.database]);
}

function statsRows(deps: EngineSystemTablesDeps, db: string | null): unknown[][] {
  return deps.triggers(db).map((view) => {
    const s = deps.stats(view.record);
    return [
      view.record.name,
      view.state,
      s?.calls ?? 0,
      s?.errors ?? 0,
      s?.timeouts ?? 0,
      s?.memoryKills ?? 0,
      s?.restarts ?? 0,
      s?.p50Ms ?? null,
      s?.p99Ms ?? null,
      lastError(s),
      s?.lastErrorAt == null ? null : BigInt(Math.trunc(s.lastErrorAt)) * 1_000_000n,
      s?.rssBytes ?? null,
      view.queued,
      view.dropped,
      s?.sandbox ?? null,
      s?.lastKillReason ?? null,
      view.record.databaseName,
    ];
  });
}

// 60 rows per trigger, by trigger then minute (minutes without calls included, so every series has the same x).
function activityRows(deps: EngineSystemTablesDeps, db: string | null): unknown[][] {
  const rows: unknown[][] = [];
  for (const { record: r } of deps.triggers(db)) {
    for (const m of deps.activity?.(r) ?? []) rows.push([r.name, BigInt(m.minuteMs) * 1_000_000n, m.calls, m.errors, r.databaseName]);
  }
  return rows;
}

function lastError(s: ExecutionStats | undefined): string | null {
  if (!s?.lastError) return null;
  const tb = s.lastErrorTraceback?.trimEnd();
  return tb ? `${s.lastError}\n${tb}` : s.lastError;
}

