import type { ColumnType, Field, FieldValue, WriteRow } from '../types.js';
import type { LastCacheDefinition } from '../catalog/catalog-resources.js';

// A key column value: tags and string fields are strings, integers bigint, booleans boolean.
export type KeyValue = string | bigint | boolean;

// Per key column: undefined (any value) or the values it must take (an IN list; `=` is a list of one).
export type KeyPredicates = ReadonlyArray<readonly KeyValue[] | undefined>;

// One cached row: its time, when it entered the cache (for the ttl), and the written columns (by reference).
export interface CachedRow {
  time: bigint;
  atMs: number;
  tags: ReadonlyArray<[string, string]>;
  fields: readonly Field[];
}

// The newest rows of one key combination, newest first.
class Store {
  rows: CachedRow[] = [];
}

type Level = Map<KeyValue, Level | Store>;

export interface KeyColumn {
  name: string;
  type: ColumnType;
}

function keyValue(row: WriteRow, col: KeyColumn): KeyValue | undefined {
  if (col.type === 'tag') {
    for (const t of row.tags) if (t[0] === col.name) return t[1];
    return undefined;
  }
  for (const f of row.fields) if (f.key === col.name) return f.value as KeyValue;
  return undefined;
}

function sameTags(a: ReadonlyArray<[string, string]>, b: ReadonlyArray<[string, string]>): boolean {
  if (a.length !== b.length) return false;
  outer: for (const [k, v] of b) {
    for (const t of a) if (t[0] === k) {
      if (t[1] !== v) return false;
      continue outer;
    }
    return false;
  }
  return true;
}

// A later write of the same series and time overwrites the fields it carries and keeps the others (as storage does).
function merge(old: CachedRow, row: WriteRow, atMs: number): CachedRow {
  const fields = [...row.fields];
  for (const f of old.fields) if (!row.fields.some((n) => n.key === f.key)) fields.push(f);
  return { time: row.time, atMs, tags: row.tags, fields };
}

// The value of one column in a cached row, or null when the row did not carry it.
export function cachedValue(row: CachedRow, col: KeyColumn): FieldValue | bigint | null {
  if (col.type === 'time') return row.time;
  if (col.type === 'tag') {
    for (const t of row.tags) if (t[0] === col.name) return t[1];
    return null;
  }
  for (const f of row.fields) if (f.key === col.name) return f.value;
  return null;
}

/**
 * The newest `count` rows per combination of key column values, each kept for `ttl` after it arrived.
 * A tree of maps, one level per key column (as upstream), so `WHERE` on any prefix of keys is a few lookups.
 * Rows missing a key column are not cached. Rows arriving out of order take their place by time.
 */
export class LastValueCache {
  private root: Level | Store;
  private readonly ttlMs: number;
  private readonly scratch: KeyValue[];
  private readonly tagKeysOnly: boolean;

  constructor(readonly def: LastCacheDefinition, readonly keyColumns: readonly KeyColumn[]) {
    this.root = keyColumns.length === 0 ? new Store() : new Map();
    this.ttlMs = def.ttlSeconds * 1000;
    this.scratch = new Array<KeyValue>(keyColumns.length);
    this.tagKeysOnly = keyColumns.every((k) => k.type === 'tag');
  }

  push(row: WriteRow, nowMs: number): void {
    const store = this.storeFor(row);
    if (store) this.insert(store, row, nowMs);
  }

  // Rows of one write. The parser shares one frozen tags array per series in a body, so with tag keys the
  // key walk runs once per series, not once per row.
  pushAll(rows: readonly WriteRow[], nowMs: number): void {
    if (!this.tagKeysOnly || this.keyColumns.length === 0) {
      for (const row of rows) this.push(row, nowMs);
      return;
    }
    const memo = new Map<WriteRow['tags'], Store | null>();
    for (const row of rows) {
      let store = memo.get(row.tags);
      if (store === undefined) memo.set(row.tags, (store = this.storeFor(row) ?? null));
      if (store !== null) this.insert(store, row, nowMs);
    }
  }

  // The row's key store, created on first use; undefined when the row lacks a key column.
  private storeFor(row: WriteRow): Store | undefined {
    const keys = this.keyColumns;
    const n = keys.length;
    if (n === 0) return this.root as Store;
    const values = this.scratch;
    for (let i = 0; i < n; i++) {
      const v = keyValue(row, keys[i]!);
      if (v === undefined) return undefined;
      values[i] = v;
    }
    let level = this.root as Level;
    for (let i = 0; i < n - 1; i++) {
      let next = level.get(values[i]!) as Level | undefined;
      if (!next) level.set(values[i]!, (next = new Map()));
      level = next;
    }
    let store = level.get(values[n - 1]!) as Store | undefined;
    if (!store) level.set(values[n - 1]!, (store = new Store()));
    return store;
  }

  private insert(store: Store, row: WriteRow, nowMs: number): void {
    const rows = store.rows;
    const t = row.time;
    const count = this.def.count;
    if (rows.length === 0 || t > rows[0]!.time) {
      const entry: CachedRow = { time: t, atMs: nowMs, tags: row.tags, fields: row.fields };
      if (count === 1) rows[0] = entry;
      else {
        rows.unshift(entry);
        if (rows.length > count) rows.length = count;
      }
      return;
    }
    let i = 0;
    while (i < rows.length && rows[i]!.time > t) i++;
    for (let j = i; j < rows.length && rows[j]!.time === t; j++) {
      if (sameTags(rows[j]!.tags, row.tags)) {
        rows[j] = merge(rows[j]!, row, nowMs);
        return;
      }
    }
    if (i >= count) return;
    rows.splice(i, 0, { time: t, atMs: nowMs, tags: row.tags, fields: row.fields });
    if (rows.length > count) rows.length = count;
  }

  /**
   * Visits the live rows matching the key predicates: `visit(keyValues, row)`, newest first within a key.
   * `keyValues` is reused between calls; copy it to keep it.
   */
  lookup(predicates: KeyPredicates | undefined, nowMs: number, visit: (keys: readonly KeyValue[], row: CachedRow) => void): void {
    const n = this.keyColumns.length;
    const minAt = nowMs - this.ttlMs;
    // Fast path: every key column pinned to one value is one map lookup per level.
    if (predicates !== undefined && predicates.length === n) {
      let pinned = true;
      for (let i = 0; i < n; i++) if (predicates[i]?.length !== 1) pinned = false;
      if (pinned) {
        let node: Level | Store | undefined = this.root;
        const keys = new Array<KeyValue>(n);
        for (let i = 0; i < n && node !== undefined; i++) node = (node as Level).get((keys[i] = predicates[i]![0]!));
        if (node === undefined) return;
        for (const r of (node as Store).rows) if (r.atMs > minAt) visit(keys, r);
        return;
      }
    }
    this.walk(this.root, 0, new Array<KeyValue>(n), predicates, minAt, visit);
  }

  private walk(
    node: Level | Store,
    depth: number,
    keys: KeyValue[],
    predicates: KeyPredicates | undefined,
    minAt: number,
    visit: (keys: readonly KeyValue[], row: CachedRow) => void,
  ): void {
    if (depth === keys.length) {
      for (const r of (node as Store).rows) if (r.atMs > minAt) visit(keys, r);
      return;
    }
    const level = node as Level;
    const wanted = predicates?.[depth];
    if (wanted) {
      for (const v of wanted) {
        const child = level.get(v);
        if (child === undefined) continue;
        keys[depth] = v;
        this.walk(child, depth + 1, keys, predicates, minAt, visit);
      }
      return;
    }
    for (const [v, child] of level) {
      keys[depth] = v;
      this.walk(child, depth + 1, keys, predicates, minAt, visit);
    }
  }

  // Rows for a query: the key values, then `valueColumns` in order (null where a row lacks the column).
  rows(valueColumns: readonly KeyColumn[], predicates: KeyPredicates | undefined, nowMs: number): unknown[][] {
    const out: unknown[][] = [];
    const nk = this.keyColumns.length;
    this.lookup(predicates, nowMs, (keys, r) => {
      const row = new Array<unknown>(nk + valueColumns.length);
      for (let i = 0; i < nk; i++) row[i] = keys[i];
      for (let i = 0; i < valueColumns.length; i++) row[nk + i] = cachedValue(r, valueColumns[i]!);
      out.push(row);
    });
    return out;
  }

  // Drops rows past the ttl and the keys left empty; returns the number of keys still held.
  prune(nowMs: number): number {
    const minAt = nowMs - this.ttlMs;
    let keys = 0;
    const walk = (node: Level | Store): boolean => {
      if (node instanceof Store) {
        if (node.rows.some((r) => r.atMs <= minAt)) node.rows = node.rows.filter((r) => r.atMs > minAt);
        if (node.rows.length > 0) keys++;
        return node.rows.length === 0;
      }
      for (const [v, child] of node) if (walk(child)) node.delete(v);
      return node.size === 0;
    };
    walk(this.root);
    return keys;
  }

  // Number of key combinations held (expired rows included until the next prune).
  size(): number {
    const count = (node: Level | Store): number => {
      if (node instanceof Store) return node.rows.length > 0 ? 1 : 0;
      let n = 0;
      for (const child of node.values()) n += count(child);
      return n;
    };
    return count(this.root);
  }
}
