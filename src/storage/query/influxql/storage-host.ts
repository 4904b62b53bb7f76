import type { StorageEngine } from '../../storage-engine.js';
import type { InfluxqlHost } from './host.js';

// The catalog and SQL of our storage, as the InfluxQL engine sees them (deleted tables are gone).
export function storageHost(storage: StorageEngine): InfluxqlHost {
  return {
    databases: () => storage.databases().map((d) => d.name),
    measurements: (db) => storage.requireDatabase(db).tables.filter((t) => !t.deleted).map((t) => ({ name: t.name, columns: t.columns })),
    retentionNs: (db) => {
      const ns = storage.requireDatabase(db).retentionPeriodNs;
      return ns ? BigInt(ns) : null;
    },
    query: (db, sql) => storage.query(db, sql),
    selectorQuery: async (db, shape, sql, answered) => {
      const points = storage.lastPoints;
      const bound = await points.selectorBound(storage.requireDatabase(db), shape.table, shape.tags, shape.fields, shape.dir);
      return points.withBound(bound, () => storage.query(db, sql(bound)), answered, () => storage.query(db, sql()));
    },
  };
}
