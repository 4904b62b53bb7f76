import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { FLIGHT_PROTO } from '../../src/flight/proto/flight-proto.js';
import { FLIGHT_SQL_PROTO } from '../../src/flight/proto/flight-sql-proto.js';
import { Any, ReadInfo } from '../../src/flight/proto/messages.js';
import { READ_INFO_TYPE_URL } from '../../src/flight/proto/read-info-proto.js';
import { GrpcError } from '../../src/flight/grpc-status.js';
import { parseTicket } from '../../src/flight/tickets.js';

const json = (doc: unknown): Uint8Array => Buffer.from(JSON.stringify(doc));

describe('flight/tickets', () => {
  it('reads the JSON ticket of the v3 client libraries, with every database alias', () => {
    expect(parseTicket(json({ database: 'db', sql_query: 'SELECT 1', query_type: 'sql' }))).to.deep.equal({ database: 'db', query: 'SELECT 1', language: 'sql', params: undefined });
    for (const key of ['namespace_name', 'bucket', 'bucket-name']) {
      expect(parseTicket(json({ [key]: 'db', sql_query: 'q' })).database).to.equal('db');
    }
    expect(parseTicket(json({ database: 'db', sql_query: 'q' })).language).to.equal('sql');
    expect(parseTicket(json({ database: 'db', sql_query: 'SHOW MEASUREMENTS', query_type: 'influxql' })).language).to.equal('influxql');
    expect(parseTicket(json({ database: 'db', sql_query: 'q', params: { a: 'x', n: 1, b: true, z: null } })).params).to.deep.equal({ a: 'x', n: 1, b: true, z: null });
  });

  it('reads a protobuf ReadInfo, bare or in google.protobuf.Any', () => {
    const info = ReadInfo.encode(ReadInfo.create({ namespace_name: 'db', sql_query: 'SELECT * FROM cpu', query_type: 2 })).finish();
    expect(parseTicket(info)).to.deep.equal({ database: 'db', query: 'SELECT * FROM cpu', language: 'influxql' });
    const sql = ReadInfo.encode(ReadInfo.create({ namespace_name: 'db', sql_query: 'SELECT 1', query_type: 0 })).finish();
    expect(parseTicket(sql).language).to.equal('sql');
    const wrapped = Any.encode(Any.create({ type_url: READ_INFO_TYPE_URL, value: info })).finish();
    expect(parseTicket(wrapped)).to.deep.equal({ database: 'db', query: 'SELECT * FROM cpu', language: 'influxql' });
  });

  it('reads the bound parameters of a ReadInfo (QueryParam: null, bool, u/int64, float64, string)', () => {
    const params = [
      { name: 'host', string: 'a' },
      { name: 'n', int64: 42 },
      { name: 'big', u_int64: '18446744073709551615' },
      { name: 'f', float64: 0.5 },
      { name: 'b', boolean: true },
      { name: 'z', null: 0 },
    ];
    const info = ReadInfo.encode(ReadInfo.create({ namespace_name: 'db', sql_query: 'SELECT * FROM cpu WHERE host = $host', query_type: 1, params })).finish();
    expect(parseTicket(info).params).to.deep.equal({ host: 'a', n: 42, big: '18446744073709551615', f: 0.5, b: true, z: null });
  });

  it('refuses a bad ticket with INVALID_ARGUMENT naming what is wrong', () => {
    const cases: Array<[Uint8Array, string]> = [
      [Buffer.from('{not json'), 'invalid ticket: not valid JSON: {not json'],
      [json({ sql_query: 'q' }), 'missing "database"'],
      [json({ database: 'db' }), 'missing "sql_query"'],
      [json({ database: 'db', sql_query: 'q', query_type: 'flux' }), 'unknown query_type "flux"'],
      [json({ database: 'db', sql_query: 'q', params: [1] }), 'invalid params [1]'],
      [json({ database: 'db', sql_query: 'q', params: { a: { b: 1 } } }), "invalid value for query parameter 'a'"],
      [new Uint8Array(0), 'invalid ticket'],
      [Buffer.from([0xff, 0xff, 0xff]), 'invalid ticket'],
    ];
    for (const [bytes, message] of cases) {
      try {
        parseTicket(bytes);
        expect.fail(`no error for ${Buffer.from(bytes).toString('hex')}`);
      } catch (err) {
        expect(err, message).to.be.instanceOf(GrpcError);
        expect((err as GrpcError).code).to.equal(3);
        expect((err as GrpcError).message).to.contain(message);
      }
    }
  });

  it('ships the same Flight.proto and FlightSql.proto text as the .proto file beside it', () => {
    expect(FLIGHT_PROTO).to.equal(readFileSync(new URL('../../src/flight/proto/Flight.proto', import.meta.url), 'utf8'));
    expect(FLIGHT_PROTO).to.contain('Licensed to the Apache Software Foundation');
    expect(FLIGHT_SQL_PROTO).to.equal(readFileSync(new URL('../../src/flight/proto/FlightSql.proto', import.meta.url), 'utf8'));
  });
});
