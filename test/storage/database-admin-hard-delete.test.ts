import { expect } from 'chai';
import { Registry } from 'prom-client';
import { createLogger } from '../../src/shared/logger.js';
import { DatabaseAdmin, parseHardDeleteAt } from '../../src/storage/database-admin.js';
import { StorageEngine } from '../../src/storage/storage-engine.js';
import { StorageMetrics } from '../../src/storage/storage-metrics.js';

describe('storage/database-admin: --hard-delete-default-duration', () => {
  it('hard_delete_at=default is the configured duration from now (72 h when not configured)', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseHardDeleteAt('default', now)).to.equal('2026-01-04T00:00:00.000Z');
    expect(parseHardDeleteAt('default', now, 3600_000)).to.equal('2026-01-01T01:00:00.000Z');
    expect(parseHardDeleteAt('now', now, 3600_000)).to.equal('2026-01-01T00:00:00.000Z');
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
