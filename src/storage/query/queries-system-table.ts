import { INTERNAL_DB } from '../catalog/names.js';
import { lazyTable, virtualColumns, type SystemTableProvider } from './system-tables.js';
import type { QueryLog, QueryLogEntry } from './query-log.js';

export const QUERY_LOG_SYSTEM_TABLES = ['queries'] as const;

// Upstream's system.queries columns (durations as intervals), then ours: the database, rows returned, the error and
// the issuing token's name.
const COLUMNS = virtualColumns(
  ['id', 'Utf8'],
  ['phase', 'Utf8'],
  ['issue_time', 'Timestamp(Nanosecond, None)'],
  ['query_type', 'Utf8'],
  ['query_text', 'Utf8'],
  ['partitions', 'Int64'],
  ['parquet_files', 'Int64'],
  ['plan_duration', 'Interval(MonthDayNano)'],
  ['permit_duration', 'Interval(MonthDayNano)'],
  ['execute_duration', 'Interval(MonthDayNano)'],
  ['end2end_duration', 'Interval(MonthDayNano)'],
  ['compute_duration', 'Interval(MonthDayNano)'],
  ['max_memory', 'Int64'],
  ['success', 'Boolean'],
  ['running', 'Boolean'],
  ['cancelled', 'Boolean'],
  ['trace_id', 'Utf8'],
  ['database_name', 'Utf8'],
  ['rows', 'Int64'],
  ['error', 'Utf8'],
  ['token_name', 'Utf8'],
);

function rowOf(e: QueryLogEntry): unknown[] {
  const done = e.phase === 'success' || e.phase === 'fail' || e.phase === 'cancel';
  return [
    e.id, e.phase, e.issueTimeNs, e.type, e.text, null, null,
    e.planMs, e.permitMs, e.executeMs, e.end2endMs, null, null,
    e.phase === 'success', !done, e.phase === 'cancel', null,
    e.database, e.rows, e.error, e.tokenName,
  ];
}

// system.queries: a database sees the queries run against it; `_internal` sees every database's.
export function queriesSystemTable(log: QueryLog): SystemTableProvider {
  return (dbName, table) => {
    if (table !== 'queries') return undefined;
    return lazyTable(COLUMNS, () => log.entries().filter((e) => dbName === INTERNAL_DB || e.database === dbName).map(rowOf));
  };
}
