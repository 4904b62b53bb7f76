import { badRequest } from '../shared/app-error.js';
import { parseDurationNs, DurationParseError } from '../shared/duration.js';
import type { Logger } from '../shared/logger.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { planDeletions } from './deletion-schedule.js';
import type { Database } from './catalog/catalog-resources.js';
import { assertDatabaseName, assertTableName } from './catalog/names.js';
import type { StorageEngine } from './storage-engine.js';
import type { ColumnDef, FieldType } from './types.js';

const FIELD_TYPES: Record<string, FieldType> = {
  utf8: 'utf8', string: 'utf8', int64: 'int64', integer: 'int64', uint64: 'uint64', float64: 'float64', float: 'float64', bool: 'bool', boolean: 'bool',
};
const DEFAULT_HARD_DELETE_MS = 72 * 3600 * 1000;
const DEFAULT_DELETE_GRACE_MS = 24 * 3600 * 1000;
// setTimeout's limit (about 24.8 days): a later step is planned again when this timer fires.
const MAX_TIMER_MS = 2 ** 31 - 1;
const RETRY_MS = 60_000;

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
// Absent means `default`, as upstream (its HardDeletionTime defaults to Default).
export function parseHardDeleteAt(value: string | undefined, nowMs: number, defaultMs = DEFAULT_HARD_DELETE_MS): string | null {
  if (value === 'never') return null;
  if (value === 'now') return new Date(nowMs).toISOString();
  if (value === undefined || value === '' || value === 'default') return new Date(nowMs + defaultMs).toISOString();
  const t = Date.parse(value);
  if (Number.isNaN(t) || !/^\d{4}-\d\d-\d\dT/.test(value)) {
    throw badRequest(`invalid hard_delete_at '${value}': expected never, now, default or an RFC 3339 time like 2026-01-01T00:00:00Z`);
  }
  return new Date(t).toISOString();
}

export interface DatabaseAdminOptions {
  logger: Logger;
  sweepIntervalMs: number;
  hardDeleteDefaultMs?: number;
  // --delete-grace-period: how long a hard-deleted database or table stays listed (as deleted) after its
  // hard-delete time before its catalog entry is removed (default 24 h, as upstream).
  deleteGraceMs?: number;
  clock?: Clock;
}

// Database and table management, retention sweeps, and hard deletes (data at the hard-delete time, the catalog
// entry a grace period later), planned from the catalog so a restart picks up where the last run stopped.
export class DatabaseAdmin {
  private timer: NodeJS.Timeout | null = null;
  private deletionTimer: NodeJS.Timeout | null = null;
  private deletions: Promise<void> = Promise.resolve();
  private running = false;
  private lastSweep = new Map<number, number>();
  private readonly clock: Clock;
  readonly onDatabaseDeleted: Array<(db: Database, hard: boolean) => void> = [];
  // Called once a database's data is gone for good (hard delete done).
  readonly onDatabaseRemoved: Array<(db: Database) => void> = [];

  constructor(
    private readonly storage: StorageEngine,
    private readonly opts: DatabaseAdminOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
  }

  private get graceMs(): number {
    return this.opts.deleteGraceMs ?? DEFAULT_DELETE_GRACE_MS;
  }

  // Finishes the hard deletes that fell due while the server was down, then keeps a timer on the next one.
  async start(): Promise<void> {
    this.running = true;
    this.timer = setInterval(() => {
      this.sweep().catch((err) => this.opts.logger.error({ err }, 'retention sweep failed'));
    }, Math.min(this.opts.sweepIntervalMs, 60_000));
    this.timer.unref();
    await this.runDeletions().catch(() => undefined);
  }

  // Waits for a hard delete in progress, so storage is not closed under it.
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    if (this.deletionTimer) this.clock.clearTimeout(this.deletionTimer);
    this.deletionTimer = null;
    await this.settled();
  }

  // Resolves once the hard-delete run in progress, if any, is over.
  settled(): Promise<void> {
    return this.deletions;
  }

  // Runs the hard-delete steps that are due (one run at a time) and, once started, sets a timer for the next one.
  runDeletions(): Promise<void> {
    const run = this.deletions.then(() => this.applyDeletions());
    this.deletions = run.catch((err) => this.opts.logger.error({ err }, 'hard delete failed'));
    return run;
  }

  private async applyDeletions(): Promise<void> {
    const plan = planDeletions(this.storage.databases(true), this.clock.nowMs(), this.graceMs);
    try {
      for (const step of plan.due) {
        if (step.kind === 'remove-database-data') {
          await this.hardDelete(step.database);
        } else if (step.kind === 'forget-database') {
          this.storage.forgetDatabase(step.database);
          this.opts.logger.info({ db: step.database.name, graceMs: this.graceMs }, 'deleted database removed from the catalog (delete grace period over)');
        } else {
          this.storage.forgetTable(step.database, step.table);
          this.opts.logger.info({ db: step.database.name, table: step.table.name, graceMs: this.graceMs }, 'deleted table removed from the catalog (delete grace period over)');
        }
      }
    } finally {
      // Planned again: what just ran is off the plan; a step that failed is retried a minute later, not in a loop.
      const now = this.clock.nowMs();
      const after = planDeletions(this.storage.databases(true), now, this.graceMs);
      this.scheduleDeletions(after.due.length > 0 ? now + RETRY_MS : after.nextAtMs);
    }
  }

  private scheduleDeletions(atMs: number | null): void {
    if (this.deletionTimer) this.clock.clearTimeout(this.deletionTimer);
    this.deletionTimer = null;
    if (atMs === null || !this.running) return;
    const delayMs = Math.min(Math.max(0, atMs - this.clock.nowMs()), MAX_TIMER_MS);
    this.deletionTimer = this.clock.setTimeout(() => {
      this.deletionTimer = null;
      this.runDeletions().catch(() => undefined);
    }, delayMs);
    this.deletionTimer.unref?.();
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
    const when = parseHardDeleteAt(hardDeleteAt, this.clock.nowMs(), this.opts.hardDeleteDefaultMs);
    const db = await this.storage.softDeleteDatabase(name, when);
    this.opts.logger.info({ db: name, hardDeleteAt: when }, 'database deleted');
    for (const cb of this.onDatabaseDeleted) cb(db, when !== null);
    // hard_delete_at=now: the data is gone when the request is answered.
    if (when) await this.runDeletions();
  }

  private async hardDelete(db: Database): Promise<void> {
    await this.storage.removeDatabase(db, this.clock.nowMs());
    const forgetAt = new Date(Date.parse(db.hardDeleteAt ?? '') + this.graceMs);
    this.opts.logger.info({ db: db.name, listedUntil: Number.isNaN(forgetAt.getTime()) ? null : forgetAt.toISOString() }, 'database data removed (hard delete)');
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
    const when = parseHardDeleteAt(hardDeleteAt, this.clock.nowMs(), this.opts.hardDeleteDefaultMs);
    await this.storage.deleteTable(dbName, table, when);
    this.opts.logger.info({ db: dbName, table, hardDeleteAt: when }, 'table deleted');
    if (when) await this.runDeletions();
  }

  // Deletes rows older than each database's retention period, and finishes due hard deletes.
  async sweep(force = false): Promise<void> {
    await this.runDeletions();
    const now = this.clock.nowMs();
    for (const db of this.storage.databases()) await this.enforceRetention(db, now, force);
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
