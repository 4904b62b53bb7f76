import { expect } from 'chai';
import { formatResult, parseFormat } from '../../../src/http/formats/format-result.js';
import type { QueryResult } from '../../../src/storage/query/query-result.js';

const fixture: QueryResult = {
  columns: [
    { name: 'host', type: 'Dictionary(Int32, Utf8)' },
    { name: 'time', type: 'Timestamp(Nanosecond, None)' },
    { name: 'usage', type: 'Float64' },
    { name: 'count', type: 'Int64' },
    { name: 'note', type: 'Utf8' },
    { name: 'ok', type: 'Boolean' },
  ],
  rows: [
    ['a', 3000000000000000000n, 1, 9007199254740993n, 'say "hi", ok', true],
    ['b', 1n, 0.64, null, null, false],
    ['c', 1700000000123000000n, null, -5n, 'line\nbreak', null],
  ],
};

describe('formatResult', () => {
  it('json: array of objects, NULL columns left out, exact big integers, zone-less ISO times', () => {
    const out = formatResult(fixture, 'json');
    expect(out.contentType).to.equal('application/json');
    expect(out.body).to.equal(
      '[{"host":"a","time":"2065-01-24T05:20:00","usage":1.0,"count":9007199254740993,"note":"say \\"hi\\", ok","ok":true},' +
        '{"host":"b","time":"1970-01-01T00:00:00.000000001","usage":0.64,"ok":false},' +
        '{"host":"c","time":"2023-11-14T22:13:20.123","count":-5,"note":"line\\nbreak"}]\n',
    );
    expect(JSON.parse(out.body)).to.have.length(3);
  });

  it('jsonl: one object per line', () => {
    const out = formatResult(fixture, 'jsonl');
    expect(out.contentType).to.equal('application/jsonl');
    expect(out.body).to.equal(
      '{"host":"a","time":"2065-01-24T05:20:00","usage":1.0,"count":9007199254740993,"note":"say \\"hi\\", ok","ok":true}\n' +
        '{"host":"b","time":"1970-01-01T00:00:00.000000001","usage":0.64,"ok":false}\n' +
        '{"host":"c","time":"2023-11-14T22:13:20.123","count":-5,"note":"line\\nbreak"}\n',
    );
  });

  it('csv: header, RFC 4180 quoting, NULL as empty', () => {
    const out = formatResult(fixture, 'csv');
    expect(out.contentType).to.equal('text/csv');
    expect(out.body).to.equal(
      'host,time,usage,count,note,ok\n' +
        'a,2065-01-24T05:20:00,1.0,9007199254740993,"say ""hi"", ok",true\n' +
        'b,1970-01-01T00:00:00.000000001,0.64,,,false\n' +
        'c,2023-11-14T22:13:20.123,,-5,"line\nbreak",\n',
    );
    expect(formatResult({ columns: [{ name: 'a', type: 'Utf8' }], rows: [[null], ['x']] }, 'csv').body).to.equal('a\n""\nx\n');
  });

  it('pretty: the Arrow box table without a trailing newline', () => {
    const out = formatResult(fixture, 'pretty');
    expect(out.contentType).to.equal('text/plain; charset=utf-8');
    expect(out.body).to.equal(
      [
        '+------+-------------------------------+-------+------------------+--------------+-------+',
        '| host | time                          | usage | count            | note         | ok    |',
        '+------+-------------------------------+-------+------------------+--------------+-------+',
        '| a    | 2065-01-24T05:20:00           | 1.0   | 9007199254740993 | say "hi", ok | true  |',
        '| b    | 1970-01-01T00:00:00.000000001 | 0.64  |                  |              | false |',
        '| c    | 2023-11-14T22:13:20.123       |       | -5               | line         |       |',
        '|      |                               |       |                  | break        |       |',
        '+------+-------------------------------+-------+------------------+--------------+-------+',
        '',
      ].join('\n'),
    );
  });

  it('pretty matches InfluxDB 3 for the api_v3_query_sql test data', () => {
    const result: QueryResult = {
      columns: [
        { name: 'host', type: 'Dictionary(Int32, Utf8)' },
        { name: 'region', type: 'Dictionary(Int32, Utf8)' },
        { name: 'time', type: 'Timestamp(Nanosecond, None)' },
        { name: 'usage', type: 'Float64' },
      ],
      rows: [
        ['s1', 'us-east', 1n, 0.9],
        ['s1', 'us-east', 2n, 0.89],
        ['s1', 'us-east', 3n, 0.85],
      ],
    };
    expect(formatResult(result, 'pretty').body).to.equal(
      '+------+---------+-------------------------------+-------+\n' +
        '| host | region  | time                          | usage |\n' +
        '+------+---------+-------------------------------+-------+\n' +
        '| s1   | us-east | 1970-01-01T00:00:00.000000001 | 0.9   |\n' +
        '| s1   | us-east | 1970-01-01T00:00:00.000000002 | 0.89  |\n' +
        '| s1   | us-east | 1970-01-01T00:00:00.000000003 | 0.85  |\n' +
        '+------+---------+-------------------------------+-------+\n',
    );
  });

  it('renders empty results and nested selector structs', () => {
    const empty: QueryResult = { columns: [{ name: 'a', type: 'Int64' }], rows: [] };
    expect(formatResult(empty, 'json').body).to.equal('[]\n');
    expect(formatResult(empty, 'jsonl').body).to.equal('');
    expect(formatResult(empty, 'csv').body).to.equal('a\n');
    expect(formatResult(empty, 'pretty').body).to.equal('+---+\n| a |\n+---+\n+---+\n');
    expect(formatResult({ columns: [], rows: [] }, 'pretty').body).to.equal('++\n++\n');
    const nested: QueryResult = {
      columns: [{ name: 's', type: 'Struct(value Float64, time Timestamp(Nanosecond, None))' }],
      rows: [[{ value: 2, time: 5_000_000_000n }], [{ value: null, time: 1n }]],
    };
    expect(formatResult(nested, 'json').body).to.equal('[{"s":{"value":2.0,"time":"1970-01-01T00:00:05"}},{"s":{"time":"1970-01-01T00:00:00.000000001"}}]\n');
    expect(formatResult(nested, 'pretty').body).to.match(/\| \{value: 2\.0, time: 1970-01-01T00:00:05\} +\|/);
  });

  it('writes non-finite floats as null in JSON and as NaN/inf in text', () => {
    const r: QueryResult = { columns: [{ name: 'f', type: 'Float64' }], rows: [[NaN], [Infinity], [-Infinity]] };
    expect(formatResult(r, 'json').body).to.equal('[{"f":null},{"f":null},{"f":null}]\n');
    expect(formatResult(r, 'csv').body).to.equal('f\nNaN\ninf\n-inf\n');
  });
});

describe('parseFormat', () => {
  it('maps format names', () => {
    expect(parseFormat('json')).to.equal('json');
    expect(parseFormat('jsonl')).to.equal('jsonl');
    expect(parseFormat('json_lines')).to.equal('jsonl');
    expect(parseFormat('CSV')).to.equal('csv');
    expect(parseFormat('pretty')).to.equal('pretty');
    expect(parseFormat('parquet')).to.equal('parquet');
  });

  it('falls back to the Accept header, then JSON', () => {
    expect(parseFormat(undefined, 'text/csv')).to.equal('csv');
    expect(parseFormat(undefined, 'text/plain')).to.equal('pretty');
    expect(parseFormat(undefined, 'application/vnd.apache.parquet')).to.equal('parquet');
    expect(parseFormat(undefined, 'application/jsonl')).to.equal('jsonl');
    expect(parseFormat(undefined, 'application/json, text/plain, */*')).to.equal('json');
    expect(parseFormat(undefined, 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8')).to.equal('json');
    expect(parseFormat(undefined, undefined)).to.equal('json');
    expect(parseFormat('', '')).to.equal('json');
  });

  it('rejects unknown values with a 400 naming them', () => {
    expect(() => parseFormat('xml')).to.throw("invalid format 'xml'").with.property('status', 400);
    expect(() => parseFormat(undefined, 'application/xml')).to.throw('invalid mime type (application/xml)').with.property('status', 400);
  });
});
