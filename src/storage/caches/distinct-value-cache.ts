import type { WriteRow } from '../types.js';
import type { DistinctCacheDefinition } from '../catalog/catalog-resources.js';
import type { KeyColumn } from './last-value-cache.js';

// One distinct combination of values, with the newest row time it was seen at.
interface Leaf {
  key: string;
  values: string[];
  lastSeenNs: bigint;
  evicted: boolean;
}

type Branch = Map<string, Branch | Leaf>;

function columnValue(row: WriteRow, col: KeyColumn): string | undefined {
  if (col.type === 'tag') {
    for (const t of row.tags) if (t[0] === col.name) return t[1];
    return undefined;
  }
  for (const f of row.fields) if (f.key === col.name) return typeof f.value === 'string' ? f.value : undefined;
  return undefined;
}

// Length-prefixed, so no value can forge another combination's key.
function compositeKey(values: readonly string[]): string {
  let key = '';
  for (const v of values) key += `${v.length}:${v}`;
  return key;
}

function compareValues(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return 0;
}

/**
 * The distinct combinations of a few tag/string columns, as a tree with one level per column (upstream's shape).
 * An entry lives while its newest row time is within `max_age` of now (row time, as upstream); beyond
 * `max_cardinality` the least recently written combination is evicted at once. Rows missing a column are skipped.
 */
export class DistinctValueCache {
  private root: Branch = new Map();
  // Every leaf, least recently written first: eviction takes the head.
  private readonly recency = new Map<string, Leaf>();
  private readonly maxAgeNs: bigint;
  private readonly scratch: string[];
  private readonly tagsOnly: boolean;

  constructor(readonly def: DistinctCacheDefinition, readonly columns: readonly KeyColumn[]) {
    this.maxAgeNs = BigInt(def.maxAgeSeconds) * 1_000_000_000n;
    this.scratch = new Array<string>(columns.length);
    this.tagsOnly = columns.every((c) => c.type === 'tag');
  }

  // Rows of one write: with tag columns only, a series seen again in the same body just refreshes its time.
  pushAll(rows: readonly WriteRow[], nowNs: bigint): void {
    if (!this.tagsOnly) {
      for (const row of rows) this.push(row, nowNs);
      return;
    }
    const memo = new Map<WriteRow['tags'], Leaf | null>();
    const cutoff = nowNs - this.maxAgeNs;
    for (const row of rows) {
      if (row.time <= cutoff) continue;
      const leaf = memo.get(row.tags);
      if (leaf === null) continue;
      if (leaf !== undefined && !leaf.evicted) {
        if (row.time > leaf.lastSeenNs) leaf.lastSeenNs = row.time;
        continue;
      }
      memo.set(row.tags, this.touch(row) ?? null);
    }
  }

  get cardinality(): number {
    return this.recency.size;
  }

  push(row: WriteRow, nowNs: bigint): void {
    if (row.time > nowNs - this.maxAgeNs) this.touch(row);
  }

  // Adds or refreshes the row's combination; undefined when the row lacks a column.
  private touch(row: WriteRow): Leaf | undefined {
    const cols = this.columns;
    const values = this.scratch;
    for (let i = 0; i < cols.length; i++) {
      const v = columnValue(row, cols[i]!);
      if (v === undefined) return undefined;
      values[i] = v;
    }
    const key = cols.length === 1 ? values[0]! : compositeKey(values);
    const leaf = this.recency.get(key);
    if (leaf) {
      if (row.time > leaf.lastSeenNs) leaf.lastSeenNs = row.time;
      this.recency.delete(key);
      this.recency.set(key, leaf);
      return leaf;
    }
    const fresh: Leaf = { key, values: values.slice(), lastSeenNs: row.time, evicted: false };
    let branch = this.root;
    for (let i = 0; i < cols.length - 1; i++) {
      let next = branch.get(values[i]!) as Branch | undefined;
      if (!next) branch.set(values[i]!, (next = new Map()));
      branch = next;
    }
    branch.set(values[cols.length - 1]!, fresh);
    this.recency.set(key, fresh);
    if (this.recency.size > this.def.maxCardinality) this.evict(this.recency.values().next().value!);
    return fresh;
  }

  private evict(leaf: Leaf): void {
    leaf.evicted = true;
    this.recency.delete(leaf.key);
    const path: Branch[] = [this.root];
    for (let i = 0; i < leaf.values.length - 1; i++) {
      const next = path[i]!.get(leaf.values[i]!) as Branch | undefined;
      if (!next) return;
      path.push(next);
    }
    for (let i = leaf.values.length - 1; i >= 0; i--) {
      const branch = path[i]!;
      branch.delete(leaf.values[i]!);
      if (branch.size > 0 || i === 0) break;
    }
  }

  // The live combinations matching per-column IN lists (undefined: any value), sorted by value.
  query(predicates: ReadonlyArray<readonly string[] | undefined> | undefined, nowNs: bigint): string[][] {
    const cutoff = nowNs - this.maxAgeNs;
    const out: string[][] = [];
    const depthMax = this.columns.length - 1;
    const walk = (branch: Branch, depth: number): void => {
      const visit = (child: Branch | Leaf): void => {
        if (depth === depthMax) {
          const leaf = child as Leaf;
          if (leaf.lastSeenNs > cutoff) out.push(leaf.values);
        } else walk(child as Branch, depth + 1);
      };
      const wanted = predicates?.[depth];
      if (wanted) {
        for (const v of new Set(wanted)) {
          const child = branch.get(v);
          if (child !== undefined) visit(child);
        }
      } else for (const child of branch.values()) visit(child);
    };
    walk(this.root, 0);
    return out.sort(compareValues);
  }

  // Drops combinations not written within max_age; returns the cardinality left.
  prune(nowNs: bigint): number {
    const cutoff = nowNs - this.maxAgeNs;
    for (const leaf of [...this.recency.values()]) if (leaf.lastSeenNs <= cutoff) this.evict(leaf);
    return this.recency.size;
  }
}
