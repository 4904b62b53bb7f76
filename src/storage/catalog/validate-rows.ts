import { AppError } from '../../shared/app-error.js';
import type { ColumnType, WriteRow } from '../types.js';
import { ARROW_TYPE, LIMITS, schemaLimitError, type Catalog } from './catalog.js';
import type { Database, Table } from './catalog-resources.js';

export interface RowWithSource {
  row: WriteRow;
  lineNumber: number;
  raw: string;
}

export interface RowProblem {
  lineNumber: number;
  raw: string;
  message: string;
  limit: boolean;
}

export interface ValidationResult {
  accepted: RowWithSource[];
  problems: RowProblem[];
  // Tables whose column list grew (or that were created) in this call.
  changedTables: Set<Table>;
}

type TypeIndex = Map<string, ColumnType>;

function indexOf(cache: Map<Table, TypeIndex>, table: Table): TypeIndex {
  let idx = cache.get(table);
  if (!idx || idx.size !== table.columns.length) {
    idx = new Map(table.columns.map((c) => [c.name, c.type]));
    cache.set(table, idx);
  }
  return idx;
}

function checkRow(types: TypeIndex | undefined, row: WriteRow): string | null {
  for (const [k] of row.tags) {
    if (k === 'time') return `invalid column name 'time' in table '${row.table}': time is reserved for the timestamp`;
    const t = types?.get(k);
    if (t !== undefined && t !== 'tag') {
      return `invalid column type for column '${k}' in table '${row.table}': expected ${ARROW_TYPE[t]}, got tag`;
    }
  }
  for (const f of row.fields) {
    if (f.key === 'time') return `invalid column name 'time' in table '${row.table}': time is reserved for the timestamp`;
    const t = types?.get(f.key);
    if (t === undefined) {
      if (row.tags.some(([k]) => k === f.key)) return `column '${f.key}' in table '${row.table}' is written as both a tag and a field`;
    } else if (t !== f.type) {
      return `invalid field type for column '${f.key}' in table '${row.table}': expected ${ARROW_TYPE[t]}, got ${ARROW_TYPE[f.type]}`;
    }
  }
  return null;
}

// Same table, same tag array (the parser shares one per series) and the same field names and types in the same
// order: a row of that shape passes whenever an earlier row of the call passed, as the schema only grows.
function sameShape(a: WriteRow, b: WriteRow): boolean {
  if (a.table !== b.table || a.fields.length !== b.fields.length) return false;
  for (let i = 0; i < a.fields.length; i++) {
    const fa = a.fields[i]!;
    const fb = b.fields[i]!;
    if (fa.key !== fb.key || fa.type !== fb.type) return false;
  }
  return true;
}

// Checks rows against the database schema, adding new tables and columns; a conflicting row is refused alone.
export function validateRows(catalog: Catalog, db: Database, rows: RowWithSource[], dryRun = false): ValidationResult {
  const accepted: RowWithSource[] = [];
  const problems: RowProblem[] = [];
  const changedTables = new Set<Table>();
  const typeCache = new Map<Table, TypeIndex>();
  const tables = new Map<string, Table | undefined>();
  // Per tag array, the last row with it that passed.
  const passed = new Map<WriteRow['tags'], WriteRow>();
  for (const item of rows) {
    const { row } = item;
    const earlier = passed.get(row.tags);
    if (earlier !== undefined && sameShape(row, earlier)) {
      accepted.push(item);
      continue;
    }
    let table = tables.has(row.table) ? tables.get(row.table) : catalog.table(db, row.table);
    tables.set(row.table, table);
    const types = table ? indexOf(typeCache, table) : undefined;
    const problem = checkRow(types, row);
    if (problem) {
      problems.push({ lineNumber: item.lineNumber, raw: item.raw, message: problem, limit: false });
      continue;
    }
    if (dryRun) {
      accepted.push(item);
      passed.set(row.tags, row);
      continue;
    }
    try {
      if (!table) {
        table = catalog.createTable(db, row.table, [], false);
        tables.set(row.table, table);
        changedTables.add(table);
      }
      const known = indexOf(typeCache, table);
      const newCols: Array<[string, ColumnType]> = [];
      for (const [k] of row.tags) if (!known.has(k)) newCols.push([k, 'tag']);
      for (const f of row.fields) if (!known.has(f.key)) newCols.push([f.key, f.type]);
      if (newCols.length > 0) {
        const tagCount = table.columns.filter((c) => c.type === 'tag').length + newCols.filter(([, t]) => t === 'tag').length;
        if (table.columns.length + newCols.length > LIMITS.columnsPerTable) {
          throw schemaLimitError(
            `column limit reached: table '${table.name}' would have ${table.columns.length + newCols.length} columns, at most ${LIMITS.columnsPerTable} are allowed`,
          );
        }
        if (tagCount > LIMITS.tagColumns) {
          throw schemaLimitError(`tag column limit reached in table '${table.name}': at most ${LIMITS.tagColumns}`);
        }
        for (const [name, type] of newCols) catalog.addColumn(db, table, name, type);
        changedTables.add(table);
      }
      accepted.push(item);
      passed.set(row.tags, row);
    } catch (err) {
      if (err instanceof AppError && err.status === 422) {
        problems.push({ lineNumber: item.lineNumber, raw: item.raw, message: err.message, limit: true });
        continue;
      }
      throw err;
    }
  }
  return { accepted, problems, changedTables };
}
