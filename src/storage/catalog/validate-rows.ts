import { AppError } from '../../shared/app-error.js';
import type { ColumnType, WriteRow } from '../types.js';
import { ARROW_TYPE, LIMITS, schemaLimitError, type Catalog, type DatabaseRecord, type TableRecord } from './catalog.js';

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
  changedTables: Set<TableRecord>;
}

function checkRow(table: TableRecord | undefined, row: WriteRow, pending: Map<string, ColumnType>): string | null {
  const seen = new Set<string>();
  const typeOf = (name: string): ColumnType | undefined =>
    pending.get(name) ?? table?.columns.find((c) => c.name === name)?.type;
  for (const [k] of row.tags) {
    if (k === 'time') return `invalid column name 'time' in table '${row.table}': time is reserved for the timestamp`;
    const t = typeOf(k);
    if (t !== undefined && t !== 'tag') {
      return `invalid column type for column '${k}' in table '${row.table}': expected ${ARROW_TYPE[t]}, got tag`;
    }
    seen.add(k);
  }
  for (const f of row.fields) {
    if (f.key === 'time') return `invalid column name 'time' in table '${row.table}': time is reserved for the timestamp`;
    if (seen.has(f.key)) return `column '${f.key}' in table '${row.table}' is written as both a tag and a field`;
    const t = typeOf(f.key);
    if (t !== undefined && t !== f.type) {
      return `invalid field type for column '${f.key}' in table '${row.table}': expected ${ARROW_TYPE[t]}, got ${ARROW_TYPE[f.type]}`;
    }
  }
  return null;
}

// Checks rows against the database schema, adding new tables and columns; a conflicting row is refused alone.
export function validateRows(catalog: Catalog, db: DatabaseRecord, rows: RowWithSource[], dryRun = false): ValidationResult {
  const accepted: RowWithSource[] = [];
  const problems: RowProblem[] = [];
  const changedTables = new Set<TableRecord>();
  for (const item of rows) {
    const { row } = item;
    let table = catalog.table(db, row.table);
    const problem = checkRow(table, row, new Map());
    if (problem) {
      problems.push({ lineNumber: item.lineNumber, raw: item.raw, message: problem, limit: false });
      continue;
    }
    if (dryRun) {
      accepted.push(item);
      continue;
    }
    try {
      if (!table) {
        table = catalog.createTable(db, row.table, [], false);
        changedTables.add(table);
      }
      const newCols: Array<[string, ColumnType]> = [];
      for (const [k] of row.tags) if (!table.columns.some((c) => c.name === k)) newCols.push([k, 'tag']);
      for (const f of row.fields) if (!table.columns.some((c) => c.name === f.key)) newCols.push([f.key, f.type]);
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
        for (const [name, type] of newCols) catalog.addColumn(table, name, type);
        changedTables.add(table);
      }
      accepted.push(item);
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
