import { expect } from 'chai';
import { Registry } from 'prom-client';
import { createLogger } from '../../src/shared/logger.js';
import { DatabaseAdmin, parseHardDeleteAt } from '../../src/storage/database-admin.js';
import { StorageEngine } from '../../src/storage/storage-engine.js';
import { StorageMetrics } from '../../src/storage/storage-metrics.js';
import { FakeClock } from '../engine/fake-clock.js';

describe('storage/database-admin: --hard-delete-default-duration', () => {
  it('hard_delete_at=default is the configured duration from now (72 h when not configured)', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseHardDeleteAt('default', now)).to.equal('2026-01-04T00:00:00.000Z');
    expect(parseHardDeleteAt('default', now, 3600_000)).to.equal('2026-01-01T01:00:00.000Z');
    expect(parseHardDeleteAt('now', now, 3600_000)).to.equal('2026-01-01T00:00:00.000Z');
  });

  it('an absent hard_delete_at means default, as upstream; never is only ever asked for', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseHardDeleteAt(undefined, now, 3600_000)).to.equal('2026-01-01T01:00:00.000Z');
    expect(parseHardDeleteAt('', now, 3600_000)).to.equal('2026-01-01T01:00:00.000Z');
    expect(parseHardDeleteAt('never', now, 3600_000)).to.equal(null);
  });

  it('a database deleted with hard_delete_at=default is scheduled by the server setting', async () => {
    const logger = createLogger('silent');
    const storage = new StorageEngine({ objectStore: 'memory', dataDir: null, walFlushIntervalMs: 1000, logger, metrics: new StorageMetrics(new Registry()) });
    await storage.start();
    try {
      const admin = new DatabaseAdmin(storage, { logger, sweepIntervalMs: 60_000, hardDeleteDefaultMs: 2 * 3600_000 });
      await admin.createDatabase('d', undefined);
      const before = Date.now();
      await admin.deleteDatabase('d', 'default');
      const deleted = storage.databases(true).find((db) => db.deleted)!;
      const at = Date.parse(deleted.hardDeleteAt!);
      expect(at - before).to.be.within(2 * 3600_000, 2 * 3600_000 + 60_000);
    } finally {
      await storage.stop();
    }
  });
});

describe('storage/database-admin: --delete-grace-period', () => {
  const GRACE = 10_000;
  let clock: FakeClock;
  let storage: StorageEngine;
  let admin: DatabaseAdmin;
  let removed: string[];
  const iso = (ms: number) => new Date(ms).toISOString();
  const entry = (id: number) => storage.databaseById(id);

  beforeEach(async () => {
    clock = new FakeClock(Date.parse('2026-03-01T00:00:00Z'));
    const logger = createLogger('silent');
    storage = new StorageEngine({ objectStore: 'memory', dataDir: null, walFlushIntervalMs: 1000, logger, metrics: new StorageMetrics(new Registry()) });
    await storage.start();
    admin = new DatabaseAdmin(storage, { logger, sweepIntervalMs: 60_000, deleteGraceMs: GRACE, clock });
    removed = [];
    admin.onDatabaseRemoved.push((db) => removed.push(db.name));
    await admin.start();
  });
  afterEach(async () => {
    await admin.stop();
    await storage.stop();
  });

  // Moves the fake time on and waits for the deletion run its timer started.
  const advance = async (ms: number) => {
    await clock.advance(ms);
    await admin.settled();
  };

  it('a database: its data goes at the hard-delete time, its entry (listed as deleted) a grace period later', async () => {
    await admin.createDatabase('doomed', undefined);
    await storage.write('doomed', 'm v=1i 1', { precision: 'ns', acceptPartial: false, noSync: false });
    await admin.deleteDatabase('doomed', iso(clock.nowMs() + 5000));
    const id = storage.databases(true).find((d) => d.deleted)!.id;
    expect(clock.pendingDelays()).to.deep.equal([5000]);

    await advance(5000);
    expect(removed).to.have.length(1);
    expect(entry(id)).to.include({ deleted: true, dataRemovedAt: iso(clock.nowMs()) });
    expect(clock.pendingDelays()).to.deep.equal([GRACE]);

    await advance(GRACE - 1);
    expect(entry(id)?.deleted).to.equal(true);
    await advance(1);
    expect(entry(id)).to.equal(undefined);
    expect(clock.pending).to.equal(0);
  });

  it('hard_delete_at=now removes the data before answering; the entry waits for the grace period', async () => {
    await admin.createDatabase('now_db', undefined);
    await admin.deleteDatabase('now_db', 'now');
    const db = storage.databases(true).find((d) => d.deleted)!;
    expect(db.dataRemovedAt).to.equal(iso(clock.nowMs()));
    expect(clock.pendingDelays()).to.deep.equal([GRACE]);
    await advance(GRACE);
    expect(entry(db.id)).to.equal(undefined);
  });

  it('a soft delete (never) stays listed, with nothing scheduled', async () => {
    await admin.createDatabase('kept', undefined);
    await admin.deleteDatabase('kept', 'never');
    await advance(30 * 24 * 3600_000);
    expect(storage.databases(true).filter((d) => d.deleted)).to.have.length(1);
    expect(clock.pending).to.equal(0);
  });

  it('a deleted table stays listed (deleted, renamed) until its hard-delete time plus the grace period', async () => {
    await admin.createTable('t_db', 'gone', ['host'], undefined);
    await admin.deleteTable('t_db', 'gone', iso(clock.nowMs() + 1000));
    const db = storage.database('t_db')!;
    expect(db.tables.map((t) => [t.deleted, t.name.replace(/-\d{8}T\d{6}$/, '-STAMP')])).to.deep.equal([[true, 'gone-STAMP']]);
    expect(clock.pendingDelays()).to.deep.equal([1000 + GRACE]);
    await advance(1000 + GRACE - 1);
    expect(db.tables).to.have.length(1);
    await advance(1);
    expect(db.tables).to.deep.equal([]);
  });

  it('the plan lives in the catalog: a new admin over the same catalog finishes what fell due while none ran', async () => {
    await admin.createDatabase('later', undefined);
    await admin.deleteDatabase('later', iso(clock.nowMs() + 1000));
    const id = storage.databases(true).find((d) => d.deleted)!.id;
    await admin.stop();
    await clock.advance(1000 + GRACE);
    expect(entry(id)?.dataRemovedAt).to.equal(null);
    admin = new DatabaseAdmin(storage, { logger: createLogger('silent'), sweepIntervalMs: 60_000, deleteGraceMs: GRACE, clock });
    await admin.start();
    expect(entry(id)).to.equal(undefined);
  });
});

