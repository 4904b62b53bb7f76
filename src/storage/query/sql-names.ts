// Table and column names are user data (any character, `"` included), so every name goes through these helpers.
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

// String literals built into SQL text (never user values in queries: those are bound as parameters).
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

// One DuckDB schema per InfluxDB database, named by id so a rename or odd characters never touch SQL.
export function schemaName(dbId: number): string {
  if (!Number.isSafeInteger(dbId) || dbId < 0) throw new Error(`invalid database id ${dbId}`);
  return `db_${dbId}`;
}

// Fully qualified, quoted reference to a user table.
export function qualifiedTable(dbId: number, table: string): string {
  return `${quoteIdent(schemaName(dbId))}.${quoteIdent(table)}`;
}
