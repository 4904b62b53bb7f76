import { expect } from 'chai';
import { createLogger } from '../../../src/shared/logger.js';
import { Catalog } from '../../../src/storage/catalog/catalog.js';
import type { CatalogEvent } from '../../../src/storage/catalog/catalog-events.js';

describe('storage/catalog/catalog events', () => {
  it('announces every change after making it', () => {
    const catalog = new Catalog({ dir: null, logger: createLogger('silent') });
    catalog.load();
    const seen: string[] = [];
    catalog.subscribe((e: CatalogEvent) => {
      const detail = 'table' in e ? `${e.database.name}.${e.table.name}` : 'database' in e ? e.database.name : '';
      seen.push(`${e.kind} ${detail}`.trim());
    });
    const db = catalog.createDatabase('a');
    catalog.setRetention('a', { text: '1d', ns: 86_400_000_000_000n });
    const t = catalog.createTable(db, 'cpu', [{ name: 'host', type: 'tag' }]);
    catalog.addColumn(db, t, 'usage', 'float64');
    catalog.deleteTable(db, 'cpu', null);
    catalog.setTriggers({ nextId: 1, triggers: [] });
    catalog.setTokens({ nextId: 1, tokens: [] });
    catalog.setCacheDefinitions({ last: [], distinct: [] });
    const deleted = catalog.softDeleteDatabase('a', null);
    catalog.removeDatabase(deleted.id);
    expect(seen.map((s) => s.replace(/-\d{8}T\d{6}/g, '-<stamp>'))).to.deep.equal([
      'database-created a',
      'database-updated a',
      'table-created a.cpu',
      'columns-added a.cpu',
      'table-removed a.cpu-<stamp>',
      'triggers-changed',
      'tokens-changed',
      'caches-changed',
      'database-deleted a-<stamp>',
      'database-removed a-<stamp>',
    ]);
    expect(t.columns.map((c) => c.name)).to.deep.equal(['host', 'usage', 'time']);
  });
});
