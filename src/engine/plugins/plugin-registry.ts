import { createHash } from 'node:crypto';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import { errorMessage } from '../../shared/app-error.js';
import type { Logger } from '../../shared/logger.js';
import { isIgnoredTopLevel, pluginPathWithin } from './plugin-path.js';
import { isRemotePluginName, normalisePluginName } from './plugin-ref.js';
import type { PluginChange } from './plugin-watcher.js';

// One file of a plugin: its path relative to the plugin root (`models/processor.py`; the file name for a single-file
// plugin), its absolute path under the plugin dir, its size and modification time.
export interface PluginFile {
  relPath: string;
  path: string | null;
  sizeBytes: number;
  mtimeMs: number | null;
}

// A plugin as `system.plugins` shows it; `name` is what triggers put in plugin_filename (`wal.py`, `mypkg`, `gh:…`).
export interface PluginEntry {
  name: string;
  kind: 'file' | 'package';
  source: 'local' | 'repository';
  // Absolute path of the file or package directory (null for a remote plugin held only in memory).
  path: string | null;
  files: PluginFile[];
  sizeBytes: number;
  // sha256 of the plugin's files (hashPluginFiles); `version` is its first VERSION_LENGTH hex digits.
  hash: string;
  version: string;
  lastError: string | null;
}

// What the gh:/Git fetcher knows about a plugin it fetched.
export interface RemotePluginInfo {
  // The content hash (hashPluginFiles over the fetched files), full or already shortened.
  version: string;
  files: Array<{ relPath: string; sizeBytes: number; path?: string | null; mtimeMs?: number | null }>;
  kind?: 'file' | 'package';
  // Where the fetched copy is cached on disk, if it is.
  path?: string | null;
}

export const VERSION_LENGTH = 12;

type LocalEntry = Omit<PluginEntry, 'lastError'>;
type Listing = { kind: PluginEntry['kind']; path: string; files: PluginFile[] };

// The plugin "version": sha256 over its files sorted by relative path, each as `path NUL size NUL bytes`, so a rename,
// a new file or an edit all change it. The fetcher uses the same function for remote plugins.
export function hashPluginFiles(files: Array<{ relPath: string; bytes: Uint8Array }>): string {
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => byCodePoint(a.relPath, b.relPath))) {
    hash.update(`${f.relPath}\0${f.bytes.length}\0`);
    hash.update(f.bytes);
  }
  return hash.digest('hex');
}


// Orders names by code point (not locale), so listings and hashes are the same on every machine.
export const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// The one index of the plugin directory: every single-file plugin (top-level *.py) and package (top-level directory
// with __init__.py), their files, sizes, mtimes and content hash, plus remote plugins the fetcher registers and the
// last load error the engine reported. Built once by start(), then kept current entry by entry from watcher events.
export class PluginRegistry {
  private readonly dir: string;
  private root: string | null = null;
  private readonly local = new Map<string, LocalEntry>();
  private readonly remote = new Map<string, LocalEntry>();
  private readonly errors = new Map<string, string>();
  // Names outside the top-level rule (nested files like `pkg/tool.py`, top-level non-.py files) a trigger asked for.
  private readonly tracked = new Set<string>();
  private readonly refreshing = new Map<string, { again: boolean; done: Promise<void> }>();

  constructor(private readonly options: { pluginDir: string; logger: Logger }) {
    this.dir = resolve(options.pluginDir);
  }

  // The initial scan; a missing plugin directory gives an empty index (entries appear with the watcher's events).
  async start(): Promise<void> {
    const names = await readdir(this.dir).catch((err: unknown) => {
      this.options.logger.warn({ pluginDir: this.dir, err: errorMessage(err) }, 'plugin registry: cannot read the plugin directory');
      return [] as string[];
    });
    await Promise.all(names.filter((n) => !isIgnoredTopLevel(n)).map((n) => this.refresh(n)));
    this.options.logger.info({ pluginDir: this.dir, plugins: this.local.size }, 'plugin registry indexed');
  }

  async stop(): Promise<void> {
    await Promise.all([...this.refreshing.values()].map((r) => r.done));
  }

  // A watcher event: rescans only the plugin it belongs to (and any tracked nested name it touches).
  async changed(change: PluginChange): Promise<void> {
    const rel = normalisePluginName(change.relPath);
    const top = normalisePluginName(change.plugin);
    const names = new Set<string>();
    // A non-.py file inside a package (data, requirements.txt) changes none of the plugin's indexed files.
    const isFileEvent = change.event === 'add' || change.event === 'change' || change.event === 'unlink';
    const irrelevant = rel !== top && isFileEvent && !rel.endsWith('.py');
    if (!isIgnoredTopLevel(top) && !irrelevant) names.add(top);
    for (const t of this.tracked) if (rel === t || rel.startsWith(`${t}/`) || t.startsWith(`${rel}/`)) names.add(t);
    await Promise.all([...names].map((n) => this.refresh(n)));
  }

  // Every plugin, local and remote, by name.
  list(): PluginEntry[] {
    const names = new Set([...this.local.keys(), ...this.remote.keys()]);
    return [...names].sort(byCodePoint).map((n) => this.get(n)!);
  }

  get(name: string): PluginEntry | undefined {
    const key = normalisePluginName(name);
    const entry = this.remote.get(key) ?? this.local.get(key);
    return entry ? { ...entry, files: [...entry.files], lastError: this.errors.get(key) ?? null } : undefined;
  }

  // The last load error the engine reported for a plugin, indexed or not.
  lastError(name: string): string | null {
    return this.errors.get(normalisePluginName(name)) ?? null;
  }

  // The engine reports a failed load (message) or a good one (null); shown as system.plugins.last_error.
  noteLoadError(name: string, message: string | null): void {
    const key = normalisePluginName(name);
    if (message === null) this.errors.delete(key);
    else this.errors.set(key, message);
  }

  // The 12-hex version of a plugin as it is on disk now, or null when there is no such plugin. Checks the indexed
  // entry against the files' sizes and mtimes (stat only) and rehashes when they differ, so a version read right
  // after an upload is exact even before the watcher's event arrives. Throws the path-traversal error for `..` names.
  async versionOf(name: string): Promise<string | null> {
    const key = normalisePluginName(name);
    const remote = this.remote.get(key);
    if (remote) return remote.version;
    if (isRemotePluginName(key)) return null;
    pluginPathWithin(this.dir, key);
    if (key.includes('/') || !key.endsWith('.py')) this.tracked.add(key);
    await this.refreshing.get(key)?.done;
    const current = this.local.get(key);
    if (current && (await this.unchanged(key, current))) return current.version;
    await this.refresh(key);
    return this.local.get(key)?.version ?? null;
  }

  // Starts indexing a name a trigger uses that the top-level rule does not cover (e.g. `pkg/tool.py`), in the
  // background; it is kept current by watcher events from then on.
  track(name: string): void {
    const key = normalisePluginName(name);
    if (isRemotePluginName(key) || this.tracked.has(key) || this.local.has(key)) return;
    this.versionOf(key).catch((err: unknown) => this.options.logger.debug({ plugin: key, err: errorMessage(err) }, 'plugin registry: cannot track'));
  }

  // The gh:/Git fetcher registers what it fetched (source 'repository'); registering again replaces it.
  registerRemote(name: string, info: RemotePluginInfo): void {
    const key = normalisePluginName(name);
    const files = info.files.map((f) => ({ relPath: f.relPath, path: f.path ?? null, sizeBytes: f.sizeBytes, mtimeMs: f.mtimeMs ?? null }));
    this.remote.set(key, {
      name: key,
      kind: info.kind ?? (files.length > 1 ? 'package' : 'file'),
      source: 'repository',
      path: info.path ?? null,
      files,
      sizeBytes: files.reduce((n, f) => n + f.sizeBytes, 0),
      hash: info.version,
      version: info.version.slice(0, VERSION_LENGTH),
    });
  }

  unregisterRemote(name: string): void {
    this.remote.delete(normalisePluginName(name));
  }

  // Rescans one name; concurrent requests for the same name coalesce into at most one more scan after the running one.
  private refresh(name: string): Promise<void> {
    const running = this.refreshing.get(name);
    if (running) {
      running.again = true;
      return running.done;
    }
    const state = { again: false, done: Promise.resolve() };
    state.done = (async () => {
      try {
        do {
          state.again = false;
          await this.rescan(name);
        } while (state.again);
      } finally {
        this.refreshing.delete(name);
      }
    })();
    this.refreshing.set(name, state);
    return state.done;
  }

  private async rescan(name: string): Promise<void> {
    let entry: LocalEntry | null = null;
    for (let attempt = 1; ; attempt++) {
      try {
        entry = await this.scan(name);
        break;
      } catch (err) {
        // A file deleted or replaced between listing and reading: look again; the watcher's event follows anyway.
        if (attempt < 3) continue;
        this.options.logger.warn({ plugin: name, err: errorMessage(err) }, 'plugin registry: cannot read plugin');
        break;
      }
    }
    const before = this.local.get(name);
    if (entry) this.local.set(name, entry);
    else this.local.delete(name);
    if (before?.hash !== entry?.hash) {
      this.options.logger.debug({ plugin: name, version: entry?.version ?? null, previous: before?.version ?? null }, 'plugin indexed');
    }
  }

  private async scan(name: string): Promise<LocalEntry | null> {
    const listing = await this.listing(name);
    if (!listing) return null;
    const contents = await Promise.all(listing.files.map(async (f) => ({ relPath: f.relPath, bytes: await readFile(f.path!) })));
    const files = listing.files.map((f, i) => ({ ...f, sizeBytes: contents[i]!.bytes.length }));
    const hash = hashPluginFiles(contents);
    return {
      name,
      kind: listing.kind,
      source: 'local',
      path: listing.path,
      files,
      sizeBytes: files.reduce((n, f) => n + f.sizeBytes, 0),
      hash,
      version: hash.slice(0, VERSION_LENGTH),
    };
  }

  // The plugin's files with their stats (no contents), or null when the name is not a plugin.
  private async listing(name: string): Promise<Listing | null> {
    const topLevel = !name.includes('/');
    if (topLevel && isIgnoredTopLevel(name) && !this.tracked.has(name)) return null;
    const path = join(this.dir, name);
    const info = await stat(path).catch(() => null);
    if (!info || !(await this.inside(path))) return null;
    if (info.isFile()) {
      if (topLevel && !name.endsWith('.py') && !this.tracked.has(name)) return null;
      return { kind: 'file', path, files: [{ relPath: basename(name), path, sizeBytes: info.size, mtimeMs: info.mtimeMs }] };
    }
    if (!info.isDirectory()) return null;
    const init = await stat(join(path, '__init__.py')).catch(() => null);
    if (!init?.isFile()) return null;
    const files: PluginFile[] = [];
    await this.walk(path, '', files);
    files.sort((a, b) => byCodePoint(a.relPath, b.relPath));
    return { kind: 'package', path, files };
  }

  // Every *.py under a package directory, skipping __pycache__, dot-entries and symlinks that leave the plugin dir.
  private async walk(dir: string, rel: string, out: PluginFile[]): Promise<void> {
    const dirents = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const d of dirents) {
      if (d.name === '__pycache__' || d.name.startsWith('.')) continue;
      const path = join(dir, d.name);
      const relPath = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        await this.walk(path, relPath, out);
        continue;
      }
      if (!d.name.endsWith('.py') || !(d.isFile() || d.isSymbolicLink())) continue;
      const info = await stat(path).catch(() => null);
      if (!info?.isFile() || (d.isSymbolicLink() && !(await this.inside(path)))) continue;
      out.push({ relPath, path, sizeBytes: info.size, mtimeMs: info.mtimeMs });
    }
  }

  // The path's canonical form stays under the canonical plugin dir (no symlink escapes).
  private async inside(path: string): Promise<boolean> {
    this.root ??= await realpath(this.dir).catch(() => null);
    if (!this.root) return false;
    const real = await realpath(path).catch(() => null);
    return real !== null && (real === this.root || real.startsWith(this.root.endsWith(sep) ? this.root : this.root + sep));
  }

  private async unchanged(name: string, entry: LocalEntry): Promise<boolean> {
    const now = await this.listing(name);
    if (!now || now.kind !== entry.kind || now.files.length !== entry.files.length) return false;
    return now.files.every((f, i) => {
      const old = entry.files[i]!;
      return f.relPath === old.relPath && f.sizeBytes === old.sizeBytes && f.mtimeMs === old.mtimeMs;
    });
  }
}
