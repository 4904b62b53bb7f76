import { expect } from 'chai';
import { flattenResult } from '../../../src/storage/query/influxql/influxql-engine.js';
import { parseEpoch } from '../../../src/http/formats/v1-format.js';
import { renderV1 } from '../../../src/http/formats/v1-responses.js';
import type { StatementResult } from '../../../src/storage/query/influxql/host.js';

const result: StatementResult = {
  statementId: 0,
  timeColumn: true,
  series: [
    { name: 'cpu', tags: { host: 'a' }, columns: ['time', 'mean', 'n'], values: [[1_500_000_000n, 1.5, 9007199254740993n]] },
    { name: 'cpu', tags: { host: 'b' }, columns: ['time', 'mean', 'n'], values: [[2_000_000_000n, null, 2n]] },
  ],
};

describe('InfluxQL v1 JSON', () => {
  it('renders series with RFC3339 times, exact 64-bit integers and statement errors', () => {
    expect(renderV1([result, { statementId: 1, timeColumn: true, series: [], error: 'boom' }, { statementId: 2, timeColumn: false, series: [] }], undefined, false)).to.equal(
      '{"results":[{"statement_id":0,"series":[' +
        '{"name":"cpu","tags":{"host":"a"},"columns":["time","mean","n"],"values":[["1970-01-01T00:00:01.5Z",1.5,9007199254740993]]},' +
        '{"name":"cpu","tags":{"host":"b"},"columns":["time","mean","n"],"values":[["1970-01-01T00:00:02Z",null,2]]}]},' +
        '{"statement_id":1,"error":"boom"},{"statement_id":2}]}\n',
    );
  });

  it('renders times as integers in the epoch unit, and pretty-prints with four spaces', () => {
    expect(renderV1([result], parseEpoch('ms'), false)).to.contain('"values":[[1500,1.5,9007199254740993]]');
    expect(renderV1([result], parseEpoch('s'), false)).to.contain('"values":[[1,1.5,');
    expect(renderV1([result], parseEpoch('ns'), true)).to.match(/^\{\n {4}"results": \[\n {8}\{\n {12}"statement_id": 0,/);
    expect(() => parseEpoch('y')).to.throw("invalid epoch 'y'");
  });

  it('flattens series to one table for query_influxql: iox::measurement, time, tags, values', () => {
    expect(flattenResult(result)).to.deep.equal({
      columns: [
        { name: 'iox::measurement', type: 'Dictionary(Int32, Utf8)' },
        { name: 'time', type: 'Timestamp(Nanosecond, None)' },
        { name: 'host', type: 'Dictionary(Int32, Utf8)' },
        { name: 'mean', type: 'Float64' },
        { name: 'n', type: 'Int64' },
      ],
      rows: [
        ['cpu', 1_500_000_000n, 'a', 1.5, 9007199254740993n],
        ['cpu', 2_000_000_000n, 'b', null, 2n],
      ],
    });
  });
});
