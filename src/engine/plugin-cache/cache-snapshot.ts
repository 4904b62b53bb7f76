// One pickled cache entry as the host keeps it: opaque bytes plus expiry in unix seconds (null = never).
export interface CacheEntry {
  value: Buffer;
  expiresAt: number | null;
}

// A namespace's contents, key → entry (PROTOCOL.md §6 `Snapshot`).
export type CacheSnapshot = Map<string, CacheEntry>;

// What a call changed in a local namespace (PROTOCOL.md §6 `CacheChanges`); `cacheName` null = the trigger's own.
export interface CacheChanges {
  cacheName: string | null;
  set: CacheSnapshot;
  deleted: string[];
  unpicklable: string[];
}

// Reads `cache_changes` off a result or error object; null when absent or malformed (persistence is best effort).
export function parseCacheChanges(raw: unknown): CacheChanges | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  const set: CacheSnapshot = new Map();
  if (typeof r.set === 'object' && r.set !== null) {
    for (const [key, item] of Object.entries(r.set as Record<string, unknown>)) {
      const entry = parseEntry(item);
      if (entry) set.set(key, entry);
    }
  }
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    cacheName: typeof r.cache_name === 'string' ? r.cache_name : null,
    set,
    deleted: strings(r.deleted),
    unpicklable: strings(r.unpicklable),
  };
}

// `{value: bin, expires_at}` → CacheEntry; the bytes are copied so the frame they arrived in can be freed.
export function parseEntry(item: unknown): CacheEntry | null {
  if (typeof item !== 'object' || item === null) return null;
  const { value, expires_at: expiresAt } = item as Record<string, unknown>;
  if (!(value instanceof Uint8Array)) return null;
  return { value: Buffer.from(value), expiresAt: typeof expiresAt === 'number' ? expiresAt : null };
}

// Applies a call's changes to the host copy of its namespace; returns whether anything changed.
export function applyCacheChanges(snapshot: CacheSnapshot, changes: CacheChanges): boolean {
  let changed = false;
  for (const [key, entry] of changes.set) {
    snapshot.set(key, entry);
    changed = true;
  }
  for (const key of changes.deleted) changed = snapshot.delete(key) || changed;
  return changed;
}

// Drops expired entries (a snapshot handed to a new runner skips them anyway; this keeps files small).
export function pruneExpired(snapshot: CacheSnapshot, nowSeconds: number): void {
  for (const [key, entry] of snapshot) {
    if (entry.expiresAt !== null && entry.expiresAt <= nowSeconds) snapshot.delete(key);
  }
}

// The wire form of a snapshot (`load.cache_snapshot` / a call's `cache_snapshot`): a msgpack map of maps.
export function snapshotToWire(snapshot: CacheSnapshot): Map<string, { value: Buffer; expires_at: number | null }> {
  const wire = new Map<string, { value: Buffer; expires_at: number | null }>();
  for (const [key, entry] of snapshot) wire.set(key, { value: entry.value, expires_at: entry.expiresAt });
  return wire;
}
