import { expect } from 'chai';
import { formatRetention } from '../src/admin-api.js';
import { parseArgs } from '../src/plugin-api.js';

describe('console/admin-api and plugin-api: the words the pages show and read', () => {
  it('a retention period in the largest whole unit, forever when none', () => {
    expect(formatRetention(null)).to.equal('forever');
    expect(formatRetention(30n * 86_400_000_000_000n)).to.equal('30d');
    expect(formatRetention(14n * 86_400_000_000_000n)).to.equal('2w');
    expect(formatRetention(90n * 60_000_000_000n)).to.equal('90m');
    expect(formatRetention(1_500_000_000n)).to.equal('1500000000ns');
  });

  it('plugin arguments as key=value pairs, null when none, and a pair without = refused by name', () => {
    expect(parseArgs('')).to.equal(null);
    expect(parseArgs(' a=1, b = two\nc=x=y ')).to.deep.equal({ a: '1', b: 'two', c: 'x=y' });
    expect(() => parseArgs('a=1, oops')).to.throw("argument 'oops' is not key=value");
  });
});
