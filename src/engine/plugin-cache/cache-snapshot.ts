import type { CacheChanges, CacheSnapshot } from '../../ipc/index.js';

// The shapes are the protocol's (the child sends the entries); this module keeps the host copy of a namespace.
export type { CacheChanges, CacheEntry, CacheSnapshot } from '../../ipc/index.js';

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
