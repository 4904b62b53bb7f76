import { mkdir, readFile, readdir, rename, rm, writeFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { MsgpackCodec } from '../../ipc/index.js';
import { errorMessage } from '../../shared/app-error.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { applyCacheChanges, pruneExpired, type CacheChanges, type CacheSnapshot } from './cache-snapshot.js';
import type { GlobalCache } from './global-cache.js';

const FORMAT_VERSION = 1;
const GLOBAL_FILE = 'global.msgpack';
const DEFAULT_WRITE_DELAY_MS = 1_000;

// Where and how cache snapshots are kept; `dir` null (memory object store) keeps them in memory only.
export interface TriggerCacheStoreOptions {
  dir: string | null;
  logger: Logger;
  clock?: Clock;
  // Changes are written at most this long after they happen (and on stop()).
  writeDelayMs?: number;
}

interface FileDoc {
  version: number;
  key: string;
  entries: Array<[string, Uint8Array, number | null]>;
}

// "State persistence": each trigger's local cache (shipped by its runner as `cache_changes`) and the global namespace
// survive a restart. One msgpack file per trigger under <data-dir>/engine/cache/, replaced atomically (write to a
// temporary file, fsync, rename) at most `writeDelayMs` after a change and on stop. Values stay pickled bytes.
export class TriggerCacheStore {
  private readonly codec = new MsgpackCodec();
  private readonly snapshots = new Map<string, CacheSnapshot>();
  private readonly dirty = new Set<string>();
  private readonly clock: Clock;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private global: GlobalCache | null = null;
  private static readonly GLOBAL_KEY = '\u0000global';

  constructor(private readonly options: TriggerCacheStoreOptions) {
    this.clock = options.clock ?? systemClock;
  }

  get persistent(): boolean {
    return this.options.dir !== null;
  }

  // Restores the global namespace into `global` and keeps it persisted from now on.
  async start(global?: GlobalCache): Promise<void> {
    if (this.options.dir) await mkdir(this.options.dir, { recursive: true });
    if (!global) return;
    this.global = global;
    const saved = await this.read(GLOBAL_FILE);
    if (saved) global.restore(saved);
    global.onGlobalChange = () => this.markDirty(TriggerCacheStore.GLOBAL_KEY);
  }

  // The snapshot to hand to `load.cache_snapshot` for this trigger (empty when there is none).
  async snapshot(key: string): Promise<CacheSnapshot> {
    let snap = this.snapshots.get(key);
    if (!snap) {
      snap = (await this.read(fileName(key))) ?? new Map();
      this.snapshots.set(key, snap);
    }
    pruneExpired(snap, this.clock.nowMs() / 1000);
    return new Map(snap);
  }

  // Applies a call's `cache_changes` for this trigger; written out within writeDelayMs.
  async apply(key: string, changes: CacheChanges): Promise<void> {
    if (!this.snapshots.has(key)) await this.snapshot(key);
    if (applyCacheChanges(this.snapshots.get(key)!, changes)) this.markDirty(key);
  }

  // Forgets a trigger's cache (disable, delete, database deletion), on disk too.
  async drop(key: string): Promise<void> {
    this.dirty.delete(key);
    this.snapshots.delete(key);
    await this.writing;
    if (this.options.dir) await rm(join(this.options.dir, fileName(key)), { force: true });
  }

  // Writes every pending change now.
  async flush(): Promise<void> {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    const keys = [...this.dirty];
    this.dirty.clear();
    this.writing = this.writing.then(async () => {
      for (const key of keys) await this.writeOne(key);
    });
    await this.writing;
  }

  async stop(): Promise<void> {
    await this.flush();
    if (this.global) this.global.onGlobalChange = null;
  }

  // Trigger keys that have a file (for cleaning up caches of triggers that no longer exist).
  async storedKeys(): Promise<string[]> {
    if (!this.options.dir) return [...this.snapshots.keys()];
    const names = await readdir(this.options.dir).catch(() => [] as string[]);
    return names.filter((n) => n.startsWith('trigger-') && n.endsWith('.msgpack')).map((n) => decodeURIComponent(n.slice(8, -8)));
  }

  private markDirty(key: string): void {
    if (!this.options.dir) return;
    this.dirty.add(key);
    if (this.timer) return;
    const delay = this.options.writeDelayMs ?? DEFAULT_WRITE_DELAY_MS;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.flush().catch((err) => this.options.logger.error({ err: errorMessage(err) }, 'writing plugin cache snapshots failed'));
    }, delay);
    this.timer.unref?.();
  }

  private async writeOne(key: string): Promise<void> {
    const isGlobal = key === TriggerCacheStore.GLOBAL_KEY;
    const snap = isGlobal ? this.global?.snapshot() : this.snapshots.get(key);
    if (!snap) return;
    pruneExpired(snap, this.clock.nowMs() / 1000);
    const doc: FileDoc = {
      version: FORMAT_VERSION,
      key: isGlobal ? '' : key,
      entries: [...snap].map(([k, e]) => [k, e.value, e.expiresAt]),
    };
    const path = join(this.options.dir!, isGlobal ? GLOBAL_FILE : fileName(key));
    const tmp = `${path}.tmp-${process.pid}`;
    try {
      await writeFile(tmp, this.codec.encode(doc));
      const fh = await open(tmp, 'r');
      await fh.sync().finally(() => fh.close());
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      this.options.logger.error({ err: errorMessage(err), key: doc.key || 'global' }, 'cannot persist plugin cache snapshot');
    }
  }

  private async read(name: string): Promise<CacheSnapshot | undefined> {
    if (!this.options.dir) return undefined;
    let bytes: Buffer;
    try {
      bytes = await readFile(join(this.options.dir, name));
    } catch {
      return undefined;
    }
    try {
      const doc = this.codec.decode(bytes) as FileDoc;
      if (doc.version !== FORMAT_VERSION || !Array.isArray(doc.entries)) throw new Error(`unknown format version ${doc.version}`);
      const snap: CacheSnapshot = new Map();
      for (const [k, value, expiresAt] of doc.entries) snap.set(k, { value: Buffer.from(value), expiresAt: expiresAt ?? null });
      pruneExpired(snap, this.clock.nowMs() / 1000);
      return snap;
    } catch (err) {
      this.options.logger.warn({ file: name, err: errorMessage(err) }, 'ignoring an unreadable plugin cache snapshot');
      return undefined;
    }
  }
}

// A filesystem-safe file name for a trigger key (e.g. "mydb/my_trigger").
function fileName(key: string): string {
  return `trigger-${encodeURIComponent(key)}.msgpack`;
}

// The store's key for a trigger's local cache: database and trigger name (upstream keys by their ids).
export function triggerCacheKey(database: string, trigger: string): string {
  return `${database}/${trigger}`;
}
