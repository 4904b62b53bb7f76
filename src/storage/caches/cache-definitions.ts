import { parseDurationNs } from '../../shared/duration.js';
import type { DistinctCacheDefinition, LastCacheDefinition, Table } from '../catalog/catalog-resources.js';
import type { ColumnDef, ColumnType } from '../types.js';
import { badRequest } from '../../shared/app-error.js';
import { invalidCacheConfig } from './errors.js';

// Upstream's defaults and limits (influxdb3_catalog log/versions: LastCacheSize, LastCacheTtl, MaxCardinality, MaxAge).
export const LAST_CACHE_DEFAULTS = { count: 1, maxCount: 10, ttlSeconds: 4 * 60 * 60 };
export const DISTINCT_CACHE_DEFAULTS = { maxCardinality: 100_000, maxAgeSeconds: 24 * 60 * 60 };


const LAST_KEY_TYPES = new Set<ColumnType>(['tag', 'utf8', 'int64', 'uint64', 'bool']);
const DISTINCT_TYPES = new Set<ColumnType>(['tag', 'utf8']);

function columnOf(table: Table, name: string): ColumnDef | undefined {
  return table.columns.find((c) => c.name === name);
}

// A list of column names from a request body, or undefined when absent.
function columnList(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    throw invalidCacheConfig(`'${field}' must be a list of column names, got ${JSON.stringify(value)}`);
  }
  const seen = new Set<string>();
  for (const name of value as string[]) {
    if (seen.has(name)) throw invalidCacheConfig(`column '${name}' is listed twice in '${field}'`);
    seen.add(name);
  }
  return value as string[];
}

// A whole number within [min, max] from a body field (a JSON number, or a digit string from a query string).
function wholeNumber(value: unknown, field: string, fallback: number, min: number, max: number, what: string): number {
  if (value === undefined || value === null) return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
    throw invalidCacheConfig(`invalid ${field} ${JSON.stringify(value)}: ${what}`);
  }
  return n;
}

// Seconds as upstream sends them (a number); a duration string such as "4 hours" is accepted too.
function seconds(value: unknown, field: string, fallback: number): number {
  if (typeof value === 'string' && !/^\s*\d+\s*$/.test(value)) {
    let ns: bigint;
    try {
      ns = parseDurationNs(value);
    } catch {
      throw invalidCacheConfig(`invalid ${field} ${JSON.stringify(value)}: expected a number of seconds or a duration such as "4 hours"`);
    }
    if (ns < 1_000_000_000n || ns % 1_000_000_000n !== 0n) {
      throw invalidCacheConfig(`invalid ${field} ${JSON.stringify(value)}: expected whole seconds, at least 1`);
    }
    return Number(ns / 1_000_000_000n);
  }
  return wholeNumber(value, field, fallback, 1, Number.MAX_SAFE_INTEGER, 'expected a whole number of seconds, at least 1');
}

function optionalName(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalidCacheConfig(`'name' must be a string, got ${JSON.stringify(value)}`);
  return value;
}

// The last cache a create request describes, validated against the table (upstream messages).
export function lastCacheDefinition(dbId: number, table: Table, body: Record<string, unknown>): LastCacheDefinition {
  const requestedKeys = columnList(body.key_columns, 'key_columns');
  // Default keys: the table's tags in column order (our stand-in for upstream's series key).
  const keyColumns = requestedKeys ?? table.columns.filter((c) => c.type === 'tag').map((c) => c.name);
  for (const name of keyColumns) {
    const col = columnOf(table, name);
    if (!col) throw invalidCacheConfig(`invalid key column provided: ${name}`);
    if (!LAST_KEY_TYPES.has(col.type)) {
      throw badRequest(`only uint64, int64, bool, tag, and string columns are supported in the last cache, got key column '${name}' of type ${col.type}`);
    }
  }
  let valueColumns = columnList(body.value_columns, 'value_columns') ?? null;
  if (valueColumns) {
    for (const name of valueColumns) {
      if (!columnOf(table, name)) throw invalidCacheConfig(`invalid value column provided: ${name}`);
      if (keyColumns.includes(name)) throw invalidCacheConfig(`column '${name}' is a key column and cannot also be a value column`);
    }
    // As upstream: the time column is always a value column.
    if (!valueColumns.includes('time')) valueColumns = [...valueColumns, 'time'];
  }
  const count = wholeNumber(body.count, 'count', LAST_CACHE_DEFAULTS.count, 1, LAST_CACHE_DEFAULTS.maxCount, `the last cache holds 1 to ${LAST_CACHE_DEFAULTS.maxCount} values per key`);
  const ttlSeconds = seconds(body.ttl, 'ttl', LAST_CACHE_DEFAULTS.ttlSeconds);
  const name = optionalName(body.name) ?? `${table.name}_${keyColumns.join('_')}_last_cache`;
  return { dbId, tableId: table.id, table: table.name, name, keyColumns, valueColumns, count, ttlSeconds };
}

// The distinct cache a create request describes, validated against the table.
export function distinctCacheDefinition(dbId: number, table: Table, body: Record<string, unknown>): DistinctCacheDefinition {
  const columns = columnList(body.columns, 'columns');
  if (!columns || columns.length === 0) throw invalidCacheConfig('no columns provided when creating distinct cache');
  for (const name of columns) {
    const col = columnOf(table, name);
    if (!col) throw invalidCacheConfig(`invalid column provided: ${name}`);
    if (!DISTINCT_TYPES.has(col.type)) {
      throw badRequest(`only tag and string columns are supported in the distinct cache, got column '${name}' of type ${col.type}`);
    }
  }
  const maxCardinality = wholeNumber(body.max_cardinality, 'max_cardinality', DISTINCT_CACHE_DEFAULTS.maxCardinality, 1, 2 ** 31, 'expected a whole number, at least 1');
  const maxAgeSeconds = seconds(body.max_age, 'max_age', DISTINCT_CACHE_DEFAULTS.maxAgeSeconds);
  const name = optionalName(body.name) ?? `${table.name}_${columns.join('_')}_distinct_cache`;
  return { dbId, tableId: table.id, table: table.name, name, columns, maxCardinality, maxAgeSeconds };
}
