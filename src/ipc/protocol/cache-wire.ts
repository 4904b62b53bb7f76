import { PROTOCOL_SHAPES, fromWire } from './protocol-methods.js';

// One pickled cache entry as the host keeps it: opaque bytes plus expiry in unix seconds (null = never).
export interface CacheEntry {
  value: Buffer;
  expiresAt: number | null;
}

// A namespace's contents, key → entry.
export type CacheSnapshot = Map<string, CacheEntry>;

// What a call changed in a local namespace; `cacheName` null = the trigger's own.
export interface CacheChanges {
  cacheName: string | null;
  set: CacheSnapshot;
  deleted: string[];
  unpicklable: string[];
}

const ENTRY = PROTOCOL_SHAPES.cacheEntry;
const CHANGES = PROTOCOL_SHAPES.cacheChanges;

// Reads `cache_changes` off a result or error object; null when absent or malformed (persistence is best effort).
export function parseCacheChanges(raw: unknown): CacheChanges | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = fromWire(CHANGES, raw);
  const set: CacheSnapshot = new Map();
  if (typeof r.set === 'object' && r.set !== null) {
    for (const [key, item] of Object.entries(r.set as Record<string, unknown>)) {
      const entry = parseEntry(item);
      if (entry) set.set(key, entry);
    }
  }
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    cacheName: typeof r.cacheName === 'string' ? r.cacheName : null,
    set,
    deleted: strings(r.deleted),
    unpicklable: strings(r.unpicklable),
  };
}

// `{value: bin, expires_at}` → CacheEntry; the bytes are copied so the frame they arrived in can be freed.
export function parseEntry(item: unknown): CacheEntry | null {
  if (typeof item !== 'object' || item === null) return null;
  const { value, expiresAt } = fromWire(ENTRY, item);
  if (!(value instanceof Uint8Array)) return null;
  return { value: Buffer.from(value), expiresAt: typeof expiresAt === 'number' ? expiresAt : null };
}

// The wire form of a snapshot (`load` / a call's `cache_snapshot`): a msgpack map of maps.
export function snapshotToWire(snapshot: CacheSnapshot): Map<string, Record<string, unknown>> {
  const wire = new Map<string, Record<string, unknown>>();
  for (const [key, entry] of snapshot) wire.set(key, { [ENTRY.value]: entry.value, [ENTRY.expiresAt]: entry.expiresAt });
  return wire;
}
