import { expect } from 'chai';
import { createLogger } from '../../../src/shared/logger.js';
import { Catalog } from '../../../src/storage/catalog/catalog.js';
import { TriggerStore } from '../../../src/engine/triggers/trigger-store.js';
import { triggerRecord } from '../trigger-fixtures.js';

// The store assigns the trigger id and database id itself.
const record = (db: string, name: string) => triggerRecord({ databaseName: db, name });

describe('engine/triggers/trigger-store', () => {
  let catalog: Catalog;
  let store: TriggerStore;
  beforeEach(() => {
    catalog = new Catalog({ dir: null, logger: createLogger('silent') });
    catalog.load();
    catalog.createDatabase('a');
    catalog.createDatabase('b');
    store = new TriggerStore(catalog);
  });

  it('adds triggers with increasing ids, unique per database', () => {
    const t1 = store.add(record('a', 't'));
    const t2 = store.add(record('b', 't'));
    expect(t2.id).to.be.greaterThan(t1.id);
    expect(() => store.add(record('a', 't'))).to.throw('attempted to create a resource that already exists');
    expect(store.list('a').map((t) => t.name)).to.deep.equal(['t']);
  });

  it('404s an unknown trigger and an unknown database', () => {
    expect(() => store.require('a', 'nope')).to.throw('the requested resource was not found: nope');
    expect(() => store.require('zzz', 'nope')).to.throw(/database not found/);
  });

  it('persists updates and removals in the catalog section', () => {
    const t = store.add(record('a', 't'));
    store.update(t, { disabled: true, disabledReason: 'because' });
    expect(new TriggerStore(catalog).find('a', 't')).to.include({ disabled: true, disabledReason: 'because' });
    store.remove(t);
    expect(store.find('a', 't')).to.equal(undefined);
  });

  it('ties triggers to the database id: a recreated database of the same name has none', () => {
    store.add(record('a', 't'));
    const db = catalog.database('a')!;
    catalog.softDeleteDatabase('a', null);
    store.disableDatabase(db.id, 'database deleted');
    expect(store.all().map((t) => t.name)).to.deep.equal([]);
    expect(store.ofDatabaseId(db.id)[0]).to.include({ disabled: true, disabledReason: 'database deleted' });
    catalog.createDatabase('a');
    expect(store.list('a')).to.deep.equal([]);
    store.removeDatabase(db.id);
    expect(store.ofDatabaseId(db.id)).to.deep.equal([]);
  });
});
