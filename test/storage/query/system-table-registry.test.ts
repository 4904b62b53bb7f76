import { expect } from 'chai';
import { SystemTableRegistry } from '../../../src/storage/query/system-table-registry.js';
import type { SystemTableProvider } from '../../../src/storage/query/system-tables.js';

const table = { columns: [{ name: 'x', type: 'Utf8' as const }], rows: [] };

describe('storage/query/system-table-registry', () => {
  it('lists, per database, the names its providers were registered with and serve there', () => {
    const registry = new SystemTableRegistry();
    const everywhere: SystemTableProvider = (_db, t) => (t === 'zeta' || t === 'alpha' ? table : undefined);
    const internalOnly: SystemTableProvider = (db, t) => (db === '_internal' && t === 'tokens' ? table : undefined);
    registry.add(everywhere, ['zeta', 'alpha']);
    registry.add(internalOnly, ['tokens']);
    expect(registry.names('foo')).to.deep.equal(['alpha', 'zeta']);
    expect(registry.names('_internal')).to.deep.equal(['alpha', 'tokens', 'zeta']);
    expect(registry.provide('foo', 'tokens')).to.equal(undefined);
  });
});
