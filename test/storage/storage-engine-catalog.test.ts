import { expect } from 'chai';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createLogger } from '../../src/shared/logger.js';
import { StorageEngine } from '../../src/storage/storage-engine.js';
import { StorageMetrics } from '../../src/storage/storage-metrics.js';

const options = { precision: 'ns' as const, acceptPartial: false, noSync: false };

function engine(dataDir: string): StorageEngine {
  return new StorageEngine({ objectStore: 'file', dataDir, walFlushIntervalMs: 1000, logger: createLogger('silent'), metrics: new StorageMetrics(new Registry()) });
}

describe('storage/storage-engine: the catalog behind the facade', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'storage-catalog-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts on a version 1 catalog.json: its tables exist in DuckDB, its resources are readable, the file is rewritten', async () => {
    mkdirSync(dataDir, { recursive: true });
    copyFileSync(join(import.meta.dirname, '../fixtures/catalog/catalog-v1.json'), join(dataDir, 'catalog.json'));
    const s = engine(dataDir);
    await s.start();
    try {
      expect(JSON.parse(readFileSync(join(dataDir, 'catalog.json'), 'utf8')).version).to.equal(2);
      expect(s.databases().map((d) => d.name)).to.deep.equal(['_internal', 'sensors']);
      expect(s.table('sensors', 'disk')!.columns.map((c) => c.name)).to.deep.equal(['host', 'dev', 'used', 'time']);
      expect((await s.query('sensors', 'SELECT count(*) AS n FROM disk')).rows).to.deep.equal([[0n]]);
      expect(s.triggers().triggers.map((t) => t.name)).to.deep.equal(['every_min', 'wal_all']);
      expect(s.tokens().tokens.map((t) => t.name)).to.deep.equal(['_admin', 'reader']);
      await s.write('sensors', 'cpu,host=z,region=us usage=2.5,extra=1i 5', options);
      expect(s.table('sensors', 'cpu')!.columns.map((c) => c.name)).to.include('extra');
    } finally {
      await s.stop();
    }
    const again = engine(dataDir);
    await again.start();
    try {
      const rows = (await again.query('sensors', "SELECT host, extra FROM cpu WHERE host = 'z'")).rows;
      expect(rows).to.deep.equal([['z', 1n]]);
    } finally {
      await again.stop();
    }
  });

  it('creates and deletes tables and databases through its own operations', async () => {
    const s = engine(dataDir);
    await s.start();
    try {
      await s.createDatabase('a', null);
      await s.createTable('a', 'm', [{ name: 't', type: 'tag' }]);
      expect((await s.query('a', 'SELECT * FROM m')).columns.map((c) => c.name)).to.deep.equal(['t', 'time']);
      await s.deleteTable('a', 'm', null);
      expect(s.table('a', 'm')).to.equal(undefined);
      // The entry stays listed, deleted and renamed, until forgotten (its hard-delete time plus the grace period).
      const gone = s.database('a')!.tables.find((t) => t.deleted)!;
      expect(gone.name).to.match(/^m-\d{8}T\d{6}$/);
      s.forgetTable(s.database('a')!, gone);
      expect(s.database('a')!.tables).to.deep.equal([]);
      let err: unknown;
      await s.query('a', 'SELECT * FROM m').catch((e) => (err = e));
      expect(String(err)).to.match(/m/);
      const db = await s.softDeleteDatabase('a', null);
      expect(s.database('a')).to.equal(undefined);
      await s.removeDatabase(db);
      // The data is gone; the entry stays, deleted, until the grace period is over.
      expect(s.databaseById(db.id)?.dataRemovedAt).to.be.a('string');
      s.forgetDatabase(db);
      expect(s.databaseById(db.id)).to.equal(undefined);
    } finally {
      await s.stop();
    }
  });

  it('a database deleted right after a write: the queued write is applied first and does not bring the name back', async () => {
    const s = engine(dataDir);
    await s.start();
    try {
      await s.write('fresh', 'm v=1i 1', options);
      const db = await s.softDeleteDatabase('fresh', null);
      await s.query('_internal', 'SELECT 1');
      expect(s.database('fresh')).to.equal(undefined);
      expect(s.databases(true).filter((d) => d.name.startsWith('fresh'))).to.deep.equal([db]);
    } finally {
      await s.stop();
    }
  });
});
