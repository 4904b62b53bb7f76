import type { Logger } from '../../shared/logger.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Database } from '../catalog/catalog-resources.js';
import type { QueryResult } from '../query/query-result.js';
import type { WriteRow } from '../types.js';
import { LastPointIndex, type LastPointStats, type TagEqualities } from './last-point-index.js';
import { boundedAnswers, boundedSql, lastPointPattern } from './last-point-sql.js';

export interface LastPointQueriesOptions {
  catalog: Catalog;
  logger: Logger;
  // Runs SQL against a database once every acknowledged write is applied.
  query: (dbId: number, sql: string) => Promise<QueryResult>;
  enabled?: boolean;
}

// How many last-point queries were answered from their newest row groups, and how many ran in full after all.
export interface LastPointQueryStats extends LastPointStats {
  bounded: number;
  unbounded: number;
}

/**
 * Last-point queries without a user-made cache: the statement runs with a time bound taken from the index (so
 * DuckDB reads only the newest row groups); when the bounded run does not hold the whole answer, the statement
 * runs as written.
 */
export class LastPointQueries {
  readonly index: LastPointIndex;
  private bounded = 0;
  private unbounded = 0;

  constructor(opts: LastPointQueriesOptions) {
    this.index = new LastPointIndex(opts);
  }

  onWrite(db: Database, rows: readonly WriteRow[]): void {
    this.index.onWrite(db, rows);
  }

  onRowsDeleted(db: Database, cutoffNs: bigint): void {
    this.index.onRowsDeleted(db.id, cutoffNs);
  }

  stats(): LastPointQueryStats {
    return { ...this.index.stats(), bounded: this.bounded, unbounded: this.unbounded };
  }

  // Runs `sql` through `run`, bounded when it is a last-point statement the index can bound.
  async query(db: Database, sql: string, run: (sql: string) => Promise<QueryResult>): Promise<QueryResult> {
    const pattern = lastPointPattern(sql, db.tables);
    if (!pattern) return run(sql);
    const bound =
      pattern.kind === 'rows'
        ? await this.index.newestBound(db.id, pattern.table, pattern.tags, pattern.rows)
        : pattern.kind === 'last'
          ? await this.index.newestBound(db.id, pattern.table, pattern.tags, pattern.fields)
          : await this.index.oldestBound(db.id, pattern.table, pattern.tags, pattern.fields);
    return this.withBound(bound, () => run(boundedSql(sql, pattern, bound!)), (r) => boundedAnswers(pattern, r), () => run(sql));
  }

  /**
   * The bound for an InfluxQL last()/first() over these series and fields (newest or oldest), for a caller that
   * narrows its own SQL and checks its own answer through `withBound`.
   */
  async selectorBound(db: Database, table: string, tags: TagEqualities, fields: readonly string[], dir: 'last' | 'first'): Promise<bigint | undefined> {
    return dir === 'last' ? this.index.newestBound(db.id, table, tags, fields) : this.index.oldestBound(db.id, table, tags, fields);
  }

  // The bounded run when there is a bound and its result holds the answer; the plain run otherwise.
  async withBound<T>(bound: bigint | undefined, bounded: () => Promise<T>, answers: (result: T) => boolean, plain: () => Promise<T>): Promise<T> {
    if (bound !== undefined) {
      const result = await bounded().catch(() => undefined);
      if (result !== undefined && answers(result)) {
        this.bounded++;
        return result;
      }
    }
    this.unbounded++;
    return plain();
  }
}
