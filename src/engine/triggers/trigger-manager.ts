import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { AppError, badRequest, conflict, errorMessage } from '../../shared/app-error.js';
import type { Logger } from '../../shared/logger.js';
import { INTERNAL_DB } from '../../storage/catalog/names.js';
import type { Database, NodeSpec, Trigger } from '../../storage/catalog/catalog-resources.js';
import type { StorageEngine } from '../../storage/storage-engine.js';
import type { WalFlushEvent } from '../../storage/types.js';
import { triggerCacheKey, type TriggerCacheStore } from '../plugin-cache/trigger-cache-store.js';
import { ScheduleDriver } from './schedules/schedule-driver.js';
import type { RequestInput, RequestOutput } from './trigger-event.js';
import { noRequestTrigger, requestTriggerDatabaseMissing, requestTriggerDisabled, requestTriggerOnOtherNode } from './errors.js';
import { nodeSpecText, runsOnNode } from './node-spec.js';
import { TriggerRuntime, runnerNameOf, type TriggerRuntimeDeps } from './trigger-runtime.js';
import { WalBatch } from './wal/wal-batch.js';
import type { PluginLogStore } from '../plugin-logs/plugin-log-store.js';
import type { PluginChange } from '../plugins/plugin-watcher.js';
import type { PluginRegistry } from '../plugins/plugin-registry.js';
import type { PackageInstaller } from '../environment/package-installer.js';
import type { PluginLocator } from '../plugins/plugin-locator.js';
import { isRemotePluginName, parsePluginRef } from '../plugins/plugin-ref.js';
import type { FetchedPlugin } from '../plugins/remote-plugins.js';
import type { PluginQuerySource } from '../runners/query-cursor.js';
import type { RunnerFactory } from '../runners/runner-factory.js';
import type { RunnerMetrics } from '../runners/runner-metrics.js';
import type { TriggerRuntimeView } from './trigger-runtime-view.js';
import { checkAllowedKind, parseTriggerSpec, type TriggerKind, type TriggerSpec } from './trigger-spec.js';
import type { TriggerLimits, TriggerSettings } from './trigger-settings.js';
import { TriggerStore } from './trigger-store.js';
import { WalCursor } from './wal/wal-cursor.js';
import type { WalCursorStore } from './wal/wal-cursor-store.js';
import { walReplaySource } from './wal/wal-replay-source.js';

// What the HTTP API hands over to create a trigger (validated field by field by the route).
export interface CreateTriggerRequest {
  database: string;
  triggerName: string;
  pluginFilename: string;
  specification: string;
  settings: TriggerSettings;
  timeoutMs: number | null;
  // Per-trigger runner limits (trigger_settings.memory_limit / cpu_limit / max_processes); absent = server defaults.
  limits?: TriggerLimits;
  arguments: Record<string, string> | null;
  disabled: boolean;
  // The nodes that run it (default: all).
  nodeSpec?: NodeSpec;
}

export interface TriggerManagerDeps {
  storage: StorageEngine;
  // Where plugin queries go (default: storage).
  queries?: PluginQuerySource;
  // A package plugin's requirements.txt is installed (what is missing) before its trigger is stored.
  packages: Pick<PackageInstaller, 'installMissingFor'>;
  // Records the plugin version each trigger loaded and load errors, for system.plugins.
  registry: PluginRegistry;
  runners: RunnerFactory;
  logs: PluginLogStore;
  logger: Logger;
  metrics: RunnerMetrics;
  cacheStore: TriggerCacheStore;
  // Finds the plugin a trigger names (the same lookup dry runs use).
  plugins: PluginLocator;
  allowedKinds: ReadonlyArray<TriggerKind> | null;
  // This node's --node-id: a trigger pinned to other nodes (node_spec) is stored and shown here, never started.
  nodeId?: string;
  // Durable WAL positions of WAL triggers (crash-safe delivery); without it cursors live in memory only.
  walCursors?: WalCursorStore;
  // Test seams for the runtime (retry and restart timings).
  runtime?: Pick<TriggerRuntimeDeps, 'retry' | 'restartPolicy' | 'asyncPoolSize'>;
  // How long a runner may sit without work before it is stopped (started again on demand); null: never. Request
  // triggers have their own (a cold start would add to an HTTP answer), WAL and schedule triggers share the other.
  idleTimeouts?: { triggerMs: number | null; requestMs: number | null };
}

const NAME_PATTERN = /^[^\s/\\\x00-\x1f]{1,256}$/;

// A trigger's plugin on disk, its registry version, and for gh: plugins what the fetch said.
interface ResolvedTriggerPlugin {
  path: string;
  version: string | null;
  fetched?: FetchedPlugin;
}

interface Running {
  runtime: TriggerRuntime;
  schedule: ScheduleDriver | null;
  version: string | null;
  // WAL triggers: their cursor, and the boundary at launch (live flushes wholly at or below it were replayed).
  cursor: WalCursor | null;
  liveFrom: bigint;
}

// Owns the triggers: catalog records (TriggerStore), the running ones (TriggerRuntime per enabled trigger), WAL
// flush fan-out, schedule drivers and request-path routing, and upstream's lifecycle rules.
export class TriggerManager {
  readonly store: TriggerStore;
  private readonly running = new Map<number, Running>();
  private readonly onFlush = (event: WalFlushEvent): void => this.dispatchFlush(event);
  // A flush with no rows any WAL trigger wants: every WAL trigger has seen the WAL up to `throughSeq`.
  private readonly onPosition = (throughSeq: bigint): void => {
    for (const { runtime, cursor } of this.running.values()) if (runtime.spec.kind === 'wal') cursor?.seen(throughSeq);
  };
  private listening = false;
  private stopped = false;

  constructor(private readonly deps: TriggerManagerDeps) {
    this.store = new TriggerStore(deps.storage);
  }

  // Starts every enabled trigger; one that cannot start is logged and left visible, the server goes on.
  async start(): Promise<void> {
    const records = this.store.all().filter((r) => !r.disabled);
    await Promise.all(
      records.map((r) =>
        this.launch(r).catch((err: unknown) => {
          // A stop that came while the trigger was starting (e.g. SIGTERM during a WAL catch-up) is not a failure:
          // what it had not processed is replayed on the next start.
          if (this.stopped) {
            this.deps.logger.debug({ trigger: r.name, db: r.databaseName, err: errorMessage(err) }, 'trigger start cut short by the server stopping');
            return;
          }
          this.deps.logger.error({ trigger: r.name, db: r.databaseName, err: errorMessage(err) }, 'trigger failed to start');
          this.deps.logs.add(r.databaseName, r.name, 'ERROR', `trigger failed to start: ${errorMessage(err)}`);
        }),
      ),
    );
    if (records.length > 0) this.deps.logger.info({ started: this.running.size, stored: records.length }, 'triggers started');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.running.keys()].map((id) => this.halt(id)));
    this.updateFlushListener();
    await this.deps.walCursors?.stop();
  }

  async create(req: CreateTriggerRequest): Promise<Trigger> {
    if (req.database === INTERNAL_DB) throw badRequest(`cannot create triggers in the ${INTERNAL_DB} database`);
    this.deps.storage.requireDatabase(req.database);
    if (!NAME_PATTERN.test(req.triggerName)) {
      throw badRequest(`invalid trigger name '${req.triggerName}': 1 to 256 characters without whitespace, '/' or '\\'`);
    }
    const spec = parseTriggerSpec(req.specification);
    checkAllowedKind(spec, this.deps.allowedKinds);
    if (this.store.find(req.database, req.triggerName)) throw conflict('attempted to create a resource that already exists');
    if (spec.kind === 'request') this.checkPathFree(spec.path);
    const plugin = await this.resolvePlugin(req.pluginFilename);
    await this.deps.packages.installMissingFor(plugin.path);
    const record = this.store.add({
      name: req.triggerName,
      pluginFilename: req.pluginFilename,
      databaseName: req.database,
      nodeSpec: req.nodeSpec ?? 'all',
      specification: req.specification.trim(),
      settings: { runAsync: req.settings.runAsync, errorBehavior: req.settings.errorBehavior },
      arguments: req.arguments,
      disabled: req.disabled,
      disabledReason: null,
      timeoutMs: req.timeoutMs,
      memoryLimitBytes: req.limits?.memoryLimitBytes ?? null,
      cpuLimit: req.limits?.cpuCores ?? null,
      maxProcesses: req.limits?.maxProcesses ?? null,
    });
    this.deps.logger.info({ trigger: record.name, db: record.databaseName, spec: record.specification }, 'trigger created');
    if (!record.disabled) await this.launch(record, plugin, true);
    return record;
  }

  // Deleting an enabled trigger needs `force` (upstream's text); its local cache goes with it.
  async delete(database: string, name: string, force: boolean): Promise<void> {
    const record = this.store.require(database, name);
    if (!record.disabled && !force) {
      throw new AppError('trigger_running', `Cannot delete running plugin ${name}. Disable it first or use --force.`, { status: 500 });
    }
    await this.halt(record.id);
    this.store.remove(record);
    this.deps.walCursors?.remove(record.id);
    this.deps.metrics.forget(runnerNameOf(record));
    await this.deps.cacheStore.drop(triggerCacheKey(database, name));
    this.deps.logger.info({ trigger: name, db: database }, 'trigger deleted');
  }

  // Enable re-reads the plugin (a fresh gh: fetch); both are no-ops (200) when already in that state.
  async enable(database: string, name: string): Promise<void> {
    const record = this.store.require(database, name);
    if (!record.disabled && this.running.has(record.id)) return;
    const path = this.store.requestPathOf(record);
    if (path !== null) this.checkPathFree(path, record.id);
    const updated = this.store.update(record, { disabled: false, disabledReason: null });
    await this.launch(updated, undefined, true);
    this.deps.logger.info({ trigger: name, db: database }, 'trigger enabled');
  }

  async disable(database: string, name: string, reason: string | null = null): Promise<void> {
    const record = this.store.require(database, name);
    await this.disableRecord(record, reason);
  }

  // The triggers of a database with their live state, for system tables.
  // null: every database's triggers.
  views(database: string | null): TriggerRuntimeView[] {
    return (database === null ? this.store.all() : this.store.list(database)).map((record) => {
      const live = this.running.get(record.id);
      if (!record.disabled && !this.runsHere(record)) {
        return { record, spec: this.store.trySpecOf(record), state: 'other-node', reason: this.elsewhere(record), queued: 0, dropped: 0 };
      }
      if (!live || record.disabled) {
        return { record, spec: this.store.trySpecOf(record), state: 'disabled', reason: record.disabledReason, queued: 0, dropped: 0 };
      }
      const { runtime } = live;
      return {
        record,
        spec: this.store.trySpecOf(record),
        state: runtime.state,
        reason: runtime.failureReason,
        queued: runtime.queued,
        dropped: runtime.dropped,
        pluginVersion: live.version,
      };
    });
  }

  // The database of the request trigger registered for `path`, or null.
  requestDatabase(path: string): string | null {
    return this.store.requestOwner(path)?.databaseName ?? null;
  }

  // `GET|POST /api/v3/engine/<path>`: runs the request trigger registered for the path.
  async handleRequest(path: string, input: RequestInput): Promise<RequestOutput> {
    const record = this.store.requestOwner(path);
    if (!record) throw noRequestTrigger(path);
    if (!this.deps.storage.database(record.databaseName)) throw requestTriggerDatabaseMissing();
    const live = this.running.get(record.id);
    if (!record.disabled && !this.runsHere(record)) throw requestTriggerOnOtherNode(record.name, nodeSpecText(record.nodeSpec), this.deps.nodeId!);
    if (!live || record.disabled) throw requestTriggerDisabled(record.name);
    return new Promise<RequestOutput>((settle, fail) => live.runtime.push({ kind: 'request', input, settle, fail }));
  }

  // Re-fetches every gh: plugin in use and restarts its enabled triggers on the new copy (the explicit refresh;
  // enable and boot refresh too). A repository that cannot be reached leaves the cached copy in place.
  async refreshRemotePlugins(): Promise<Array<{ database: string; trigger: string; plugin: string; version: string | null; error: string | null }>> {
    const out = [];
    for (const record of this.store.all().filter((r) => isRemotePluginName(r.pluginFilename))) {
      const entry = { database: record.databaseName, trigger: record.name, plugin: record.pluginFilename };
      try {
        const plugin = await this.resolvePlugin(record.pluginFilename);
        if (!record.disabled) await this.launch(record, plugin);
        const { version, stale } = plugin.fetched!;
        out.push({ ...entry, version, error: stale ? 'repository unreachable; cached copy kept' : null });
      } catch (err) {
        out.push({ ...entry, version: null, error: errorMessage(err) });
      }
    }
    return out;
  }

  // A file under the plugin dir changed (watcher): say which triggers pick it up; their runners reload it before
  // their next call (single files recompiled, packages re-imported), which is not counted as a failure.
  pluginChanged(change: PluginChange): void {
    const users = this.store.all().filter((r) => !r.disabled && pluginRoot(r.pluginFilename) === change.plugin);
    if (users.length === 0) return;
    const names = users.map((r) => `${r.databaseName}/${r.name}`);
    const gone = change.event === 'unlink' || change.event === 'unlinkDir';
    const text = gone
      ? `plugin file ${change.relPath} was deleted; calls fail until it is back`
      : `plugin file ${change.relPath} changed; the next call uses the new version`;
    for (const r of users) this.deps.logs.add(r.databaseName, r.name, gone ? 'WARN' : 'INFO', text);
    this.deps.logger.info({ file: change.relPath, event: change.event, triggers: names }, 'plugin changed');
  }

  // Database soft delete: its triggers stop and are marked disabled, their caches dropped; hard delete forgets them.
  async onDatabaseDeleted(db: Database, hard: boolean): Promise<void> {
    const records = this.store.ofDatabaseId(db.id);
    if (hard) {
      this.store.removeDatabase(db.id);
      for (const r of records) this.deps.metrics.forget(runnerNameOf(r));
      for (const r of records) this.deps.walCursors?.remove(r.id);
    } else this.store.disableDatabase(db.id, 'database deleted');
    await Promise.all(records.map((r) => this.halt(r.id)));
    await Promise.all(records.map((r) => this.deps.cacheStore.drop(triggerCacheKey(r.databaseName, r.name))));
    if (records.length > 0) this.deps.logger.info({ db: db.name, triggers: records.length, hard }, 'triggers of a deleted database stopped');
  }

  private async disableRecord(record: Trigger, reason: string | null): Promise<void> {
    if (!record.disabled) this.store.update(record, { disabled: true, disabledReason: reason });
    this.deps.logger.info({ trigger: record.name, db: record.databaseName, reason }, 'trigger disabled');
    await this.halt(record.id);
    await this.deps.cacheStore.drop(triggerCacheKey(record.databaseName, record.name));
  }

  // Starts a trigger's runtime; `resolved` is the plugin when the caller has just located (or fetched) it. A WAL
  // trigger created or enabled (`fromNow`) starts at the current WAL position; one restarted (server start, plugin
  // refresh) first gets the acknowledged writes after its cursor, re-read from the WAL.
  private async launch(record: Trigger, resolved?: ResolvedTriggerPlugin, fromNow = false): Promise<void> {
    if (this.stopped) return;
    await this.halt(record.id);
    if (!this.runsHere(record)) {
      this.deps.logger.info({ trigger: record.name, db: record.databaseName, nodeSpec: nodeSpecText(record.nodeSpec), nodeId: this.deps.nodeId }, `trigger not started: ${this.elsewhere(record)}`);
      return;
    }
    const spec = this.store.specOf(record);
    const plugin = resolved ?? (await this.resolvePlugin(record.pluginFilename));
    // No await from here to the flush listener: writes at or below `liveFrom` were handed to the flush buffer
    // before this trigger listened, every later one reaches it live.
    const liveFrom = this.deps.storage.lastAckedSeq;
    const stored = fromNow ? undefined : this.deps.walCursors?.get(record.id);
    const cursor = spec.kind === 'wal' ? new WalCursor(stored ?? liveFrom, (seq) => this.deps.walCursors?.set(record.id, seq)) : null;
    if (cursor && stored === undefined) this.deps.walCursors?.set(record.id, liveFrom);
    const runtime = new TriggerRuntime(record, spec, {
      ...this.deps.runtime,
      runners: this.deps.runners,
      storage: this.deps.storage,
      queries: this.deps.queries,
      logs: this.deps.logs,
      logger: this.deps.logger,
      metrics: this.deps.metrics,
      cacheStore: this.deps.cacheStore,
      plugin,
      cacheKey: triggerCacheKey(record.databaseName, record.name),
      walCursor: cursor ?? undefined,
      idleTimeoutMs: spec.kind === 'request' ? (this.deps.idleTimeouts?.requestMs ?? null) : (this.deps.idleTimeouts?.triggerMs ?? null),
      onLoadResult: (error) => this.deps.registry.noteLoadError(record.pluginFilename, error),
      onDisable: (reason) => {
        const current = this.store.find(record.databaseName, record.name);
        if (!current || current.id !== record.id) return;
        this.deps.logs.add(record.databaseName, record.name, 'ERROR', `trigger disabled: ${reason}`);
        void this.disableRecord(current, reason).catch((err: unknown) =>
          this.deps.logger.error({ trigger: record.name, err: errorMessage(err) }, 'could not disable trigger'),
        );
      },
    });
    const schedule =
      spec.kind === 'schedule'
        ? new ScheduleDriver(spec, {
            push: (event) => runtime.push(event),
            sequential: !record.settings.runAsync,
            onPlanned: (plannedMs) => runtime.expectEventAt(plannedMs),
          })
        : null;
    this.running.set(record.id, { runtime, schedule, version: plugin.version, cursor, liveFrom });
    runtime.start();
    schedule?.start();
    this.updateFlushListener();
    if (spec.kind === 'wal' && stored !== undefined && stored < liveFrom) this.replay(record, spec, runtime, cursor!, stored, liveFrom);
    // A new trigger's first cursor is durable before create/enable answers: a crash right after still replays.
    if (cursor && stored === undefined) await this.deps.walCursors?.flush();
  }

  // Delivers what a restarted WAL trigger had not completed: the writes after its cursor up to the launch boundary.
  private replay(record: Trigger, spec: Extract<TriggerSpec, { kind: 'wal' }>, runtime: TriggerRuntime, cursor: WalCursor, from: bigint, through: bigint): void {
    const oldest = this.deps.storage.walOldestSeq;
    const who = { trigger: record.name, db: record.databaseName };
    if (oldest !== null && from + 1n < oldest) {
      const text = `WAL records ${from + 1n} to ${oldest - 1n} were dropped (--plugin-wal-backlog-max) before this trigger saw them`;
      this.deps.logger.warn({ ...who, cursor: from.toString(), oldestSeq: oldest.toString() }, text);
      this.deps.logs.add(record.databaseName, record.name, 'WARN', text);
    }
    this.deps.logger.info({ ...who, afterSeq: from.toString(), throughSeq: through.toString() }, 'WAL trigger replaying writes it had not completed');
    cursor.hold(from);
    void runtime.replay(walReplaySource(this.deps.storage, record.databaseName, spec, from, through), through);
  }

  // The oldest WAL position an enabled WAL trigger still needs (storage keeps the WAL after it), or null.
  walCursorFloor(): bigint | null {
    let floor: bigint | null = null;
    const note = (seq: bigint | undefined): void => {
      if (seq !== undefined && (floor === null || seq < floor)) floor = seq;
    };
    for (const r of this.store.all()) {
      if (r.disabled || this.store.specOf(r).kind !== 'wal') continue;
      const live = this.running.get(r.id);
      note(live?.cursor ? live.cursor.position : this.deps.walCursors?.get(r.id));
    }
    return floor;
  }

  // Stops a trigger's runtime if it runs (waiting for its runners to leave).
  private runsHere(record: Trigger): boolean {
    return this.deps.nodeId === undefined || runsOnNode(record.nodeSpec, this.deps.nodeId);
  }

  private elsewhere(record: Trigger): string {
    return `pinned to ${nodeSpecText(record.nodeSpec)}; this node is '${this.deps.nodeId}'`;
  }

  private async halt(triggerId: number): Promise<void> {
    const live = this.running.get(triggerId);
    if (!live) return;
    this.running.delete(triggerId);
    live.schedule?.stop();
    this.updateFlushListener();
    await live.runtime.stop();
  }

  // The plugin a trigger names (see PluginLocator) and its registry version; a fetched plugin is registered first.
  private async resolvePlugin(filename: string): Promise<ResolvedTriggerPlugin> {
    const { path, fetched } = await this.deps.plugins.locate(parsePluginRef(filename));
    if (fetched) {
      this.deps.registry.registerRemote(filename, { version: fetched.version, kind: fetched.kind, path: fetched.path, files: await filesOf(fetched.path) });
      return { path, version: await this.deps.registry.versionOf(filename), fetched };
    }
    return { path, version: await this.deps.registry.versionOf(filename).catch(() => null) };
  }

  // Request paths are unique server-wide (upstream lets the last one win): 409 naming the owner.
  private checkPathFree(path: string, exceptId?: number): void {
    const owner = this.store.requestOwner(path, exceptId);
    if (owner) {
      throw conflict(`request path '${path}' is already used by trigger '${owner.name}' in database '${owner.databaseName}'`);
    }
  }

  // WAL triggers of the flushed database get the batch (table: triggers only their table, and only when present);
  // every WAL trigger's cursor learns that the flush needs nothing else from it. A flush wholly at or below a
  // trigger's launch boundary was replayed to it from the WAL.
  private dispatchFlush(event: WalFlushEvent): void {
    let batch: WalBatch | null = null;
    for (const { runtime, cursor, liveFrom } of this.running.values()) {
      const spec = runtime.spec;
      if (spec.kind !== 'wal') continue;
      if (runtime.record.databaseName !== event.database) {
        // After the flush's other events: this trigger's own batch of the same flush may come later in it.
        if (cursor) queueMicrotask(() => cursor.seen(event.throughSeq));
        continue;
      }
      if (event.lastSeq <= liveFrom) {
        cursor?.seen(event.throughSeq);
        continue;
      }
      batch ??= WalBatch.fromFlush(event);
      const forTrigger = spec.form === 'table' ? batch.forTable(spec.table) : batch;
      if (forTrigger) runtime.push({ kind: 'wal', batch: forTrigger, firstSeq: event.firstSeq, throughSeq: event.throughSeq });
      else cursor?.seen(event.throughSeq);
    }
  }

  // Rows are only collected for flush events while some WAL trigger runs (no cost to writes otherwise).
  private updateFlushListener(): void {
    const walDatabases = new Set(
      this.stopped ? [] : [...this.running.values()].filter((r) => r.runtime.spec.kind === 'wal').map((r) => r.runtime.record.databaseName),
    );
    const flushes = this.deps.storage.flushes;
    // Only the rows of databases with a WAL trigger are kept until the next flush.
    flushes.collects = (database) => walDatabases.has(database);
    const wanted = walDatabases.size > 0;
    if (wanted === this.listening) return;
    if (wanted) {
      flushes.on('flush', this.onFlush);
      flushes.on('position', this.onPosition);
    } else {
      flushes.off('flush', this.onFlush);
      flushes.off('position', this.onPosition);
    }
    this.listening = wanted;
  }
}

// The Python files of a fetched plugin (a file, or every *.py of a package) for the registry.
async function filesOf(path: string): Promise<Array<{ relPath: string; sizeBytes: number; path: string }>> {
  const info = await stat(path);
  if (info.isFile()) return [{ relPath: basename(path), sizeBytes: info.size, path }];
  const names = (await readdir(path, { recursive: true })).filter((n) => n.endsWith('.py') && !n.includes('__pycache__'));
  return Promise.all(names.sort().map(async (relPath) => ({ relPath, sizeBytes: (await stat(join(path, relPath))).size, path: join(path, relPath) })));
}

// The top-level entry under the plugin dir a plugin_filename lives in (`pkg/x.py` → `pkg`).
function pluginRoot(filename: string): string {
  return filename.trim().replace(/^\.\//, '').split(/[\\/]+/)[0]!;
}
