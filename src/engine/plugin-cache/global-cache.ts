import { systemClock, type Clock } from '../../shared/clock.js';
import type { CacheEntry, CacheSnapshot } from './cache-snapshot.js';

const SWEEP_INTERVAL_MS = 10_000;

// The result of a global `cache_get`, in the protocol's shape.
export interface GlobalCacheGet {
  found: boolean;
  value: Buffer | null;
}

// The global namespace lives in the host (by value, pickled) so every runner sees the same one (design.md "Cache").
// `cacheName` null is the server-wide namespace; a string X is the dry-run namespace "test-global X".
export class GlobalCache {
  private readonly global: CacheSnapshot = new Map();
  private readonly tests = new Map<string, CacheSnapshot>();
  private lastSweepMs: number;
  private readonly clock: Clock;
  // Called after the server-wide namespace changed (persistence hooks in here).
  onGlobalChange: (() => void) | null = null;

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
    this.lastSweepMs = this.clock.nowMs();
  }

  get(cacheName: string | null, key: string): GlobalCacheGet {
    this.maybeSweep();
    const ns = this.namespace(cacheName, false);
    const entry = ns?.get(key);
    if (!entry) return { found: false, value: null };
    if (this.expired(entry)) {
      ns!.delete(key);
      if (cacheName === null) this.onGlobalChange?.();
      return { found: false, value: null };
    }
    return { found: true, value: entry.value };
  }

  // `ttlSeconds` is already validated by the child (finite, ≥ 0); null never expires.
  put(cacheName: string | null, key: string, value: Buffer, ttlSeconds: number | null): void {
    this.maybeSweep();
    const expiresAt = ttlSeconds === null ? null : this.nowSeconds() + ttlSeconds;
    this.namespace(cacheName, true)!.set(key, { value, expiresAt });
    if (cacheName === null) this.onGlobalChange?.();
  }

  // True only when the key existed (expired or not), as upstream.
  delete(cacheName: string | null, key: string): boolean {
    this.maybeSweep();
    const existed = this.namespace(cacheName, false)?.delete(key) ?? false;
    if (existed && cacheName === null) this.onGlobalChange?.();
    return existed;
  }

  // The server-wide namespace, for persistence.
  snapshot(): CacheSnapshot {
    return new Map(this.global);
  }

  restore(snapshot: CacheSnapshot): void {
    this.global.clear();
    for (const [key, entry] of snapshot) if (!this.expired(entry)) this.global.set(key, entry);
  }

  size(cacheName: string | null): number {
    return this.namespace(cacheName, false)?.size ?? 0;
  }

  // Removes expired entries and empty test namespaces, at most every 10 s (upstream's sweep cadence).
  maybeSweep(): void {
    const now = this.clock.nowMs();
    if (now - this.lastSweepMs < SWEEP_INTERVAL_MS) return;
    this.lastSweepMs = now;
    let globalChanged = false;
    for (const [key, entry] of this.global) {
      if (this.expired(entry)) globalChanged = this.global.delete(key) || globalChanged;
    }
    for (const [name, ns] of this.tests) {
      for (const [key, entry] of ns) if (this.expired(entry)) ns.delete(key);
      if (ns.size === 0) this.tests.delete(name);
    }
    if (globalChanged) this.onGlobalChange?.();
  }

  private namespace(cacheName: string | null, create: boolean): CacheSnapshot | undefined {
    if (cacheName === null) return this.global;
    let ns = this.tests.get(cacheName);
    if (!ns && create) this.tests.set(cacheName, (ns = new Map()));
    return ns;
  }

  private expired(entry: CacheEntry): boolean {
    return entry.expiresAt !== null && entry.expiresAt <= this.nowSeconds();
  }

  private nowSeconds(): number {
    return this.clock.nowMs() / 1000;
  }
}
