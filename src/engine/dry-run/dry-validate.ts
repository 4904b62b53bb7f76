import { ARROW_TYPE } from '../../storage/catalog/catalog.js';
import type { Table } from '../../storage/catalog/catalog-resources.js';
import { parseLineProtocol } from '../../storage/line-protocol/parse-line-protocol.js';
import { toNanoseconds } from '../../storage/line-protocol/precision.js';
import type { ColumnType, TableBatch, WriteRow } from '../../storage/types.js';
import { toPluginRow } from '../../storage/flush-buffer.js';

// A line that parsed and fits the schema, with where it came from.
export interface DryRow {
  row: WriteRow;
  lineNumber: number;
  raw: string;
}

// Outcome of checking line protocol without applying it: the good rows and one message per bad line.
export interface DryCheck {
  rows: DryRow[];
  problems: string[];
}

// Checks line protocol (nanosecond precision, as plugins write) against a database's schema without changing the
// catalog. Columns that earlier lines of the same body would add are remembered, so two new lines
// that disagree on a column's type are caught too. A new database or table is not a problem.
// `tableOf` looks a live table up by database and table name.
export function checkLinesDry(tableOf: (database: string, table: string) => Table | undefined, database: string, body: string, nowNs: bigint, context: string): DryCheck {
  const parsed = parseLineProtocol(body);
  const found: Array<[number, string]> = parsed.errors.map((e) => [e.lineNumber, `${e.message} (${e.raw})`]);
  const added = new Map<string, Map<string, ColumnType>>();
  const rows: DryRow[] = [];
  for (const { line, lineNumber, raw } of parsed.lines) {
    let time: bigint;
    try {
      time = toNanoseconds(line.timestamp, 'ns', nowNs);
    } catch (err) {
      found.push([lineNumber, `${(err as Error).message} (${raw})`]);
      continue;
    }
    const row: WriteRow = { table: line.measurement, tags: line.tags, fields: line.fields, time };
    const existing = tableOf(database, row.table);
    let extra = added.get(row.table);
    if (!extra) added.set(row.table, (extra = new Map()));
    const typeOf = (name: string): ColumnType | undefined => extra!.get(name) ?? existing?.columns.find((c) => c.name === name)?.type;
    const problem = conflict(row, typeOf);
    if (problem) {
      found.push([lineNumber, `${problem} (${raw})`]);
      continue;
    }
    for (const [k] of row.tags) if (!typeOf(k)) extra.set(k, 'tag');
    for (const f of row.fields) if (!typeOf(f.key)) extra.set(f.key, f.type);
    rows.push({ row, lineNumber, raw });
  }
  found.sort((a, b) => a[0] - b[0]);
  return { rows, problems: found.map(([n, text]) => `${context}: line ${n}: ${text}`) };
}

function conflict(row: WriteRow, typeOf: (name: string) => ColumnType | undefined): string | null {
  for (const [k] of row.tags) {
    if (k === 'time') return `invalid column name 'time' in table '${row.table}': time is reserved for the timestamp`;
    const t = typeOf(k);
    if (t !== undefined && t !== 'tag') return `invalid column type for column '${k}' in table '${row.table}': expected ${ARROW_TYPE[t]}, got tag`;
  }
  for (const f of row.fields) {
    if (f.key === 'time') return `invalid column name 'time' in table '${row.table}': time is reserved for the timestamp`;
    if (row.tags.some(([k]) => k === f.key)) return `column '${f.key}' in table '${row.table}' is written as both a tag and a field`;
    const t = typeOf(f.key);
    if (t !== undefined && t !== f.type) {
      return `invalid field type for column '${f.key}' in table '${row.table}': expected ${ARROW_TYPE[t]}, got ${ARROW_TYPE[f.type]}`;
    }
  }
  return null;
}

// Rows grouped per table in order of first appearance, each with only its own columns.
export function toTableBatches(rows: readonly DryRow[]): TableBatch[] {
  const tables = new Map<string, TableBatch>();
  for (const { row } of rows) {
    let batch = tables.get(row.table);
    if (!batch) tables.set(row.table, (batch = { table_name: row.table, rows: [] }));
    batch.rows.push(toPluginRow(row));
  }
  return [...tables.values()];
}
