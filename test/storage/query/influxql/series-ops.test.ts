import { expect } from 'chai';
import { applyTransform, applyTransforms, fillWindows, type Row } from '../../../../src/storage/query/influxql/series-ops.js';

const rows = (): Row[] => [
  [0n, 1, 2n],
  [30n, 4, 8n],
];

describe('InfluxQL series operations', () => {
  it('fills empty windows with null (count reads 0), a number, the previous value or a line', () => {
    expect(fillWindows(rows(), 0n, 40n, 10n, { mode: 'null' }, [false, true])).to.deep.equal([
      [0n, 1, 2n], [10n, null, 0n], [20n, null, 0n], [30n, 4, 8n], [40n, null, 0n],
    ]);
    expect(fillWindows(rows(), 0n, 30n, 10n, { mode: 'value', value: 0, integer: true }, [false, false])).to.deep.equal([
      [0n, 1, 2n], [10n, 0, 0n], [20n, 0, 0n], [30n, 4, 8n],
    ]);
    expect(fillWindows(rows(), 0n, 40n, 10n, { mode: 'previous' }, [false, false]).map((r) => r[1])).to.deep.equal([1, 1, 1, 4, 4]);
    expect(fillWindows(rows(), 0n, 40n, 10n, { mode: 'linear' }, [false, false])).to.deep.equal([
      [0n, 1, 2n], [10n, 2, 4n], [20n, 3, 6n], [30n, 4, 8n], [40n, null, null],
    ]);
    expect(fillWindows(rows(), 0n, 40n, 10n, { mode: 'none' }, [false, false])).to.deep.equal(rows());
  });

  it('refuses a range with too many windows', () => {
    expect(() => fillWindows(rows(), 0n, 10n ** 12n, 1n, { mode: 'null' }, [false, false])).to.throw(/windows \(at most 1000000\)/);
  });

  it('computes derivative, difference, cumulative_sum and moving_average over non-null points', () => {
    const pts: Array<[bigint, unknown]> = [[0n, 10], [10n, 30], [20n, 20], [40n, 60]];
    expect(applyTransform(pts, { name: 'derivative', unitNs: 10n, n: 0 })).to.deep.equal([[10n, 20], [20n, -10], [40n, 20]]);
    expect(applyTransform(pts, { name: 'non_negative_derivative', unitNs: 20n, n: 0 })).to.deep.equal([[10n, 40], [40n, 40]]);
    expect(applyTransform([[0n, 5n], [1n, 3n], [2n, 9n]], { name: 'difference', unitNs: 1n, n: 0 })).to.deep.equal([[1n, -2n], [2n, 6n]]);
    expect(applyTransform([[0n, 5n], [1n, 3n], [2n, 9n]], { name: 'non_negative_difference', unitNs: 1n, n: 0 })).to.deep.equal([[2n, 6n]]);
    expect(applyTransform([[0n, 5n], [1n, 3n]], { name: 'cumulative_sum', unitNs: 1n, n: 0 })).to.deep.equal([[0n, 5n], [1n, 8n]]);
    expect(applyTransform(pts, { name: 'moving_average', unitNs: 1n, n: 2 })).to.deep.equal([[10n, 20], [20n, 25], [40n, 40]]);
  });

  it('keeps only rows a transformation emitted when every column is one', () => {
    const r: Row[] = [[0n, 1], [10n, null], [20n, 3]];
    expect(applyTransforms(r, [{ name: 'difference', unitNs: 1n, n: 0 }])).to.deep.equal([[20n, 2]]);
  });
});
