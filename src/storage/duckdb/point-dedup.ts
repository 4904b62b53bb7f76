import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnDef, Field, WriteRow } from '../types.js';
import type { BatchGroup } from './batch-groups.js';
import { qualifiedTable, quoteIdent } from '../query/sql-names.js';

/*
 * InfluxDB identifies a point by (measurement, tag set, time): writing the same point again replaces it,
 * field by field — the later value of each field wins and fields the later write lacks keep their value
 * (IOx deduplicates on tags + time and merges columns, later non-null values winning). A missing tag is part
 * of the key (NULL), so a row without `host` and a row with it are different series.
 *
 * The store applies this when a WAL batch is applied, inside the batch's DuckDB transaction:
 *  1. dedupePoints merges the batch's own duplicates in JS, in write order, before anything is appended;
 *  2. if the batch's earliest time is later than the table's latest stored time (the common real-time
 *     case, see TableTimeBounds) no stored row can collide and the rows are simply appended;
 *  3. otherwise, after the append, mergeStoredDuplicates collapses every (tags, time) group of the batch's
 *     time range that now has more than one row into one merged row.
 */

// A table's rows of one batch with the batch's time range (rows holds each point once).
export interface PointBatch extends BatchGroup {
  minTime: bigint;
  maxTime: bigint;
  // Rows of the batch folded into an earlier row of the same point.
  folded: number;
}

// The series key of a tag set: canonical (sorted by tag name, a repeated name keeps its last value) and
// unambiguous (length-prefixed), whatever characters names and values hold.
export function seriesKey(tags: ReadonlyArray<readonly [string, string]>): string {
  let sorted = true;
  for (let i = 1; i < tags.length; i++) {
    if (tags[i - 1]![0] >= tags[i]![0]) {
      sorted = false;
      break;
    }
  }
  const list = sorted ? tags : [...tags].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let key = '';
  for (let i = 0; i < list.length; i++) {
    const [name, value] = list[i]!;
    // Same name twice (the parser never emits it): the appender stores the later value, so the key uses it.
    if (i + 1 < list.length && list[i + 1]![0] === name) continue;
    key += `${name.length}:${name}${value.length}:${value}`;
  }
  return key;
}

interface SeriesState {
  // The current run: the series' latest rows, strictly increasing in time.
  runMin: bigint;
  runMax: bigint;
  // Earlier runs as [min, max, min, max, …], once the series stepped back in time.
  runs: bigint[] | undefined;
  // A row fell inside an earlier run's range: the series may hold a point twice.
  suspect: boolean;
  rows: number[] | undefined;
}

const MAX_RUNS = 16;

/**
 * Merges rows of the same point (same tag set and time) in write order: later field values win, fields
 * the later row lacks are kept. Each series is followed as runs of strictly increasing times: one map
 * lookup and one time comparison per row prove that a series moving forward (real-time ingest) holds no
 * point twice, and a series that steps back (writers' batches applied out of order) is still cleared
 * while each row falls outside the ranges of its earlier runs. Only the remaining series (rewrites) have
 * their rows sorted by time to find the duplicates. Rows are never mutated (the flush buffer shares
 * them): merged points are new row objects, placed where the point first appeared.
 */
export function dedupePoints(group: BatchGroup): PointBatch {
  const rows = group.rows;
  if (rows.length === 0) return { ...group, minTime: 0n, maxTime: 0n, folded: 0 };
  // The parser shares one frozen tags array among the lines of a body that name the same series, so most
  // rows are found by identity; the string key is built once per distinct array.
  const byArray = new Map<ReadonlyArray<readonly [string, string]>, SeriesState>();
  const byKey = new Map<string, SeriesState>();
  let suspects = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const t = row.time;
    let state = byArray.get(row.tags);
    if (state === undefined) {
      const key = seriesKey(row.tags);
      state = byKey.get(key);
      if (state === undefined) {
        state = { runMin: t, runMax: t, runs: undefined, suspect: false, rows: undefined };
        byKey.set(key, state);
        byArray.set(row.tags, state);
        continue;
      }
      byArray.set(row.tags, state);
    }
    if (state.runs === undefined && t > state.runMax) {
      state.runMax = t;
      continue;
    }
    if (state.suspect) {
      // No more run tracking: the current run's bounds just widen to keep the time range.
      if (t < state.runMin) state.runMin = t;
      else if (t > state.runMax) state.runMax = t;
      continue;
    }
    if (t > state.runMax) state.runMax = t;
    else {
      (state.runs ??= []).push(state.runMin, state.runMax);
      state.runMin = t;
      state.runMax = t;
    }
    const runs = state.runs!;
    let inside = runs.length > 2 * MAX_RUNS;
    for (let r = 0; r < runs.length && !inside; r += 2) inside = runs[r]! <= t && t <= runs[r + 1]!;
    if (inside) {
      state.suspect = true;
      suspects++;
    }
  }
  // The batch's time range from each series' runs (no per-row bigint comparisons).
  let min = rows[0]!.time;
  let max = min;
  for (const state of byKey.values()) {
    if (state.runMin < min) min = state.runMin;
    if (state.runMax > max) max = state.runMax;
    const runs = state.runs;
    if (runs === undefined) continue;
    for (let r = 0; r < runs.length; r += 2) {
      if (runs[r]! < min) min = runs[r]!;
      if (runs[r + 1]! > max) max = runs[r + 1]!;
    }
  }
  if (suspects === 0) return { ...group, minTime: min, maxTime: max, folded: 0 };
  const { rows: out, folded } = foldDuplicates(rows, byArray);
  return { ...group, rows: out, minTime: min, maxTime: max, folded };
}

// Sorts the rows of each suspect series by time (write order among equals) and merges equal times.
function foldDuplicates(
  rows: WriteRow[],
  byArray: Map<ReadonlyArray<readonly [string, string]>, SeriesState>,
): { rows: WriteRow[]; folded: number } {
  const suspects: SeriesState[] = [];
  for (let i = 0; i < rows.length; i++) {
    const state = byArray.get(rows[i]!.tags)!;
    if (!state.suspect) continue;
    if (state.rows === undefined) {
      state.rows = [];
      suspects.push(state);
    }
    state.rows.push(i);
  }
  const merged = new Map<number, WriteRow>();
  const dropped = new Uint8Array(rows.length);
  let folded = 0;
  for (const state of suspects) {
    const idx = state.rows!;
    idx.sort((a, b) => {
      const ta = rows[a]!.time;
      const tb = rows[b]!.time;
      return ta < tb ? -1 : ta > tb ? 1 : a - b;
    });
    for (let j = 0; j < idx.length; ) {
      let end = j + 1;
      while (end < idx.length && rows[idx[end]!]!.time === rows[idx[j]!]!.time) end++;
      if (end - j > 1) {
        let row = rows[idx[j]!]!;
        for (let k = j + 1; k < end; k++) {
          row = mergeRows(row, rows[idx[k]!]!);
          dropped[idx[k]!] = 1;
          folded++;
        }
        merged.set(idx[j]!, row);
      }
      j = end;
    }
  }
  if (folded === 0) return { rows, folded };
  const out: WriteRow[] = [];
  for (let i = 0; i < rows.length; i++) if (dropped[i] === 0) out.push(merged.get(i) ?? rows[i]!);
  return { rows: out, folded };
}

// `later` overwrites the fields it carries; the order of first appearance is kept.
export function mergeRows(earlier: WriteRow, later: WriteRow): WriteRow {
  const fields = new Map<string, Field>();
  for (const f of earlier.fields) fields.set(f.key, f);
  for (const f of later.fields) fields.set(f.key, f);
  return { table: later.table, tags: later.tags, fields: [...fields.values()], time: later.time };
}

const DEDUP_TEMP = quoteIdent('_influx_point_dedup');

function timeLiteral(ns: bigint): string {
  return `make_timestamp_ns(CAST(${BigInt(ns).toString()} AS BIGINT))`;
}

// DuckDB's rowid pseudo-column is hidden by a real column of that name.
export function hasRowidColumn(columns: ColumnDef[]): boolean {
  return columns.some((c) => c.name.toLowerCase() === 'rowid');
}

/**
 * Collapses each (tags…, time) group of [minTime, maxTime] holding more than one row into one row whose
 * fields are the newest non-NULL values. Runs on the writer connection inside the batch's transaction,
 * after the batch was appended. Newest means the highest rowid: rows appended in the open transaction live
 * in transaction-local storage whose rowids start at MAX_ROW_ID (2^55), above every committed rowid, and the
 * batch holds each point once (dedupePoints), so in every group the batch's row is the newest. Older rows of
 * a group (duplicates stored before deduplication existed) are ordered by their committed rowids, which
 * normally follow append order. GROUP BY puts NULL tags together, i.e. compares tags with IS NOT DISTINCT FROM.
 * Returns the number of rows removed.
 */
export async function mergeStoredDuplicates(
  conn: DuckDBConnection,
  dbId: number,
  table: string,
  columns: ColumnDef[],
  minTime: bigint,
  maxTime: bigint,
): Promise<number> {
  const time = columns.find((c) => c.type === 'time');
  if (!time) return 0;
  const target = qualifiedTable(dbId, table);
  const keys: string[] = [];
  const select: string[] = ['list(s.rowid) AS rids'];
  columns.forEach((c, i) => {
    const col = `s.${quoteIdent(c.name)}`;
    if (c.type === 'tag' || c === time) {
      keys.push(col);
      select.push(`${col} AS c${i}`);
    } else {
      select.push(`arg_max(${col}, s.rowid) FILTER (WHERE ${col} IS NOT NULL) AS c${i}`);
    }
  });
  const range = `BETWEEN ${timeLiteral(minTime)} AND ${timeLiteral(maxTime)}`;
  const found = await conn.runAndReadAll(
    `CREATE OR REPLACE TEMP TABLE ${DEDUP_TEMP} AS SELECT ${select.join(', ')} FROM ${target} AS s
       WHERE s.${quoteIdent(time.name)} ${range} GROUP BY ${keys.join(', ')} HAVING count(*) > 1;
     SELECT CAST(count(*) AS BIGINT), CAST(COALESCE(sum(len(rids)), 0) AS BIGINT) FROM ${DEDUP_TEMP}`,
  );
  const [groups, rowsInGroups] = found.getRows()[0] as [bigint, bigint];
  if (groups === 0n) return 0;
  await conn.run(
    `DELETE FROM ${target} WHERE ${quoteIdent(time.name)} ${range} AND rowid IN (SELECT unnest(rids) FROM ${DEDUP_TEMP});
     INSERT INTO ${target} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) SELECT ${columns.map((_, i) => `c${i}`).join(', ')} FROM ${DEDUP_TEMP};
     DROP TABLE ${DEDUP_TEMP}`,
  );
  return Number(rowsInGroups - groups);
}

/**
 * The latest stored time of each table, so a batch entirely after it skips mergeStoredDuplicates. Read
 * lazily (one max(time) per table per process), raised after each committed append, lowered when
 * retention empties a table and forgotten when a table or database is dropped. It only ever errs high
 * (a harmless extra merge check), never low: the store's writer is the only connection that writes.
 */
export class TableTimeBounds {
  // undefined: not read yet; null: the table holds no rows.
  private readonly max = new Map<string, bigint | null>();

  private static key(dbId: number, table: string): string {
    return `${dbId}\u0000${table}`;
  }

  async latest(conn: DuckDBConnection, dbId: number, table: string, timeColumn = 'time'): Promise<bigint | null> {
    const key = TableTimeBounds.key(dbId, table);
    const known = this.max.get(key);
    if (known !== undefined) return known;
    const res = await conn.runAndReadAll(
      `SELECT CAST(epoch_ns(max(${quoteIdent(timeColumn)})) AS BIGINT) FROM ${qualifiedTable(dbId, table)}`,
    );
    const value = (res.getRows()[0]?.[0] ?? null) as bigint | null;
    this.max.set(key, value);
    return value;
  }

  // After a commit that stored rows up to maxTime (only raises a value that was read).
  appended(dbId: number, table: string, maxTime: bigint): void {
    const key = TableTimeBounds.key(dbId, table);
    const known = this.max.get(key);
    if (known === undefined) return;
    if (known === null || maxTime > known) this.max.set(key, maxTime);
  }

  // After deleting rows older than cutoff: the latest row survives unless it was older too.
  deletedBefore(dbId: number, table: string, cutoff: bigint): void {
    const key = TableTimeBounds.key(dbId, table);
    const known = this.max.get(key);
    if (known !== undefined && known !== null && known < cutoff) this.max.set(key, null);
  }

  forgetTable(dbId: number, table: string): void {
    this.max.delete(TableTimeBounds.key(dbId, table));
  }

  forgetDatabase(dbId: number): void {
    const prefix = `${dbId}\u0000`;
    for (const key of this.max.keys()) if (key.startsWith(prefix)) this.max.delete(key);
  }

  clear(): void {
    this.max.clear();
  }
}
