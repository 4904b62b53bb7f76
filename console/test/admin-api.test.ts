import { expect } from 'chai';
import { formatRetention } from '../src/admin-api.js';

describe('console/admin-api: the words the Server page shows', () => {
  it('a retention period in the largest whole unit, forever when none', () => {
    expect(formatRetention(null)).to.equal('forever');
    expect(formatRetention(30n * 86_400_000_000_000n)).to.equal('30d');
    expect(formatRetention(14n * 86_400_000_000_000n)).to.equal('2w');
    expect(formatRetention(90n * 60_000_000_000n)).to.equal('90m');
    expect(formatRetention(1_500_000_000n)).to.equal('1500000000ns');
  });
});
