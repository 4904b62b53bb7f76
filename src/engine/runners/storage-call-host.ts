import { errorMessage } from '../../shared/app-error.js';
import type { Logger } from '../../shared/logger.js';
import type { StorageEngine } from '../../storage/storage-engine.js';
import type { LineError } from '../../storage/types.js';
import type { PluginLogLevel, PluginLogStore } from '../plugin-logs/plugin-log-store.js';
import type { CallHost } from './call-tracker.js';
import { QueryCursor, type PluginQuerySource } from './query-cursor.js';
import type { QueuedWrites } from './queued-writes.js';

// `influxdb3_local.query` against storage: a cursor whose pages are encoded columnar with float fidelity (the child
// fetches them one by one); failures become upstream's QueryError text
// `error: <engine message> executing query on <db>: <sql>`.
export function queryForPlugin(
  storage: PluginQuerySource,
  database: string,
  sql: string,
  args: Record<string, string> | null,
): Promise<QueryCursor> {
  return QueryCursor.open(storage, database, sql, args);
}

// A refused write's line errors as one cause string ("line 1: …; line 2: …").
export function describeLineErrors(errors: LineError[]): string {
  return errors.map((e) => `line ${e.lineNumber}: ${e.message}`).join('; ');
}

// Writes line protocol as plugins do: nanosecond precision, no partial acceptance; throws with the cause on refusal.
export async function writeForPlugin(storage: StorageEngine, database: string, lines: string, noSync: boolean): Promise<void> {
  const outcome = await storage.write(database, lines, { precision: 'ns', acceptPartial: false, noSync });
  if (outcome.errors.length > 0) throw new Error(describeLineErrors(outcome.errors));
}

// Server log level for a plugin log level.
export function logAt(logger: Logger, level: PluginLogLevel, fields: Record<string, unknown>, msg: string): void {
  if (level === 'ERROR') logger.error(fields, msg);
  else if (level === 'WARN') logger.warn(fields, msg);
  else logger.info(fields, msg);
}

// Where a trigger's log lines go: the store behind system.processing_engine_logs (when given) and the server log.
export interface PluginLogTarget {
  logs?: PluginLogStore;
  logger: Logger;
  database: string;
  trigger: string;
}

// One log line of a trigger, in both places; the server log line reads `processing engine: <text>`. A plugin's INFO
// lines (a schedule plugin writes some every run) reach the server log only at debug: they are all in
// system.processing_engine_logs, and the server log keeps WARN, ERROR and lifecycle events.
export function pluginLog(target: PluginLogTarget, level: PluginLogLevel, text: string, fields: Record<string, unknown> = { trigger: target.trigger }): void {
  const stored = target.logs !== undefined;
  target.logs?.add(target.database, target.trigger, level, text);
  if (level === 'INFO' && stored) target.logger.debug(fields, `processing engine: ${text}`);
  else logAt(target.logger, level, fields, `processing engine: ${text}`);
}

// The production host for a trigger's calls: real queries and writes, logs to the server log as
// `processing engine: <line>` and to the log store behind system.processing_engine_logs.
export function storageCallHost(options: PluginLogTarget & { storage: StorageEngine; queries?: PluginQuerySource }): CallHost {
  const { storage } = options;
  const queries = options.queries ?? storage;
  return {
    query: (database, sql, args) => queryForPlugin(queries, database, sql, args),
    writeSync: (database, lines, noSync) => writeForPlugin(storage, database, lines, noSync),
    log: (level, text) => pluginLog(options, level, text),
  };
}

// The kind of run, as upstream names it in write-back errors.
export type PluginRunKind = 'wal plugin' | 'schedule plugin' | 'request plugin';

// Flushes a call's queued writes after it returned, per database in the order the call first
// wrote to it. Up to 1 MiB of lines is one write, as upstream; a larger batch (staged by QueuedWrites) is applied
// in bodies of about 1 MiB of whole lines, each all-or-nothing, so the server never parses it at once. A refused
// body stops that database's remaining ones; it is logged at ERROR and does not fail the run.
export async function writeBackQueued(
  options: PluginLogTarget & { storage: StorageEngine; kind: PluginRunKind },
  writes: QueuedWrites,
): Promise<void> {
  try {
    for (const database of writes.databases) {
      try {
        for await (const body of writes.bodies(database)) await writeForPlugin(options.storage, database, body, false);
      } catch (err) {
        pluginLog(options, 'ERROR', `error running ${options.kind}: error writing back lines to ${database}: ${errorMessage(err)}`);
      }
    }
  } finally {
    await writes.discard();
  }
}
