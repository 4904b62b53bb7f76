import { influxqlError } from './errors.js';
import type { Source } from './ast.js';
import { schemaOf, type MeasurementSchema } from './expr-sql.js';
import { nameRegex } from './regex.js';
import type { ColumnDef } from '../../types.js';
import type { QueryResult } from '../query-result.js';
import type { SelectorShape } from './last-point.js';

// What InfluxQL needs from storage: the catalog and a way to run DuckDB SQL in a database.
export interface InfluxqlHost {
  databases(): string[];
  // Tables of a database; throws (database not found) when it does not exist.
  measurements(db: string): Array<{ name: string; columns: ColumnDef[] }>;
  retentionNs(db: string): bigint | null;
  query(db: string, sql: string): Promise<QueryResult>;
  // A last()/first() statement: `sql(bound)` narrowed by the last-point index when `answered` accepts its result,
  // else `sql()` as written.
  selectorQuery?(db: string, shape: SelectorShape, sql: (boundNs?: bigint) => string, answered: (r: QueryResult) => boolean): Promise<QueryResult>;
}

// One series of a statement's result, as InfluxDB 1.x returns it.
export interface Series {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

export interface StatementResult {
  statementId: number;
  series: Series[];
  error?: string;
  // The first column is `time` holding nanoseconds (bigint), rendered per the epoch option.
  timeColumn: boolean;
}

export interface ExecContext {
  host: InfluxqlHost;
  // The database of the request (`db=`); sources may name their own.
  db?: string;
  nowNs: bigint;
}

/**
 * The database a statement reads. With `db=` on the request, statements stay in it (access is
 * checked for that database only); without it, `db..m` and `ON db` choose.
 */
export function requireDb(ctx: ExecContext, db: string | undefined): string {
  const name = db ?? ctx.db;
  if (!name) throw influxqlError('database name required');
  if (ctx.db !== undefined && name !== ctx.db) {
    throw influxqlError(`InfluxQL: this request is for database "${ctx.db}" and cannot read database "${name}"; send db=${name} instead`);
  }
  return name;
}

export interface Target {
  db: string;
  schema: MeasurementSchema;
}

/** The measurements FROM names or matches, each with its database, sorted by name. */
export function resolveSources(sources: Source[], ctx: ExecContext, defaultDb?: string): Target[] {
  const out = new Map<string, Target>();
  const all = sources.length === 0 ? [{ regex: '' } as Source] : sources;
  for (const s of all) {
    const db = requireDb(ctx, s.db ?? defaultDb);
    const tables = ctx.host.measurements(db);
    const re = s.regex !== undefined ? nameRegex(s.regex) : undefined;
    for (const t of tables) {
      if (re ? !re.test(t.name) : t.name !== s.name) continue;
      out.set(`${db}\u0000${t.name}`, { db, schema: schemaOf(t.name, t.columns) });
    }
  }
  return [...out.values()].sort((a, b) => (a.schema.name < b.schema.name ? -1 : a.schema.name > b.schema.name ? 1 : 0));
}

export function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
