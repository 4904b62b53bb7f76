import { badRequest } from '../shared/app-error.js';
import { parseDurationNs, DurationParseError } from '../shared/duration.js';
import type { Logger } from '../shared/logger.js';
import type { Database } from './catalog/catalog-resources.js';
import { assertDatabaseName, assertTableName } from './catalog/names.js';
import type { StorageEngine } from './storage-engine.js';
import type { ColumnDef, FieldType } from './types.js';

const FIELD_TYPES: Record<string, FieldType> = {
  utf8: 'utf8', string: 'utf8', int64: 'int64', integer: 'int64', uint64: 'uint64', float64: 'float64', float: 'float64', bool: 'bool', boolean: 'bool',
};
const DEFAULT_HARD_DELETE_MS = 72 * 3600 * 1000;

export function parseRetention(text: string | undefined | null): { text: string; ns: bigint } | null {
  if (text === undefined || text === null || text === '' || text === 'none') return null;
  try {
    const ns = parseDurationNs(text);
    if (ns <= 0n) throw new DurationParseError('zero');
    return { text, ns };
  } catch {
    throw badRequest(`invalid retention_period '${text}': expected a duration such as 30d, 12h or 1w`);
  }
}

// hard_delete_at: never | now | default (--hard-delete-default-duration from now, 72 h) | an RFC 3339 time.
export function parseHardDeleteAt(value: string | undefined, nowMs: number, defaultMs = DEFAULT_HARD_DELETE_MS): string | null {
  if (value === undefined || value === '' || value === 'never') return null;
  if (value === 'now') return new Date(nowMs).toISOString();
  if (value === 'default') return new Date(nowMs + defaultMs).toISOString();
  const t = Date.parse(value);
  if (Number.isNaN(t) || !/^\d{4}-\d\d-\d\dT/.test(value)) {
    throw badRequest(`invalid hard_delete_at '${value}': expected never, now, default or an RFC 3339 time like 2026-01-01T00:00:00Z`);
  }
  return new Date(t).toISOString();
}

// Database and table management, retention and hard-delete sweeps.
export class DatabaseAdmin {
  private timer: NodeJS.Timeout | null = null;
  private lastSweep = new Map<number, number>();
  readonly onDatabaseDeleted: Array<(db: Database, hard: boolean) => void> = [];
  // Called once a database's data is gone for good (hard delete done).
  readonly onDatabaseRemoved: Array<(db: Database) => void> = [];

  constructor(
    private readonly storage: StorageEngine,
    private readonly opts: { logger: Logger; sweepIntervalMs: number; hardDeleteDefaultMs?: number },
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.sweep().catch((err) => this.opts.logger.error({ err }, 'retention sweep failed'));
    }, Math.min(this.opts.sweepIntervalMs, 60_000));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  createDatabase(name: string, retention: string | undefined): Promise<Database> {
    return this.storage.createDatabase(name, parseRetention(retention));
  }

  updateDatabase(name: string, retention: string | undefined | null): Database {
    const db = this.storage.setRetention(name, parseRetention(retention));
    this.lastSweep.delete(db.id);
    return db;
  }

  async deleteDatabase(name: string, hardDeleteAt: string | undefined): Promise<void> {
    const when = parseHardDeleteAt(hardDeleteAt, Date.now(), this.opts.hardDeleteDefaultMs);
    const db = this.storage.softDeleteDatabase(name, when);
    this.opts.logger.info({ db: name, hardDeleteAt: when }, 'database deleted');
    for (const cb of this.onDatabaseDeleted) cb(db, when !== null);
    if (when && Date.parse(when) <= Date.now()) await this.hardDelete(db);
  }

  private async hardDelete(db: Database): Promise<void> {
    await this.storage.removeDatabase(db);
    this.opts.logger.info({ db: db.name }, 'database removed (hard delete)');
    for (const cb of this.onDatabaseRemoved) cb(db);
  }

  // As upstream, a missing database is created with the table (after the request has been validated).
  async createTable(dbName: string, table: string, tags: unknown, fields: unknown): Promise<void> {
    assertDatabaseName(dbName);
    assertTableName(table);
    if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string')) throw badRequest(`'tags' must be a list of tag names, got ${JSON.stringify(tags)}`);
    if (fields !== undefined && !Array.isArray(fields)) throw badRequest(`'fields' must be a list of {name, type}, got ${JSON.stringify(fields)}`);
    const cols: ColumnDef[] = (tags as string[]).map((name) => ({ name, type: 'tag' }));
    for (const f of (fields ?? []) as Array<{ name?: unknown; type?: unknown }>) {
      const type = FIELD_TYPES[String(f?.type).toLowerCase()];
      if (typeof f?.name !== 'string' || !type) {
        throw badRequest(`invalid field ${JSON.stringify(f)}: expected {"name": string, "type": utf8|int64|uint64|float64|bool}`);
      }
      cols.push({ name: f.name, type });
    }
    const names = new Set<string>();
    for (const c of cols) {
      if (c.name === 'time') throw badRequest(`invalid column name 'time': time is reserved for the timestamp`);
      if (names.has(c.name)) throw badRequest(`duplicate column name '${c.name}'`);
      names.add(c.name);
    }
    await this.storage.ensureDatabase(dbName);
    await this.storage.createTable(dbName, table, cols);
  }

  async deleteTable(dbName: string, table: string, hardDeleteAt: string | undefined): Promise<void> {
    await this.storage.deleteTable(dbName, table, parseHardDeleteAt(hardDeleteAt, Date.now(), this.opts.hardDeleteDefaultMs));
    this.opts.logger.info({ db: dbName, table }, 'table deleted');
  }

  // Deletes rows older than each database's retention period, and finishes due hard deletes.
  async sweep(force = false): Promise<void> {
    const now = Date.now();
    for (const db of this.storage.databases(true)) {
      if (db.deleted) {
        if (db.hardDeleteAt && Date.parse(db.hardDeleteAt) <= now) await this.hardDelete(db);
        continue;
      }
      await this.enforceRetention(db, now, force);
    }
  }

  // Called before a query so that expired rows are never returned, even between sweeps.
  async enforceRetention(db: Database, now = Date.now(), force = true): Promise<void> {
    if (!db.retentionPeriodNs) return;
    const last = this.lastSweep.get(db.id) ?? 0;
    if (!force && now - last < this.opts.sweepIntervalMs) return;
    if (force && now - last < 1000) return;
    this.lastSweep.set(db.id, now);
    const cutoff = BigInt(now) * 1_000_000n - BigInt(db.retentionPeriodNs);
    await this.storage.deleteRowsBefore(db, cutoff);
  }
}
