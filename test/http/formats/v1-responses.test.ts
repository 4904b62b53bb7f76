import { expect } from 'chai';
import { unpack } from 'msgpackr';
import { encodeV1, encodeV1Csv, parseChunkSize, v1Format, v1Responses } from '../../../src/http/formats/v1-responses.js';
import type { StatementResult } from '../../../src/storage/query/influxql/host.js';

const cpu: StatementResult = {
  statementId: 0,
  timeColumn: true,
  series: [
    { name: 'cpu', tags: { host: 'a,b' }, columns: ['time', 'usage', 'n'], values: [[1_000_000_000n, 1.5, 9007199254740993n], [2_000_000_000n, null, 2n], [3_000_000_000n, 2, 3n]] },
    { name: 'cpu', tags: { host: 'c' }, columns: ['time', 'usage', 'n'], values: [[1_000_000_000n, 'say "hi"', 1n]] },
  ],
};
const failed: StatementResult = { statementId: 1, timeColumn: true, series: [], error: 'not executed' };

describe('http/formats/v1-responses', () => {
  it('picks the encoding from Accept as upstream, JSON for anything else', () => {
    expect(v1Format('application/csv')).to.equal('csv');
    expect(v1Format('text/csv; q=0.9')).to.equal('csv');
    expect(v1Format('text/html, application/x-msgpack')).to.equal('msgpack');
    expect(v1Format('*/*')).to.equal('json');
    expect(v1Format('text/html')).to.equal('json');
    expect(v1Format(undefined)).to.equal('json');
  });

  it('validates chunk_size, defaulting to 10000', () => {
    expect(parseChunkSize(undefined)).to.equal(10_000);
    expect(parseChunkSize('3')).to.equal(3);
    for (const bad of ['0', '-1', '1.5', 'x']) expect(() => parseChunkSize(bad), bad).to.throw(`invalid chunk_size '${bad}'`);
  });

  it('splits chunks within a series, marking continued series and statements partial', () => {
    const out = v1Responses([cpu, failed], 1_000_000_000n, 2);
    const cols = ['time', 'usage', 'n'];
    expect(out).to.deep.equal([
      { results: [{ statement_id: 0, series: [{ name: 'cpu', tags: { host: 'a,b' }, columns: cols, values: [[1n, 1.5, 9007199254740993n], [2n, null, 2n]], partial: true }], partial: true }] },
      { results: [{ statement_id: 0, series: [{ name: 'cpu', tags: { host: 'a,b' }, columns: cols, values: [[3n, 2, 3n]] }], partial: true }] },
      { results: [{ statement_id: 0, series: [{ name: 'cpu', tags: { host: 'c' }, columns: cols, values: [[1n, 'say "hi"', 1n]] }] }] },
      { results: [{ statement_id: 1, error: 'not executed' }] },
    ]);
    expect(v1Responses([{ statementId: 0, timeColumn: true, series: [] }], undefined, 2), 'an empty statement').to.deep.equal([{ results: [{ statement_id: 0 }] }]);
  });

  it('encodes JSON lines with exact 64-bit integers, and MessagePack maps with int64 kept exact', () => {
    const [json] = encodeV1(v1Responses([cpu], undefined), 'json', false);
    expect(json!.toString()).to.contain('"values":[["1970-01-01T00:00:01Z",1.5,9007199254740993]').and.to.match(/\n$/);
    const [packed] = encodeV1(v1Responses([cpu], 1_000_000_000n), 'msgpack', false);
    const doc = unpack(packed!) as { results: Array<{ series: Array<{ values: unknown[][] }> }> };
    expect(doc.results[0]!.series[0]!.values[0]).to.deep.equal([1, 1.5, 9007199254740993n]);
    expect(doc.results[0]!.series[1]!.values[0]).to.deep.equal([1, 'say "hi"', 1]);
  });

  it('writes CSV as upstream: header per statement, quoted fields with commas or quotes, epoch times', () => {
    const other: StatementResult = { statementId: 2, timeColumn: false, series: [{ name: 'databases', columns: ['name'], values: [['db']] }] };
    expect(encodeV1Csv([cpu, failed, other], 1_000_000_000n)).to.equal(
      'name,tags,time,usage,n\n' +
        'cpu,"host=a,b",1,1.5,9007199254740993\ncpu,"host=a,b",2,,2\ncpu,"host=a,b",3,2,3\ncpu,host=c,1,"say ""hi""",1\n' +
        '\nname,tags,name\ndatabases,,db\n',
    );
  });
});
