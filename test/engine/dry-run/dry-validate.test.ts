import { expect } from 'chai';
import { checkLinesDry, toTableBatches } from '../../../src/engine/dry-run/dry-validate.js';
import { Catalog } from '../../../src/storage/catalog/catalog.js';
import { createLogger } from '../../../src/shared/logger.js';

function catalogWithCpu(): Catalog {
  const catalog = new Catalog({ dir: null, logger: createLogger('silent') });
  const db = catalog.createDatabase('foodb', null, false);
  catalog.createTable(db, 'cpu', [{ name: 'host', type: 'tag' }, { name: 'f1', type: 'int64' }, { name: 'time', type: 'time' }], false);
  return catalog;
}

const tableOf = (catalog: Catalog) => (database: string, table: string) => {
  const db = catalog.database(database);
  return db ? catalog.table(db, table) : undefined;
};

describe('engine/dry-run/dry-validate', () => {
  it('reports type conflicts with the catalog, naming the column, without changing the catalog', () => {
    const catalog = catalogWithCpu();
    const check = checkLinesDry(tableOf(catalog), 'foodb', 'cpu,host=A f1=10i,f2=20u,f3=t\ncpu,host=A f1="not_an_int"', 0n, 'ctx');
    expect(check.rows).to.have.length(1);
    expect(check.problems).to.deep.equal([
      `ctx: line 2: invalid field type for column 'f1' in table 'cpu': expected Int64, got Utf8 (cpu,host=A f1="not_an_int")`,
    ]);
    const table = catalog.table(catalog.database('foodb')!, 'cpu')!;
    expect(table.columns.map((c) => c.name)).to.deep.equal(['host', 'f1', 'time']);
  });

  it('new databases and tables are fine, but lines of one body must agree with each other', () => {
    const catalog = catalogWithCpu();
    const check = checkLinesDry(tableOf(catalog), 'newdb', 'm,t=a v=1i\nm v=1.5\nm,v=x w=1i\nm time=1i', 0n, 'ctx');
    expect(check.rows.map((r) => r.lineNumber)).to.deep.equal([1]);
    expect(check.problems.map((p) => p.split(':').slice(0, 2).join(':'))).to.deep.equal(['ctx: line 2', 'ctx: line 3', 'ctx: line 4']);
    expect(catalog.database('newdb')).to.equal(undefined);
  });

  it('reports parse errors and fills missing timestamps with now', () => {
    const check = checkLinesDry(tableOf(catalogWithCpu()), 'x', 'not lp\nm v=1i', 42n, 'parse');
    expect(check.problems).to.have.length(1);
    expect(check.problems[0]).to.match(/^parse: line 1: .* \(not lp\)$/);
    expect(check.rows[0]!.row.time).to.equal(42n);
  });

  it('groups rows per table in order of first appearance, each with only its own columns', () => {
    const { rows } = checkLinesDry(tableOf(catalogWithCpu()), 'x', 'cpu,host=A usage=1i,system=23.2 100\nmem,host=B user=43.1 120\ncpu,host=C usage=2i 130', 0n, '');
    expect(toTableBatches(rows)).to.deep.equal([
      { table_name: 'cpu', rows: [{ host: 'A', usage: 1n, system: 23.2, time: 100n }, { host: 'C', usage: 2n, time: 130n }] },
      { table_name: 'mem', rows: [{ host: 'B', user: 43.1, time: 120n }] },
    ]);
  });
});
