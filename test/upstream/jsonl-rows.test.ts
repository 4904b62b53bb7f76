import { expect } from 'chai';
import { rowsOfJsonl, timestampNs } from '../../src/upstream/jsonl-rows.js';

describe('upstream/jsonl-rows', () => {
  it('types columns from the JSON text: 1 is an int, 1.0 a float, timestamps as ns, missing keys NULL', () => {
    const text = [
      '{"host":"a","v":1,"f":1.0,"b":true,"time":"2023-11-14T22:13:20"}',
      '{"host":"b","f":2.5,"s":"x","time":"2023-11-14T22:13:20.000000001"}',
      '',
    ].join('\n');
    expect(rowsOfJsonl(text)).to.deep.equal({
      columns: [
        { name: 'host', type: 'Utf8' },
        { name: 'v', type: 'Int64' },
        { name: 'f', type: 'Float64' },
        { name: 'b', type: 'Boolean' },
        { name: 'time', type: 'Timestamp(Nanosecond, None)' },
        { name: 's', type: 'Utf8' },
      ],
      rows: [
        ['a', 1n, 1, true, 1700000000000000000n, null],
        ['b', null, 2.5, null, 1700000000000000001n, 'x'],
      ],
    });
  });

  it('keeps 64-bit integers exact and widens a column with both ints and floats to floats', () => {
    const out = rowsOfJsonl('{"v":9007199254740993,"w":1}\n{"w":1.5}');
    expect(out.rows).to.deep.equal([[9007199254740993n, 1], [null, 1.5]]);
    expect(out.columns.map((c) => c.type)).to.deep.equal(['Int64', 'Float64']);
  });

  it('reads timestamps with zone offsets', () => {
    expect(timestampNs('1970-01-01T01:00:00+01:00')).to.equal(0n);
    expect(timestampNs('not a time')).to.equal(null);
  });
});
