import { AppError, errorMessage } from '../../shared/app-error.js';
import { formatDurationNs } from '../../shared/duration.js';
import type { Logger } from '../../shared/logger.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import type { StorageEngine } from '../../storage/storage-engine.js';
import { applyCacheChanges, type CacheSnapshot } from '../plugin-cache/cache-snapshot.js';
import { PreEncoded, RunnerError, encodeTableBatches, type PluginCall } from '../../ipc/index.js';
import type { PluginLocator } from '../plugins/plugin-locator.js';
import { parsePluginRef, type PluginRef } from '../plugins/plugin-ref.js';
import type { CallResult, PluginRunner } from '../runners/plugin-runner.js';
import { PluginCallError } from '../runners/runner-errors.js';
import type { PluginQuerySource } from '../runners/query-cursor.js';
import type { RunnerFactory } from '../runners/runner-factory.js';
import { pluginTableBatch } from '../triggers/wal/wal-batch.js';
import { CronSyntaxError, nextFireAfter } from '../triggers/schedules/cron-expression.js';
import { rfc3339Seconds, utcSeconds } from './trigger-time.js';
import { DryRunHost } from './dry-run-host.js';
import { checkLinesDry, toTableBatches } from './dry-validate.js';
import {
  DEFAULT_TEST_CACHE_NAME,
  DEFAULT_TEST_SCHEDULE,
  EXECUTION_ERROR_PREFIX,
  type PluginTestResponse,
  type ScheduleTestRequest,
  type WalTestRequest,
} from './dry-run-types.js';

// What dry runs need from the engine.
export interface DryRunDeps {
  plugins: PluginLocator;
  storage: StorageEngine;
  // Where the plugin's queries go (default: storage).
  queries?: PluginQuerySource;
  runners: RunnerFactory;
  logger: Logger;
  clock?: Clock;
}

interface RunSpec {
  label: 'wal' | 'schedule';
  plugin: PluginRef;
  // The plugin's path when it is local (checked by preflight); null for repository plugins.
  localPath: string | null;
  database: string;
  cacheName: string;
  call: PluginCall;
  startLine: string;
}

// The dry-run endpoints: each request gets a temporary runner (spawned, used once, shut down);
// writes are captured and checked against the catalog without changing it; the "test-local" cache namespaces are
// kept here between runs and handed to each run as a snapshot.
export class DryRunService {
  private readonly testLocal = new Map<string, CacheSnapshot>();
  private readonly stopping = new Set<Promise<unknown>>();
  private readonly live = new Set<PluginRunner>();
  private readonly clock: Clock;

  constructor(private readonly deps: DryRunDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  async testWal(req: WalTestRequest): Promise<PluginTestResponse> {
    const plugin = parsePluginRef(req.filename);
    const localPath = await this.preflight(plugin);
    const nowNs = this.clock.nowNs();
    const input = checkLinesDry((d, t) => this.deps.storage.table(d, t), req.database, req.input_lp, nowNs, 'line protocol parsing error');
    if (input.problems.length > 0) return { log_lines: [], database_writes: {}, errors: input.problems };
    const batches = new PreEncoded(encodeTableBatches(toTableBatches(input.rows).map(pluginTableBatch)));
    return this.run({
      label: 'wal',
      plugin,
      localPath,
      database: req.database,
      cacheName: req.cache_name ?? DEFAULT_TEST_CACHE_NAME,
      call: { method: 'processWrites', tableBatches: batches, args: req.input_arguments ?? null },
      startLine: 'INFO: starting execution of wal plugin.',
    });
  }

  async testSchedule(req: ScheduleTestRequest): Promise<PluginTestResponse> {
    const plugin = parsePluginRef(req.filename);
    const localPath = await this.preflight(plugin);
    const fail = (message: string): PluginTestResponse => ({ trigger_time: null, log_lines: [], database_writes: {}, errors: [message] });
    if (!this.deps.storage.database(req.database)) return fail("couldn't find db");
    let nextMs: number | null;
    try {
      nextMs = nextFireAfter(req.schedule ?? DEFAULT_TEST_SCHEDULE, this.clock.nowMs());
    } catch (err) {
      if (err instanceof CronSyntaxError) return fail(err.message);
      throw err;
    }
    if (nextMs === null) return fail(`invalid cron syntax: schedule '${req.schedule}' does not fire in the next 5 years`);
    const next = new Date(nextMs);
    const response = await this.run({
      label: 'schedule',
      plugin,
      localPath,
      database: req.database,
      cacheName: req.cache_name ?? DEFAULT_TEST_CACHE_NAME,
      call: { method: 'processScheduledCall', callTimeSeconds: Math.floor(next.getTime() / 1000), args: req.input_arguments ?? null },
      startLine: `INFO: starting execution with scheduled time ${utcSeconds(next)}`,
    });
    return { trigger_time: rfc3339Seconds(next), ...response };
  }

  // Waits for every temporary runner to be gone (server stop); any still running is killed.
  async stop(): Promise<void> {
    for (const runner of this.live) runner.kill();
    await Promise.allSettled([...this.stopping]);
  }

  // A local plugin must exist before anything else happens (500 otherwise, as upstream), and Python must be usable.
  // Returns the local plugin's path; repository plugins (null) are fetched when the run starts.
  private async preflight(plugin: PluginRef): Promise<string | null> {
    const localPath = plugin.source === 'local' ? (await this.deps.plugins.locate(plugin)).path : null;
    await this.deps.runners.ready();
    return localPath;
  }

  private async run(spec: RunSpec): Promise<PluginTestResponse> {
    const plugin = { pluginPath: spec.localPath ?? (await this.deps.plugins.locate(spec.plugin)).path };
    const host = new DryRunHost(this.deps.queries ?? this.deps.storage, this.deps.logger);
    const runner = await this.deps.runners.start(`test:${spec.label}`).catch((err: unknown) => {
      if (err instanceof RunnerError) throw new AppError('runner_start_failed', `cannot start the plugin runner: ${err.message}`, { status: 500, cause: err });
      throw err;
    });
    this.live.add(runner);
    const started = process.hrtime.bigint();
    let result: CallResult;
    try {
      await runner.load({ ...plugin, database: spec.database });
      const snapshot = this.testLocal.get(spec.cacheName) ?? new Map();
      result = await runner.call({ ...spec.call, database: spec.database, cacheName: spec.cacheName, cacheSnapshot: snapshot }, { host });
    } catch (err) {
      if (!(err instanceof PluginCallError)) throw err;
      this.keepCacheChanges(spec.cacheName, err.cacheChanges);
      return this.failure(err, host);
    } finally {
      this.retire(runner);
    }
    this.keepCacheChanges(spec.cacheName, result.cacheChanges);
    const elapsed = formatDurationNs(process.hrtime.bigint() - started);
    const databaseWrites = host.databaseWrites(await result.writes.toRecord());
    await result.writes.discard();
    return {
      log_lines: [spec.startLine, ...host.logLines, `INFO: finished execution in ${elapsed}`],
      database_writes: databaseWrites,
      errors: this.validateWrites(databaseWrites),
    };
  }

  // Every captured line checked against the catalog as it is now; nothing is applied.
  private validateWrites(writes: Record<string, string[]>): string[] {
    const errors: string[] = [];
    const nowNs = this.clock.nowNs();
    for (const [db, lines] of Object.entries(writes)) {
      const check = checkLinesDry((d, t) => this.deps.storage.table(d, t), db, lines.join('\n'), nowNs, `invalid write to database '${db}'`);
      errors.push(...check.problems);
    }
    return errors;
  }

  private failure(err: PluginCallError, host: DryRunHost): PluginTestResponse {
    return {
      log_lines: [],
      database_writes: {},
      errors: [`${EXECUTION_ERROR_PREFIX}${err.message}`],
      error_details: [{ message: err.message, type: err.errorType, traceback: err.traceback, log_lines: host.logLines }],
    };
  }

  private keepCacheChanges(cacheName: string, changes: PluginCallError['cacheChanges']): void {
    if (!changes || changes.cacheName !== cacheName) return;
    let snapshot = this.testLocal.get(cacheName);
    if (!snapshot) this.testLocal.set(cacheName, (snapshot = new Map()));
    applyCacheChanges(snapshot, changes);
  }

  // Shuts the temporary runner down in the background; stop() waits for it.
  private retire(runner: PluginRunner): void {
    const done = runner
      .stop()
      .catch((err) => this.deps.logger.warn({ err: errorMessage(err) }, 'temporary plugin runner did not stop cleanly'))
      .finally(() => {
        this.live.delete(runner);
        this.stopping.delete(done);
      });
    this.stopping.add(done);
  }
}
