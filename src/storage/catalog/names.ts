import { AppError } from '../../shared/app-error.js';

export const INTERNAL_DB = '_internal';

// Database name rules of InfluxDB 3: ASCII, 1–511 chars, alphanumeric first, then [A-Za-z0-9_-] and one `/`.
export function databaseNameProblem(name: string): string | null {
  if (name.length === 0) return 'db name cannot be empty';
  if (name.length > 511) return `db name '${name.slice(0, 32)}…' is longer than 511 characters`;
  if (!/^[A-Za-z0-9]/.test(name)) return 'db name did not start with a number or letter';
  let slashes = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === '/') {
      slashes++;
      if (slashes > 1 || i === name.length - 1) {
        return `database name '${name}' contains invalid character, character number ${i} is not allowed`;
      }
      continue;
    }
    if (!/[A-Za-z0-9_-]/.test(c)) {
      return `database name '${name}' contains invalid character, character number ${i} is not allowed`;
    }
  }
  return null;
}

export function assertDatabaseName(name: string): void {
  const problem = databaseNameProblem(name);
  if (problem) throw new AppError('invalid_db_name', `invalid database name provided: ${problem}`, { status: 400 });
}

// Table and column names: non-empty; InfluxDB reserves `time` for the timestamp column.
export function assertTableName(name: string): void {
  if (name.length === 0) throw new AppError('invalid_table_name', 'table name cannot be empty', { status: 400 });
}
