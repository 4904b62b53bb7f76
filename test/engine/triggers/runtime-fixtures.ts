import { Registry } from 'prom-client';
import { fileURLToPath } from 'node:url';
import { parseCallResult, pluginCallRequest, type PluginCall } from '../../../src/ipc/index.js';
import { createLogger } from '../../../src/shared/logger.js';
import type { CacheChanges } from '../../../src/engine/plugin-cache/cache-snapshot.js';
import { TriggerCacheStore } from '../../../src/engine/plugin-cache/trigger-cache-store.js';
import { PluginLogStore } from '../../../src/engine/plugin-logs/plugin-log-store.js';
import { QueuedWrites } from '../../../src/engine/runners/queued-writes.js';
import { RunnerMetrics } from '../../../src/engine/runners/runner-metrics.js';
import type { RunnerFactory } from '../../../src/engine/runners/runner-factory.js';
import type { StorageEngine } from '../../../src/storage/storage-engine.js';
import { TriggerRuntime, type TriggerRuntimeDeps } from '../../../src/engine/triggers/trigger-runtime.js';
import { parseTriggerSpec } from '../../../src/engine/triggers/trigger-spec.js';
import type { Trigger } from '../../../src/storage/catalog/catalog-resources.js';
import { FakeClock } from '../fake-clock.js';

// The raw result a fake call answers with (undefined: `{}`); throwing fails the call.
export type Reply = (method: string, params: Record<string, unknown>) => Promise<Record<string, unknown> | void>;

// A stand-in for PluginRunner in the trigger runtime's unit tests: records every call, answers with the test's reply.
export class FakeRunner {
  readonly calls: Array<{ method: string; params: Record<string, unknown> }> = [];
  cancelled = 0;
  private exit!: () => void;
  readonly exited = new Promise<void>((resolve) => (this.exit = resolve));
  constructor(private readonly reply: Reply = async () => ({})) {}
  async load(): Promise<Record<string, unknown>> {
    return { kind: 'file', cacheRestored: 0, cacheRestoreFailed: [], memoryLimitApplied: null };
  }
  // Records the call as it goes on the wire.
  async call(call: PluginCall) {
    const { method, params } = pluginCallRequest(call);
    this.calls.push({ method, params });
    const raw = (await this.reply(method, params)) ?? {};
    return { writes: new QueuedWrites(), cacheChanges: null as CacheChanges | null, response: parseCallResult(raw).response, durationMs: 1 };
  }
  async cancel(): Promise<void> {
    this.cancelled++;
  }
  get inFlight(): number {
    return 0;
  }
  async ping(): Promise<Record<string, unknown>> {
    return {};
  }
  kill(): void {
    this.exit();
  }
  async stop(): Promise<void> {
    this.exit();
  }
  lossReason(): string {
    return 'stopped';
  }
}

// A started TriggerRuntime over `runners` (a fake factory), with a fake clock and in-memory logs.
export function startRuntime(
  record: Trigger,
  runners: Partial<RunnerFactory>,
  extra: Partial<TriggerRuntimeDeps> = {},
): { runtime: TriggerRuntime; clock: FakeClock; logs: PluginLogStore; disabled: string[] } {
  const clock = new FakeClock();
  const logger = createLogger('silent');
  const logs = new PluginLogStore();
  const disabled: string[] = [];
  const runtime = new TriggerRuntime(record, parseTriggerSpec(record.specification), {
    runners: runners as RunnerFactory,
    storage: {} as StorageEngine,
    logs,
    logger,
    metrics: new RunnerMetrics(new Registry()),
    cacheStore: new TriggerCacheStore({ dir: null, logger }),
    // Any existing file: the runtime checks the plugin is still there before each call.
    plugin: { path: fileURLToPath(import.meta.url) },
    cacheKey: 'db/t',
    onDisable: (reason) => disabled.push(reason),
    clock,
    ...extra,
  });
  runtime.start();
  return { runtime, clock, logs, disabled };
}
