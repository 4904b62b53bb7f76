import type { Logger } from '../../shared/logger.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Database } from '../catalog/catalog-resources.js';
import type { QueryResult } from '../query/query-result.js';
import { quoteIdent } from '../query/sql-names.js';
import type { ColumnDef, WriteRow } from '../types.js';
import { NEWEST_TIMES, addField, addNewest, addRow, cutBefore, newSeries, seriesKey, type SeriesTimes } from './series-times.js';

// Series the index keeps over all tables; a table that would take it past this is left unindexed.
export const MAX_INDEXED_SERIES = 250_000;
// Series one query may match and still be bounded.
export const MAX_MATCHED_SERIES = 10_000;

export interface LastPointIndexOptions {
  catalog: Catalog;
  logger: Logger;
  // Runs SQL against a database once every acknowledged write is applied (the scans that build a table's index).
  query: (dbId: number, sql: string) => Promise<QueryResult>;
  // false: no table is ever indexed (every query runs as written).
  enabled?: boolean;
}

// Tag name → value that a query's rows must have.
export type TagEqualities = ReadonlyMap<string, string>;

// What the index did, for logs and tests.
export interface LastPointStats {
  tables: number;
  series: number;
  builds: number;
  overflows: number;
}

class TableTimes {
  readonly series = new Map<string, SeriesTimes>();
  // `tag\0value` → the series that have it.
  readonly byTag = new Map<string, SeriesTimes[]>();
  ready: Promise<boolean> = Promise.resolve(false);
  overflow = false;
  // A retention cut made some field's oldest time unknown: first() bounds wait for a rescan.
  oldestStale = false;
  refresh: Promise<void> | null = null;
  // Bumped by every retention cut, so a rescan that raced one does not mark the oldest times fresh.
  cuts = 0;
}

/**
 * Per table, the newest times of every series (and per field the newest and oldest time it has a value), built by
 * one scan on a table's first last-point query and kept up to date from the write path. It only ever narrows a
 * query with a time bound; the caller checks that the narrowed query found what it needed, and otherwise runs the
 * query as written, so a stale or racing entry can cost time but never change an answer.
 */
export class LastPointIndex {
  private readonly tables = new Map<string, TableTimes>();
  private seriesCount = 0;
  private builds = 0;
  private overflows = 0;
  private readonly enabled: boolean;

  constructor(private readonly opts: LastPointIndexOptions) {
    this.enabled = opts.enabled ?? true;
    opts.catalog.subscribe((e) => {
      if (e.kind === 'table-removed') this.drop(e.database.id, e.name);
      else if (e.kind === 'database-deleted' || e.kind === 'database-removed' || e.kind === 'database-forgotten') this.dropDatabase(e.database.id);
    });
  }

  stats(): LastPointStats {
    return { tables: this.tables.size, series: this.seriesCount, builds: this.builds, overflows: this.overflows };
  }

  // Acknowledged rows of a write: indexed tables take their times (nothing to do for the others).
  onWrite(db: Database, rows: readonly WriteRow[]): void {
    if (this.tables.size === 0) return;
    let name: string | undefined;
    let table: TableTimes | undefined;
    try {
      for (const row of rows) {
        if (row.table !== name) {
          name = row.table;
          table = this.tables.get(tableKey(db.id, name));
          if (table?.overflow) table = undefined;
        }
        if (table) this.addRow(db.id, name, table, row);
      }
    } catch (err) {
      // The write is already in the WAL: an index fault must never fail it.
      this.opts.logger.error({ err, db: db.name }, 'updating the last-point index failed');
    }
  }

  // Retention deleted the rows of `db` older than `cutoffNs`.
  onRowsDeleted(dbId: number, cutoffNs: bigint): void {
    for (const [key, t] of this.tables) {
      if (!key.startsWith(`${dbId}\u0000`)) continue;
      t.cuts++;
      for (const s of t.series.values()) if (!cutBefore(s, cutoffNs)) t.oldestStale = true;
    }
  }

  /**
   * A time at or below the time of every row a newest-first query over these series must return: the n-th newest
   * row when `need` is a row count, or for each field the newest time it has a value (the lowest of these) when
   * `need` lists fields. Undefined when the index cannot say.
   */
  async newestBound(dbId: number, table: string, tags: TagEqualities, need: number | readonly string[]): Promise<bigint | undefined> {
    const t = await this.ready(dbId, table);
    const matched = t && this.match(t, tags);
    if (!matched || matched.length === 0) return undefined;
    if (typeof need === 'number') {
      if (need < 1 || need > NEWEST_TIMES) return undefined;
      const times = matched.length === 1 ? matched[0]!.newest : matched.flatMap((s) => s.newest).sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
      return times.length >= need ? times[need - 1] : undefined;
    }
    let bound: bigint | undefined;
    for (const field of need) {
      let newest: bigint | undefined;
      for (const s of matched) {
        const e = s.fields.get(field);
        if (e && (newest === undefined || e[0] > newest)) newest = e[0];
      }
      if (newest === undefined) return undefined;
      if (bound === undefined || newest < bound) bound = newest;
    }
    return bound;
  }

  // A time at or above the oldest time each field has a value in these series (first()), or undefined.
  async oldestBound(dbId: number, table: string, tags: TagEqualities, fields: readonly string[]): Promise<bigint | undefined> {
    const t = await this.ready(dbId, table);
    if (!t || fields.length === 0) return undefined;
    if (t.oldestStale) await this.rescanOldest(dbId, table, t);
    const matched = this.match(t, tags);
    if (!matched || matched.length === 0) return undefined;
    let bound: bigint | undefined;
    for (const field of fields) {
      let oldest: bigint | undefined;
      for (const s of matched) {
        const e = s.fields.get(field);
        if (!e) continue;
        if (e[1] === null) return undefined;
        if (oldest === undefined || e[1] < oldest) oldest = e[1];
      }
      if (oldest === undefined) return undefined;
      if (bound === undefined || oldest > bound) bound = oldest;
    }
    return bound;
  }

  // The table's index, built by a scan on first use; undefined when it is disabled, too big or failed.
  private async ready(dbId: number, table: string): Promise<TableTimes | undefined> {
    if (!this.enabled) return undefined;
    const key = tableKey(dbId, table);
    let t = this.tables.get(key);
    if (!t) {
      t = new TableTimes();
      this.tables.set(key, t);
      t.ready = this.build(dbId, table, t);
    }
    const ok = await t.ready;
    return ok && !t.overflow && this.tables.get(key) === t ? t : undefined;
  }

  // Writes are recorded from the moment the table is in `tables`; the scan then adds every row applied before.
  private async build(dbId: number, table: string, t: TableTimes): Promise<boolean> {
    const columns = this.columns(dbId, table);
    if (!columns) return false;
    const tags = columns.filter((c) => c.type === 'tag').map((c) => c.name);
    const fields = columns.filter((c) => c.type !== 'tag' && c.type !== 'time').map((c) => c.name);
    const started = performance.now();
    try {
      const select = [
        ...tags.map(quoteIdent),
        `max(epoch_ns("time"), ${NEWEST_TIMES})`,
        ...fields.flatMap((f) => {
          const having = `FILTER (WHERE ${quoteIdent(f)} IS NOT NULL)`;
          return [`epoch_ns(max("time") ${having})`, `epoch_ns(min("time") ${having})`];
        }),
      ];
      const result = await this.opts.query(dbId, `SELECT ${select.join(', ')} FROM ${quoteIdent(table)} GROUP BY ALL`);
      for (const row of result.rows) {
        if (t.overflow) break;
        const times = (row[tags.length] as bigint[] | null) ?? [];
        if (times.length === 0) continue;
        const pairs: Array<[string, string]> = [];
        tags.forEach((name, i) => {
          if (row[i] !== null) pairs.push([name, String(row[i])]);
        });
        const s = this.seriesOf(dbId, table, t, pairs);
        if (!s) break;
        for (const time of times) addNewest(s.newest, BigInt(time));
        fields.forEach((f, i) => {
          const newest = row[tags.length + 1 + 2 * i] as bigint | null;
          const oldest = row[tags.length + 2 + 2 * i] as bigint | null;
          if (newest !== null) addField(s, f, BigInt(newest));
          if (oldest !== null) addField(s, f, BigInt(oldest));
        });
      }
      this.builds++;
      this.opts.logger.debug({ dbId, table, series: t.series.size, ms: Math.round(performance.now() - started) }, 'last-point index built');
      return !t.overflow;
    } catch (err) {
      this.opts.logger.warn({ err, dbId, table }, 'building the last-point index failed; queries run unbounded');
      this.drop(dbId, table, t);
      return false;
    }
  }

  // After a retention cut: the oldest time of each field, scanned again.
  private async rescanOldest(dbId: number, table: string, t: TableTimes): Promise<void> {
    t.refresh ??= (async () => {
      const columns = this.columns(dbId, table);
      if (!columns) return;
      const cuts = t.cuts;
      const tags = columns.filter((c) => c.type === 'tag').map((c) => c.name);
      const fields = columns.filter((c) => c.type !== 'tag' && c.type !== 'time').map((c) => c.name);
      const select = [...tags.map(quoteIdent), ...fields.map((f) => `epoch_ns(min("time") FILTER (WHERE ${quoteIdent(f)} IS NOT NULL))`)];
      const result = await this.opts.query(dbId, `SELECT ${select.join(', ')} FROM ${quoteIdent(table)} GROUP BY ALL`);
      for (const row of result.rows) {
        const pairs: Array<[string, string]> = [];
        tags.forEach((name, i) => {
          if (row[i] !== null) pairs.push([name, String(row[i])]);
        });
        const s = t.series.get(seriesKey(pairs));
        if (!s) continue;
        fields.forEach((f, i) => {
          const oldest = row[tags.length + i] as bigint | null;
          const e = s.fields.get(f);
          // A write since the scan may have gone below it; the scan is the oldest of what was there.
          if (e && oldest !== null && (e[1] === null || BigInt(oldest) < e[1])) e[1] = BigInt(oldest);
        });
      }
      if (t.cuts === cuts) t.oldestStale = false;
    })()
      .catch((err: unknown) => this.opts.logger.warn({ err, dbId, table }, 'rescanning oldest times for the last-point index failed'))
      .finally(() => {
        t.refresh = null;
      });
    await t.refresh;
  }

  // The series matching every tag equality, or undefined when they are too many to bound.
  private match(t: TableTimes, tags: TagEqualities): SeriesTimes[] | undefined {
    let smallest: SeriesTimes[] | undefined;
    for (const [name, value] of tags) {
      const list = t.byTag.get(`${name}\u0000${value}`) ?? [];
      if (!smallest || list.length < smallest.length) smallest = list;
    }
    const candidates = smallest ?? [...t.series.values()];
    const matched = tags.size <= 1 ? candidates : candidates.filter((s) => [...tags].every(([k, v]) => s.tags.get(k) === v));
    if (matched.length > MAX_MATCHED_SERIES) {
      this.opts.logger.debug({ series: matched.length, max: MAX_MATCHED_SERIES }, 'last-point query matches too many series to bound');
      return undefined;
    }
    return matched;
  }

  private addRow(dbId: number, table: string, t: TableTimes, row: WriteRow): void {
    const s = t.series.get(seriesKey(row.tags)) ?? this.seriesOf(dbId, table, t, row.tags);
    if (s) addRow(s, row);
  }

  // The series of these tags, added if new; undefined once the table overflowed.
  private seriesOf(dbId: number, table: string, t: TableTimes, tags: ReadonlyArray<readonly [string, string]>): SeriesTimes | undefined {
    const key = seriesKey(tags);
    const known = t.series.get(key);
    if (known) return known;
    if (this.seriesCount >= MAX_INDEXED_SERIES) {
      this.overflows++;
      this.opts.logger.warn({ dbId, table, maxSeries: MAX_INDEXED_SERIES }, 'last-point index full: this table is left unindexed and its last-point queries scan');
      this.seriesCount -= t.series.size;
      t.series.clear();
      t.byTag.clear();
      t.overflow = true;
      return undefined;
    }
    const s = newSeries(tags);
    t.series.set(key, s);
    this.seriesCount++;
    for (const [name, value] of tags) {
      const k = `${name}\u0000${value}`;
      const list = t.byTag.get(k);
      if (list) list.push(s);
      else t.byTag.set(k, [s]);
    }
    return s;
  }

  private columns(dbId: number, table: string): ColumnDef[] | undefined {
    const db = this.opts.catalog.databaseById(dbId);
    const t = db && this.opts.catalog.table(db, table);
    return t && !t.deleted ? t.columns : undefined;
  }

  private drop(dbId: number, table: string, only?: TableTimes): void {
    const key = tableKey(dbId, table);
    const t = this.tables.get(key);
    if (!t || (only && t !== only)) return;
    this.seriesCount -= t.series.size;
    this.tables.delete(key);
  }

  private dropDatabase(dbId: number): void {
    for (const key of [...this.tables.keys()]) {
      if (key.startsWith(`${dbId}\u0000`)) this.drop(dbId, key.slice(key.indexOf('\u0000') + 1));
    }
  }
}

function tableKey(dbId: number, table: string): string {
  return `${dbId}\u0000${table}`;
}
