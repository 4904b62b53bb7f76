import { quoteIdent } from '../query/sql-names.js';
import type { DistinctCacheDefinition, LastCacheDefinition, Table } from '../catalog/catalog-resources.js';
import type { QueryResult } from '../query/query-result.js';
import type { FieldType, WriteRow } from '../types.js';

const NS_PER_S = 1_000_000_000n;

function cutoffSql(nowNs: bigint, seconds: number): string {
  return `make_timestamp_ns(CAST('${nowNs - BigInt(seconds) * NS_PER_S}' AS BIGINT))`;
}

// The newest `count` rows per key within the ttl (by row time), every column: what the cache would hold.
export function lastCacheBackfillSql(def: LastCacheDefinition, table: Table, nowNs: bigint): string {
  const cols = table.columns.map((c) => quoteIdent(c.name)).join(', ');
  const keys = def.keyColumns.map(quoteIdent);
  const notNull = keys.map((k) => ` AND ${k} IS NOT NULL`).join('');
  const partition = keys.length > 0 ? `PARTITION BY ${keys.join(', ')} ` : '';
  return (
    `SELECT ${cols} FROM ${quoteIdent(table.name)} WHERE "time" > ${cutoffSql(nowNs, def.ttlSeconds)}${notNull} ` +
    `QUALIFY row_number() OVER (${partition}ORDER BY "time" DESC) <= ${def.count}`
  );
}

// Each distinct combination seen within max_age, newest first, at most max_cardinality of them.
export function distinctCacheBackfillSql(def: DistinctCacheDefinition, table: Table, nowNs: bigint): string {
  const cols = def.columns.map(quoteIdent);
  const notNull = cols.map((k) => ` AND ${k} IS NOT NULL`).join('');
  return (
    `SELECT ${cols.join(', ')}, max("time") AS "time" FROM ${quoteIdent(table.name)} ` +
    `WHERE "time" > ${cutoffSql(nowNs, def.maxAgeSeconds)}${notNull} GROUP BY ${cols.join(', ')} ` +
    `ORDER BY ${cols.length + 1} DESC LIMIT ${def.maxCardinality}`
  );
}

// Result rows back into write rows (NULLs dropped, as if written without the column), oldest first.
export function resultToWriteRows(result: QueryResult, table: Table): WriteRow[] {
  const types = new Map(table.columns.map((c) => [c.name, c.type]));
  const out: WriteRow[] = [];
  for (const values of result.rows) {
    const row: WriteRow = { table: table.name, tags: [], fields: [], time: 0n };
    result.columns.forEach((col, i) => {
      const v = values[i];
      if (v === null || v === undefined) return;
      const type = types.get(col.name);
      if (col.name === 'time' || type === 'time') row.time = v as bigint;
      else if (type === 'tag') row.tags.push([col.name, String(v)]);
      else if (type) row.fields.push({ key: col.name, type: type as FieldType, value: v as WriteRow['fields'][number]['value'] });
    });
    out.push(row);
  }
  return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}
