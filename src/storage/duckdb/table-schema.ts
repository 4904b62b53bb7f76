import type { DuckDBConnection } from '@duckdb/node-api';
import { AppError } from '../../shared/app-error.js';
import type { ColumnDef, WriteRow } from '../types.js';
import { columnTypeFromDuckdb, duckdbTypeFor } from './column-types.js';
import { qualifiedTable, quoteIdent, schemaName } from '../query/sql-names.js';

const conflict = (message: string): AppError => new AppError('schema_conflict', message, { status: 409 });

// A column as DuckDB reports it (type is DuckDB's name, e.g. VARCHAR).
export interface PhysicalColumn {
  name: string;
  type: string;
}

// What DuckDB actually has, in physical order; undefined when the table does not exist.
export async function readPhysicalColumns(
  conn: DuckDBConnection,
  dbId: number,
  table: string,
): Promise<PhysicalColumn[] | undefined> {
  const reader = await conn.runAndReadAll(
    `SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE database_name = current_database()
       AND schema_name = $schema AND lower(table_name) = lower($table) ORDER BY column_index`,
    { schema: schemaName(dbId), table },
  );
  const rows = reader.getRows();
  if (rows.length === 0) return undefined;
  const actual = String(rows[0]![0]);
  if (actual !== table) throw conflict(`table '${table}' differs from existing table '${actual}' only by case`);
  return rows.map(([, name, type]) => ({ name: String(name), type: String(type) }));
}

function columnSql(def: ColumnDef): string {
  return `${quoteIdent(def.name)} ${duckdbTypeFor(def.type)}${def.type === 'time' ? ' NOT NULL' : ''}`;
}

// DuckDB compares names case-insensitively, so `usage` and `Usage` cannot both be columns.
function dedupe(columns: ColumnDef[]): ColumnDef[] {
  const seen = new Map<string, string>();
  const out: ColumnDef[] = [];
  for (const c of columns) {
    const other = seen.get(c.name.toLowerCase());
    if (other === c.name) continue;
    if (other !== undefined) throw conflict(`column '${c.name}' differs from column '${other}' only by case`);
    seen.set(c.name.toLowerCase(), c.name);
    out.push({ name: c.name, type: c.type });
  }
  if (!out.some((c) => c.type === 'time')) out.push({ name: 'time', type: 'time' });
  return out;
}

/**
 * Brings the physical table up to `wanted`: CREATE when missing, ALTER TABLE ADD COLUMN for new names.
 * Returns the table's column definitions in physical order (tag-ness from wanted, then known).
 */
export async function evolveTable(
  conn: DuckDBConnection,
  dbId: number,
  table: string,
  physical: PhysicalColumn[] | undefined,
  known: ColumnDef[],
  wanted: ColumnDef[],
): Promise<ColumnDef[]> {
  const target = dedupe(wanted);
  if (!physical) {
    await conn.run(`CREATE TABLE IF NOT EXISTS ${qualifiedTable(dbId, table)} (${target.map(columnSql).join(', ')})`);
    return target;
  }
  const result: ColumnDef[] = [];
  const byLower = new Map(physical.map((p) => [p.name.toLowerCase(), p]));
  for (const p of physical) {
    const def = target.find((c) => c.name === p.name) ?? known.find((c) => c.name === p.name);
    const type = def?.type ?? columnTypeFromDuckdb(p.name, p.type) ?? 'utf8';
    if (duckdbTypeFor(type) !== p.type) {
      throw conflict(`column '${p.name}' of table '${table}' is ${p.type}, cannot store ${type}`);
    }
    result.push({ name: p.name, type });
  }
  for (const def of target) {
    const existing = byLower.get(def.name.toLowerCase());
    if (existing && existing.name !== def.name) {
      throw conflict(`column '${def.name}' of table '${table}' differs from column '${existing.name}' only by case`);
    }
    if (existing) continue;
    // Added columns stay nullable (even time): older rows have no value for them.
    await conn.run(`ALTER TABLE ${qualifiedTable(dbId, table)} ADD COLUMN ${quoteIdent(def.name)} ${duckdbTypeFor(def.type)}`);
    result.push(def);
  }
  return result;
}

// Columns the rows carry that the table does not have yet, appended to the known ones.
export function columnsFromRows(known: ColumnDef[], rows: WriteRow[]): ColumnDef[] {
  const names = new Set(known.map((c) => c.name));
  let out: ColumnDef[] | undefined;
  const add = (def: ColumnDef): void => {
    names.add(def.name);
    (out ??= known.slice()).push(def);
  };
  // Rows of one table repeat the same keys in the same order: only a key that changed needs a set lookup.
  const lastTag: string[] = [];
  const lastField: string[] = [];
  for (const row of rows) {
    const tags = row.tags;
    for (let i = 0; i < tags.length; i++) {
      const key = tags[i]![0];
      if (lastTag[i] === key) continue;
      lastTag[i] = key;
      if (!names.has(key)) add({ name: key, type: 'tag' });
    }
    const fields = row.fields;
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!;
      if (lastField[i] === field.key) continue;
      lastField[i] = field.key;
      if (!names.has(field.key)) add({ name: field.key, type: field.type });
    }
  }
  if (!names.has('time')) add({ name: 'time', type: 'time' });
  return out ?? known;
}
