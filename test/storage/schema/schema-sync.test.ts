import { expect } from 'chai';
import { createLogger } from '../../../src/shared/logger.js';
import { Catalog } from '../../../src/storage/catalog/catalog.js';
import { DuckDbStore } from '../../../src/storage/duckdb/duckdb-store.js';
import { SchemaSync } from '../../../src/storage/schema/schema-sync.js';

describe('storage/schema/schema-sync', () => {
  let catalog: Catalog;
  let store: DuckDbStore;
  let schema: SchemaSync;
  const names = (dbId: number) => store.tables(dbId).map((t) => `${t.name}(${t.columns.map((c) => c.name).join(',')})`);

  beforeEach(async () => {
    catalog = new Catalog({ dir: null, logger: createLogger('silent') });
    catalog.load();
    store = new DuckDbStore({ path: ':memory:', logger: createLogger('silent') });
    schema = new SchemaSync(catalog, store);
    await store.open();
    await schema.start();
  });
  afterEach(() => store.close());

  it('derives DuckDB tables and the registry from catalog events', async () => {
    const db = catalog.createDatabase('a');
    expect(store.databaseName(db.id)).to.equal('a');
    const t = catalog.createTable(db, 'cpu', [{ name: 'host', type: 'tag' }]);
    await schema.sync();
    expect(names(db.id)).to.deep.equal(['cpu(host,time)']);
    catalog.addColumn(db, t, 'usage', 'float64');
    await schema.sync([t]);
    // Physical order: DuckDB appends added columns.
    expect(names(db.id)).to.deep.equal(['cpu(host,time,usage)']);
    expect(store.tables(db.id)[0]!.physical).to.equal(true);

    catalog.deleteTable(db, 'cpu', null);
    await schema.sync();
    expect(names(db.id)).to.deep.equal([]);

    const deleted = catalog.softDeleteDatabase('a', null);
    expect(store.databaseName(db.id)).to.equal(deleted.name);
    catalog.removeDatabase(db.id);
    await schema.sync();
    expect(store.databaseName(db.id)).to.equal(undefined);
  });

  it('syncs only the tables it is given, and retries a table whose DDL failed', async () => {
    const db = catalog.createDatabase('a');
    const cpu = catalog.createTable(db, 'cpu', []);
    const mem = catalog.createTable(db, 'mem', []);
    await schema.sync([cpu]);
    expect(names(db.id)).to.deep.equal(['cpu(time)']);
    const clash = catalog.createTable(db, 'CPU', []);
    let failed: unknown;
    await schema.sync([clash]).catch((err) => (failed = err));
    expect(String(failed)).to.match(/differs from existing table 'cpu' only by case/);
    await schema.sync([mem]);
    expect(names(db.id)).to.deep.equal(['cpu(time)', 'mem(time)']);
    await schema.sync([clash]).catch((err) => (failed = err));
    expect(String(failed)).to.match(/only by case/);
  });

  it('loads every database and table of the catalog at start', async () => {
    const db = catalog.createDatabase('b');
    catalog.createTable(db, 'disk', [{ name: 'dev', type: 'tag' }]);
    const fresh = new DuckDbStore({ path: ':memory:', logger: createLogger('silent') });
    await fresh.open();
    try {
      await new SchemaSync(catalog, fresh).start();
      expect(fresh.databaseName(db.id)).to.equal('b');
      expect(fresh.tables(db.id).map((t) => t.name)).to.deep.equal(['disk']);
    } finally {
      await fresh.close();
    }
  });
});
