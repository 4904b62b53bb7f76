import type { Table } from '../catalog/catalog-resources.js';
import { planningError } from '../query/query-errors.js';
import type { VirtualColumnType, VirtualTable } from '../query/system-tables.js';
import type { PredicateLiteral, TableFunctionCall, TableFunctionResult } from '../query/table-functions.js';
import type { ColumnType } from '../types.js';
import type { DistinctValueCache } from './distinct-value-cache.js';
import type { KeyColumn, KeyValue, LastValueCache } from './last-value-cache.js';

export const LAST_CACHE_FUNCTION = 'last_cache';
export const DISTINCT_CACHE_FUNCTION = 'distinct_cache';

const VIRTUAL_TYPE: Record<ColumnType, VirtualColumnType> = {
  tag: 'Utf8',
  utf8: 'Utf8',
  int64: 'Int64',
  uint64: 'UInt64',
  float64: 'Float64',
  bool: 'Boolean',
  time: 'Timestamp(Nanosecond, None)',
};

// The cache a call names: `fn('table')` needs the table's only cache of that kind, `fn('table', 'name')` that one.
export function callTarget(call: TableFunctionCall): { table: string; cacheName: string | undefined } {
  if (call.args.length === 0 || call.args[0] === undefined) throw planningError('first argument must be the table name as a string');
  if (call.args.length > 2) throw planningError(`${call.name} takes a table name and an optional cache name, got ${call.args.length} arguments`);
  if (call.args.length === 2 && call.args[1] === undefined) throw planningError('second argument, if passed, must be the cache name as a string');
  return { table: call.args[0], cacheName: call.args[1] };
}

// Picks the named cache, or the only one; the error says what exists.
export function pickCache<T extends { def: { name: string } }>(caches: readonly T[], fn: string, table: string, name: string | undefined): T {
  const found = name === undefined ? (caches.length === 1 ? caches[0] : undefined) : caches.find((c) => c.def.name === name);
  if (found) return found;
  const names = caches.map((c) => c.def.name).join(', ');
  const why =
    name !== undefined
      ? `no ${fn} named '${name}' on table '${table}'${names ? ` (it has: ${names})` : ''}`
      : caches.length === 0
        ? `table '${table}' has no ${fn}`
        : `table '${table}' has ${caches.length} of them (${names}): name one as the second argument`;
  throw planningError(`could not find cache for the given arguments: ${why}`);
}

function keyValueOf(lit: PredicateLiteral, type: ColumnType): KeyValue | undefined {
  switch (type) {
    case 'tag':
    case 'utf8':
      return lit.kind === 'string' ? lit.value : undefined;
    case 'int64':
    case 'uint64': {
      const text = lit.kind === 'number' ? lit.text : lit.kind === 'string' ? lit.value : '';
      return (type === 'int64' ? /^-?\d+$/ : /^\d+$/).test(text) ? BigInt(text) : undefined;
    }
    case 'bool':
      return lit.kind === 'bool' ? lit.value : undefined;
    default:
      return undefined;
  }
}

// Per cache column, the values the WHERE clause allows (intersection of its lists), or undefined when unconstrained;
// `applied`: the predicate columns whose every list was turned into cache keys (nothing left for DuckDB to check).
function columnPredicates(
  columns: readonly KeyColumn[],
  predicates: TableFunctionCall['predicates'],
): { perColumn: Array<KeyValue[] | undefined> | undefined; applied: Set<string> } {
  const applied = new Set<string>();
  if (predicates.size === 0) return { perColumn: undefined, applied };
  let any = false;
  const perColumn = columns.map((col) => {
    let allowed: KeyValue[] | undefined;
    for (const [name, lists] of predicates) {
      if (name !== col.name && name.toLowerCase() !== col.name.toLowerCase()) continue;
      let all = true;
      for (const list of lists) {
        const values = list.map((l) => keyValueOf(l, col.type));
        // A literal of another type: leave this list to DuckDB rather than guess its cast.
        if (values.some((v) => v === undefined)) {
          all = false;
          continue;
        }
        allowed = allowed === undefined ? (values as KeyValue[]) : allowed.filter((a) => values.includes(a));
      }
      if (all) applied.add(name);
    }
    if (allowed !== undefined) any = true;
    return allowed === undefined ? undefined : [...new Set(allowed)];
  });
  return { perColumn: any ? perColumn : undefined, applied };
}

// The columns last_cache() returns: the key columns, then the value columns (upstream's order).
export function lastCacheColumns(cache: LastValueCache, table: Table): { values: KeyColumn[]; columns: VirtualTable['columns'] } {
  const keys = cache.keyColumns;
  const keyNames = new Set(keys.map((k) => k.name));
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const values: KeyColumn[] = cache.def.valueColumns
    ? cache.def.valueColumns.map((n) => byName.get(n)).filter((c): c is KeyColumn => c !== undefined)
    : table.columns.filter((c) => !keyNames.has(c.name));
  const columns = [...keys, ...values].map((c) => ({ name: c.name, type: VIRTUAL_TYPE[c.type] }));
  return { values, columns };
}

// SELECT … FROM last_cache(…): the live rows matching the pushed-down key predicates.
export function lastCacheTable(cache: LastValueCache, table: Table, predicates: TableFunctionCall['predicates'], nowMs: number): TableFunctionResult {
  const { values, columns } = lastCacheColumns(cache, table);
  const { perColumn, applied } = columnPredicates(cache.keyColumns, predicates);
  return { columns, rows: cache.rows(values, perColumn, nowMs), applied };
}

// SELECT … FROM distinct_cache(…): the live combinations, sorted.
export function distinctCacheTable(cache: DistinctValueCache, predicates: TableFunctionCall['predicates'], nowNs: bigint): TableFunctionResult {
  const { perColumn, applied } = columnPredicates(cache.columns, predicates);
  return {
    columns: cache.columns.map((c) => ({ name: c.name, type: 'Utf8' as const })),
    rows: cache.query(perColumn as Array<string[] | undefined> | undefined, nowNs),
    applied,
  };
}
