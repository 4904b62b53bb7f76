import { expect } from 'chai';
import { assertDatabaseName, databaseNameProblem } from '../../../src/storage/catalog/names.js';

describe('storage/catalog/names', () => {
  it('accepts valid database names', () => {
    for (const n of ['foo', 'a1', '1a', 'my-db_2', 'org/bucket']) expect(databaseNameProblem(n), n).to.equal(null);
  });
  it('rejects invalid names with InfluxDB messages', () => {
    expect(databaseNameProblem('_internal2')).to.equal('db name did not start with a number or letter');
    expect(() => assertDatabaseName('bad db')).to.throw(
      "invalid database name provided: database name 'bad db' contains invalid character, character number 3 is not allowed",
    );
    expect(databaseNameProblem('a/b/c')).to.match(/character number 3/);
    expect(databaseNameProblem('ab/')).to.match(/character number 2/);
    expect(databaseNameProblem('')).to.match(/empty/);
  });
});
