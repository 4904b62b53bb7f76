import type { Logger } from '../../shared/logger.js';
import type { PluginQuerySource } from '../runners/query-cursor.js';
import type { CallHost } from '../runners/call-tracker.js';
import { queryForPlugin } from '../runners/storage-call-host.js';

// The host of one dry run: queries are real, synchronous writes are captured (never persisted) and
// log lines are collected as "<LEVEL>: <text>".
export class DryRunHost implements CallHost {
  readonly logLines: string[] = [];
  readonly syncWrites = new Map<string, string[]>();

  constructor(
    private readonly storage: PluginQuerySource,
    private readonly logger: Logger,
  ) {}

  query(database: string, sql: string, args: Record<string, string> | null): Promise<unknown> {
    return queryForPlugin(this.storage, database, sql, args);
  }

  async writeSync(database: string, lines: string): Promise<void> {
    let list = this.syncWrites.get(database);
    if (!list) this.syncWrites.set(database, (list = []));
    list.push(lines);
  }

  log(level: 'INFO' | 'WARN' | 'ERROR', text: string): void {
    this.logLines.push(`${level}: ${text}`);
    this.logger.debug({ level }, `processing engine (test run): ${text}`);
  }

  // Synchronous writes first, then the call's queued writes, per database.
  databaseWrites(queued: Record<string, string[]>): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [db, lines] of this.syncWrites) out[db] = [...lines];
    for (const [db, lines] of Object.entries(queued)) (out[db] ??= []).push(...lines);
    return out;
  }
}
