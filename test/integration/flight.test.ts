import { expect } from 'chai';
import { createServer, type Http2Server } from 'node:http2';
import { createServer as createHttpServer, type Server } from 'node:http';
import Koa from 'koa';
import Router from '@koa/router';
import { errorMapper } from '../../src/http/middleware/error-mapper.js';
import { registerQueryRoutes } from '../../src/http/routes/query-routes.js';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { InfluxDBClient } from '@influxdata/influxdb3-client';
import { connect, type ClientHttp2Session } from 'node:http2';
import { RecordBatchReader, tableFromArrays, tableFromIPC, tableToIPC, type Schema } from 'apache-arrow';
import { splitIpcStream } from '../../src/flight/arrow-encoding.js';
import { frameMessage, MessageDecoder, decodeGrpcMessage } from '../../src/flight/grpc-framing.js';
import {
  Action,
  ActionClosePreparedStatementRequest,
  ActionCreatePreparedStatementRequest,
  ActionCreatePreparedStatementResult,
  Any,
  CommandPreparedStatementQuery,
  DoPutPreparedStatementResult,
  PutResult,
  Result,
  CommandGetCatalogs,
  CommandGetDbSchemas,
  CommandGetExportedKeys,
  CommandGetImportedKeys,
  CommandGetPrimaryKeys,
  CommandGetSqlInfo,
  CommandGetTables,
  CommandGetTableTypes,
  CommandGetXdbcTypeInfo,
  CommandStatementQuery,
  FlightData,
  FlightDescriptor,
  FlightInfo,
  Ticket,
  typeUrl,
} from '../../src/flight/proto/messages.js';
import type protobuf from 'protobufjs';
import { TokenStore } from '../../src/auth/token-store.js';
import { createFlightHandler } from '../../src/flight/index.js';
import { createLogger } from '../../src/shared/logger.js';
import { StorageEngine } from '../../src/storage/storage-engine.js';
import { StorageMetrics } from '../../src/storage/storage-metrics.js';
import { ipcStreamOf } from '../helpers/flight-data.js';

// A raw gRPC call on an HTTP/2 session: status, message and the response messages.
const rawCall = (session: ClientHttp2Session) => (method: string, message: Uint8Array, headers: Record<string, string>) => rawStream(session)(method, [message], headers);

const rawStream = (session: ClientHttp2Session) => (method: string, messages: Uint8Array[], headers: Record<string, string>) =>
  new Promise<{ status: string; message: string; messages: Buffer[] }>((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': `/arrow.flight.protocol.FlightService/${method}`, 'content-type': 'application/grpc', te: 'trailers', ...headers });
    const decoder = new MessageDecoder(1 << 30);
    const out = { status: '', message: '', messages: [] as Buffer[] };
    const status = (h: Record<string, unknown>): void => {
      if (h['grpc-status'] !== undefined) {
        out.status = String(h['grpc-status']);
        out.message = decodeGrpcMessage(String(h['grpc-message'] ?? ''));
      }
    };
    req.on('response', status);
    req.on('trailers', status);
    req.on('data', (c: Buffer) => out.messages.push(...decoder.push(c)));
    req.on('end', () => resolve(out));
    req.on('error', reject);
    for (const m of messages) req.write(frameMessage(m));
    req.end();
  });

// Rows of the FlightData messages of a DoGet, read with apache-arrow, and the schema.
function readFlightData(messages: Buffer[]): { schema: Schema; rows: Array<Record<string, unknown>> } {
  const reader = RecordBatchReader.from(ipcStreamOf(messages)).open();
  const schema = reader.schema;
  const rows: Array<Record<string, unknown>> = [];
  for (const batch of reader) for (const r of batch) rows.push(r.toJSON() as Record<string, unknown>);
  return { schema, rows };
}

const schemaOf = (encapsulated: Uint8Array): Schema => tableFromIPC(Buffer.concat([Buffer.from(encapsulated), Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])])).schema;
const fieldsOf = (schema: Schema): string[] => schema.fields.map((f) => `${f.name}:${f.type}${f.nullable ? '' : ' not null'}`);

// The real v3 JS client against the Flight handler on its own HTTP/2 server (the shared listener is wired in app.ts).
describe('integration/flight: the v3 client queries over Arrow Flight', function () {
  this.timeout(60_000);
  let storage: StorageEngine;
  let server: Http2Server;
  let host: string;
  let http: Server;
  const registry = new Registry();
  let httpUrl: string;
  let admin: string;
  let reader: string;
  const clients: InfluxDBClient[] = [];

  const client = (token: string, database = 'flightdb'): InfluxDBClient => {
    const c = new InfluxDBClient({ host, token, database });
    clients.push(c);
    return c;
  };
  const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
    const out: T[] = [];
    for await (const x of it) out.push(x);
    return out;
  };
  // The client's error: its message and the gRPC status name (protobuf-ts's RpcError.code).
  const failure = async (it: AsyncIterable<unknown>): Promise<{ message: string; code: string }> => {
    try {
      await collect(it);
    } catch (err) {
      const e = err as Error & { code?: unknown };
      return { message: e.message, code: String(e.code) };
    }
    throw new Error('expected the query to fail');
  };

  before(async () => {
    const logger = createLogger('silent');
    storage = new StorageEngine({ objectStore: 'memory', dataDir: null, walFlushIntervalMs: 1000, logger, metrics: new StorageMetrics(new Registry()) });
    await storage.start();
    const tokens = new TokenStore({ catalog: storage, logger });
    tokens.load();
    admin = tokens.createOperatorToken().token;
    reader = tokens.createResourceToken('reader', [{ resourceType: 'db', resourceIdentifier: ['flightdb'], actions: ['read'] }], null, null).token;
    await storage.write('flightdb', ['cpu,host=a,region=eu usage=1.5,count=3i,ok=true,note="x" 1000000000', 'cpu,host=b,region=us usage=2.5,count=4i,ok=false,note="y" 2000000000'].join('\n'), {
      precision: 'ns',
      acceptPartial: false,
      noSync: true,
    });
    await storage.write('otherdb', 'm v=1 1', { precision: 'ns', acceptPartial: false, noSync: true });
    server = createServer();
    server.on('stream', createFlightHandler({ storage, tokens, withoutAuth: false, logger, batchRows: 3000, registry }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The HTTP API's query routes over the same storage, to compare error messages.
    const app = new Koa();
    app.use(errorMapper(logger));
    const router = new Router();
    registerQueryRoutes(router, { storage, maxBodyBytes: 1 << 20 });
    app.use(router.routes());
    http = createHttpServer(app.callback());
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  after(async () => {
    for (const c of clients) await c.close();
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => http.close(() => r()));
    await storage.stop();
  });

  it('answers SQL with Arrow rows of the HTTP API types', async () => {
    const rows = await collect(client(admin).query('SELECT host, region, usage, count, ok, note, time FROM cpu ORDER BY time'));
    expect(rows).to.have.length(2);
    expect(rows[0]).to.include({ host: 'a', region: 'eu', usage: 1.5, count: 3, ok: true, note: 'x' });
    expect(rows[1]).to.include({ host: 'b', region: 'us', usage: 2.5, count: 4, ok: false, note: 'y' });
  });

  it('streams a result larger than a DuckDB chunk and a record batch, every row in order', async () => {
    const lines = Array.from({ length: 7000 }, (_, i) => `big,k=${i % 7} v=${i}i ${i + 1}`);
    await storage.write('flightdb', lines.join('\n'), { precision: 'ns', acceptPartial: false, noSync: true });
    const rows = await collect(client(admin).query('SELECT k, v FROM big ORDER BY time'));
    expect(rows).to.have.length(7000);
    rows.forEach((r, i) => {
      if (Number(r.v) !== i || r.k !== String(i % 7)) throw new Error(`row ${i}: ${JSON.stringify(r)}`);
    });
  });

  it('turns rows into points with tags, fields and the timestamp (queryPoints)', async () => {
    const points = await collect(client(admin).queryPoints('SELECT * FROM cpu ORDER BY time', 'flightdb'));
    expect(points).to.have.length(2);
    const p = points[0]!;
    expect(p.getTagNames().sort()).to.deep.equal(['host', 'region']);
    expect(p.getTag('host')).to.equal('a');
    expect(p.getFieldType('usage')).to.equal('float');
    expect(p.getFieldType('count')).to.equal('integer');
    expect(p.getFieldType('ok')).to.equal('boolean');
    expect(p.getFieldType('note')).to.equal('string');
    expect(p.getIntegerField('count')).to.equal(3);
    // apache-arrow reads Timestamp(Nanosecond) values as epoch milliseconds.
    expect(p.getTimestamp()).to.equal(1000);
    expect(p.asPoint('cpu').toLineProtocol()).to.equal('cpu,host=a,region=eu count=3i,note="x",ok=T,usage=1.5 1000');
  });

  it('binds params in SQL', async () => {
    const rows = await collect(client(admin).query('SELECT host FROM cpu WHERE host = $h', 'flightdb', { params: { h: 'b' } }));
    expect(rows.map((r) => r.host)).to.deep.equal(['b']);
  });

  it('answers InfluxQL with the iox::measurement column', async () => {
    const rows = await collect(client(admin).query('SELECT usage FROM cpu WHERE host = $h', 'flightdb', { type: 'influxql', params: { h: 'a' } }));
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({ 'iox::measurement': 'cpu', usage: 1.5 });
  });

  it('lets a database token read its database and refuses another one (PERMISSION_DENIED)', async () => {
    const rows = await collect(client(reader).query('SELECT count(*) AS n FROM cpu'));
    expect(Number(rows[0]!.n)).to.equal(2);
    const err = await failure(client(reader, 'otherdb').query('SELECT * FROM m'));
    expect(err.code).to.equal('PERMISSION_DENIED');
    expect(err.message).to.contain("this needs read permission on database 'otherdb'");
  });

  it('serves information_schema with the Arrow type names the HTTP API reports', async () => {
    const rows = await collect(client(admin).query("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'cpu' ORDER BY column_name"));
    const types = Object.fromEntries(rows.map((r) => [r.column_name, r.data_type]));
    expect(types).to.include({ host: 'Dictionary(Int32, Utf8)', time: 'Timestamp(Nanosecond, None)', usage: 'Float64', count: 'Int64', ok: 'Boolean', note: 'Utf8' });
  });

  it('answers a Flight SQL statement query: GetFlightInfo (schema, ticket), then DoGet with the database in metadata', async () => {
    const session = connect(host);
    const grpc = rawCall(session);
    try {
      const cmd = Any.encode(Any.create({ type_url: typeUrl(CommandStatementQuery), value: CommandStatementQuery.encode(CommandStatementQuery.create({ query: 'SELECT host, usage FROM cpu ORDER BY time' })).finish() })).finish();
      const descriptor = FlightDescriptor.encode(FlightDescriptor.create({ type: 2, cmd })).finish();
      const meta = { authorization: `Bearer ${reader}`, database: 'flightdb' };
      const info = await grpc('GetFlightInfo', descriptor, meta);
      expect(info.status, info.message).to.equal('0');
      const decoded = FlightInfo.decode(info.messages[0]!) as unknown as { schema: Uint8Array; endpoint: Array<{ ticket: { ticket: Uint8Array } }> };
      const schema = schemaOf(decoded.schema);
      expect(schema.fields.map((f) => `${f.name}:${f.type}`)).to.deep.equal(['host:Dictionary<Int32, Utf8>', 'usage:Float64']);
      const ticket = Ticket.encode(Ticket.create({ ticket: decoded.endpoint[0]!.ticket.ticket })).finish();
      const data = await grpc('DoGet', ticket, meta);
      expect(data.status, data.message).to.equal('0');
      const rows = readFlightData(data.messages).rows.map((r) => ({ host: r.host, usage: r.usage }));
      expect(rows).to.deep.equal([{ host: 'a', usage: 1.5 }, { host: 'b', usage: 2.5 }]);
      const noDb = await grpc('GetFlightInfo', descriptor, { authorization: `Bearer ${reader}` });
      expect(noDb.status).to.equal('3');
      expect(noDb.message).to.contain("missing database: Flight SQL requests name it in the 'database'");
      const denied = await grpc('GetFlightInfo', descriptor, { authorization: `Bearer ${reader}`, 'bucket-name': 'otherdb' });
      expect(denied.status).to.equal('7');
    } finally {
      session.destroy();
    }
  });

  it('answers the Flight SQL info and catalog requests of a BI client with the specification\'s schemas', async () => {
    const session = connect(host);
    const grpc = rawCall(session);
    const meta = { authorization: `Bearer ${reader}`, database: 'flightdb' };
    const ask = async (type: protobuf.Type, fields: Record<string, unknown>) => {
      const cmd = Any.encode(Any.create({ type_url: typeUrl(type), value: type.encode(type.create(fields)).finish() })).finish();
      const info = await grpc('GetFlightInfo', FlightDescriptor.encode(FlightDescriptor.create({ type: 2, cmd })).finish(), meta);
      expect(info.status, `${type.name}: ${info.message}`).to.equal('0');
      const decoded = FlightInfo.decode(info.messages[0]!) as unknown as { schema: Uint8Array; endpoint: Array<{ ticket: { ticket: Uint8Array } }> };
      const data = await grpc('DoGet', Ticket.encode(Ticket.create({ ticket: decoded.endpoint[0]!.ticket.ticket })).finish(), meta);
      expect(data.status, `${type.name}: ${data.message}`).to.equal('0');
      const result = readFlightData(data.messages);
      expect(fieldsOf(result.schema), type.name).to.deep.equal(fieldsOf(schemaOf(decoded.schema)));
      return { fields: fieldsOf(result.schema), rows: result.rows };
    };
    try {
      const info = await ask(CommandGetSqlInfo, {});
      expect(info.fields).to.deep.equal([
        'info_name:Uint32 not null',
        'value:Union<Utf8 | Bool | Int64 | Int32 | List<Utf8> | Map<{key:Int32, value:List<Int32>}>> not null',
      ]);
      const values = Object.fromEntries(info.rows.map((r) => [r.info_name, r.value]));
      expect(values).to.include({ 0: 'influxdb3-engine', 3: true, 4: true, 8: 0, 504: '"' });
      const some = await ask(CommandGetSqlInfo, { info: [4, 504, 9999] });
      expect(some.rows).to.deep.equal([{ info_name: 4, value: true }, { info_name: 504, value: '"' }]);

      const catalogs = await ask(CommandGetCatalogs, {});
      expect(catalogs.fields).to.deep.equal(['catalog_name:Utf8 not null']);
      expect(catalogs.rows).to.deep.equal([{ catalog_name: 'public' }]);

      const schemas = await ask(CommandGetDbSchemas, {});
      expect(schemas.fields).to.deep.equal(['catalog_name:Utf8', 'db_schema_name:Utf8 not null']);
      expect(schemas.rows.map((r) => r.db_schema_name)).to.include.members(['information_schema', 'iox']);
      expect((await ask(CommandGetDbSchemas, { db_schema_filter_pattern: 'i_x' })).rows).to.deep.equal([{ catalog_name: 'public', db_schema_name: 'iox' }]);

      const tables = await ask(CommandGetTables, { db_schema_filter_pattern: 'iox', table_name_filter_pattern: 'c%' });
      expect(tables.fields).to.deep.equal(['catalog_name:Utf8', 'db_schema_name:Utf8', 'table_name:Utf8 not null', 'table_type:Utf8 not null']);
      expect(tables.rows).to.deep.equal([{ catalog_name: 'public', db_schema_name: 'iox', table_name: 'cpu', table_type: 'BASE TABLE' }]);

      const withSchema = await ask(CommandGetTables, { table_name_filter_pattern: 'cpu', include_schema: true, table_types: ['BASE TABLE'] });
      expect(withSchema.fields).to.deep.equal(['catalog_name:Utf8', 'db_schema_name:Utf8', 'table_name:Utf8 not null', 'table_type:Utf8 not null', 'table_schema:Binary not null']);
      expect(withSchema.rows).to.have.length(1);
      const cpu = schemaOf(withSchema.rows[0]!.table_schema as Uint8Array);
      expect(cpu.fields.find((f) => f.name === 'host')?.type.toString()).to.equal('Dictionary<Int32, Utf8>');
      expect(cpu.fields.find((f) => f.name === 'time')?.type.toString()).to.equal('Timestamp<NANOSECOND>');

      const types = await ask(CommandGetTableTypes, {});
      expect(types.fields).to.deep.equal(['table_type:Utf8 not null']);
      expect(types.rows.map((r) => r.table_type)).to.include('BASE TABLE');

      const xdbc = await ask(CommandGetXdbcTypeInfo, {});
      expect(xdbc.fields).to.deep.equal([
        'type_name:Utf8 not null', 'data_type:Int32 not null', 'column_size:Int32', 'literal_prefix:Utf8', 'literal_suffix:Utf8',
        'create_params:List<Utf8>', 'nullable:Int32 not null', 'case_sensitive:Bool not null', 'searchable:Int32 not null',
        'unsigned_attribute:Bool', 'fixed_prec_scale:Bool not null', 'auto_increment:Bool', 'local_type_name:Utf8',
        'minimum_scale:Int32', 'maximum_scale:Int32', 'sql_data_type:Int32 not null', 'datetime_subcode:Int32',
        'num_prec_radix:Int32', 'interval_precision:Int32',
      ]);
      expect(xdbc.rows.map((r) => r.type_name)).to.deep.equal(['BIGINT', 'DOUBLE', 'VARCHAR', 'BOOLEAN', 'TIMESTAMP']);
      expect((await ask(CommandGetXdbcTypeInfo, { data_type: 12 })).rows.map((r) => r.type_name)).to.deep.equal(['VARCHAR']);

      const pk = await ask(CommandGetPrimaryKeys, { table: 'cpu' });
      expect(pk.fields).to.deep.equal(['catalog_name:Utf8', 'db_schema_name:Utf8', 'table_name:Utf8 not null', 'column_name:Utf8 not null', 'key_name:Utf8', 'key_sequence:Int32 not null']);
      expect(pk.rows).to.deep.equal([]);
      for (const keys of [CommandGetExportedKeys, CommandGetImportedKeys]) {
        const r = await ask(keys, { table: 'cpu' });
        expect(r.rows).to.deep.equal([]);
        expect(r.fields).to.have.length(13);
        expect(r.fields).to.include.members(['pk_table_name:Utf8 not null', 'key_sequence:Int32 not null', 'update_rule:Uint8 not null', 'delete_rule:Uint8 not null']);
      }
    } finally {
      session.destroy();
    }
  });

  it('runs a Flight SQL prepared statement: create (handle, schema), GetFlightInfo, DoGet, close', async () => {
    const session = connect(host);
    const grpc = rawCall(session);
    const grpcStream = rawStream(session);
    const meta = { authorization: `Bearer ${reader}`, 'iox-namespace-name': 'flightdb' };
    const action = (type: string, message: protobuf.Type, fields: Record<string, unknown>) =>
      Action.encode(Action.create({ type, body: Any.encode(Any.create({ type_url: typeUrl(message), value: message.encode(message.create(fields)).finish() })).finish() })).finish();
    try {
      const created = await grpc('DoAction', action('CreatePreparedStatement', ActionCreatePreparedStatementRequest, { query: "SELECT usage FROM cpu WHERE host = 'b'" }), meta);
      expect(created.status, created.message).to.equal('0');
      const body = (Result.decode(created.messages[0]!) as unknown as { body: Uint8Array }).body;
      const any = Any.decode(body) as unknown as { type_url: string; value: Uint8Array };
      expect(any.type_url).to.equal('type.googleapis.com/arrow.flight.protocol.sql.ActionCreatePreparedStatementResult');
      const result = ActionCreatePreparedStatementResult.decode(any.value) as unknown as { prepared_statement_handle: Uint8Array; dataset_schema: Uint8Array; parameter_schema: Uint8Array };
      expect(fieldsOf(schemaOf(result.dataset_schema))).to.deep.equal(['usage:Float64']);
      expect(fieldsOf(schemaOf(result.parameter_schema))).to.deep.equal([]);

      const cmd = Any.encode(Any.create({ type_url: typeUrl(CommandPreparedStatementQuery), value: CommandPreparedStatementQuery.encode(CommandPreparedStatementQuery.create({ prepared_statement_handle: result.prepared_statement_handle })).finish() })).finish();
      const info = await grpc('GetFlightInfo', FlightDescriptor.encode(FlightDescriptor.create({ type: 2, cmd })).finish(), meta);
      expect(info.status, info.message).to.equal('0');
      const ticket = (FlightInfo.decode(info.messages[0]!) as unknown as { endpoint: Array<{ ticket: { ticket: Uint8Array } }> }).endpoint[0]!.ticket.ticket;
      const data = await grpc('DoGet', Ticket.encode(Ticket.create({ ticket })).finish(), meta);
      expect(data.status, data.message).to.equal('0');
      expect(readFlightData(data.messages).rows).to.deep.equal([{ usage: 2.5 }]);

      // A parameter bound with DoPut: the answer's handle carries it.
      const withParam = await grpc('DoAction', action('CreatePreparedStatement', ActionCreatePreparedStatementRequest, { query: 'SELECT usage FROM cpu WHERE host = $1' }), meta);
      expect(withParam.status, withParam.message).to.equal('0');
      const prepared = ActionCreatePreparedStatementResult.decode((Any.decode((Result.decode(withParam.messages[0]!) as unknown as { body: Uint8Array }).body) as unknown as { value: Uint8Array }).value) as unknown as {
        prepared_statement_handle: Uint8Array;
        dataset_schema: Uint8Array;
        parameter_schema: Uint8Array;
      };
      expect(fieldsOf(schemaOf(prepared.dataset_schema))).to.deep.equal(['usage:Float64']);
      // The placeholder, named as written, typed by its use (compared with a tag: a string).
      expect(fieldsOf(schemaOf(prepared.parameter_schema))).to.deep.equal(['$1:Utf8']);
      const preparedCmd = Any.encode(Any.create({ type_url: typeUrl(CommandPreparedStatementQuery), value: CommandPreparedStatementQuery.encode(CommandPreparedStatementQuery.create({ prepared_statement_handle: prepared.prepared_statement_handle })).finish() })).finish();
      // Clients fill the parameter schema they were given: the column is named `$1`.
      const paramStream = tableToIPC(tableFromArrays({ $1: ['a'] }), 'stream');
      const flightData = splitIpcStream(paramStream).map((m, i) =>
        FlightData.encode(FlightData.create({ ...(i === 0 ? { flight_descriptor: { type: 2, cmd: preparedCmd } } : {}), data_header: m.header, data_body: m.body })).finish(),
      );
      const put = await grpcStream('DoPut', flightData, meta);
      expect(put.status, put.message).to.equal('0');
      const bound = (DoPutPreparedStatementResult.decode((PutResult.decode(put.messages[0]!) as unknown as { app_metadata: Uint8Array }).app_metadata) as unknown as { prepared_statement_handle: Uint8Array }).prepared_statement_handle;
      const boundCmd = Any.encode(Any.create({ type_url: typeUrl(CommandPreparedStatementQuery), value: CommandPreparedStatementQuery.encode(CommandPreparedStatementQuery.create({ prepared_statement_handle: bound })).finish() })).finish();
      const boundInfo = await grpc('GetFlightInfo', FlightDescriptor.encode(FlightDescriptor.create({ type: 2, cmd: boundCmd })).finish(), meta);
      expect(boundInfo.status, boundInfo.message).to.equal('0');
      const boundTicket = (FlightInfo.decode(boundInfo.messages[0]!) as unknown as { endpoint: Array<{ ticket: { ticket: Uint8Array } }> }).endpoint[0]!.ticket.ticket;
      const boundData = await grpc('DoGet', Ticket.encode(Ticket.create({ ticket: boundTicket })).finish(), meta);
      expect(boundData.status, boundData.message).to.equal('0');
      expect(readFlightData(boundData.messages).rows).to.deep.equal([{ usage: 1.5 }]);

      const closed = await grpc('DoAction', action('ClosePreparedStatement', ActionClosePreparedStatementRequest, { prepared_statement_handle: result.prepared_statement_handle }), meta);
      expect(closed.status, closed.message).to.equal('0');
      const unknown = await grpc('DoAction', Action.encode(Action.create({ type: 'BeginTransaction' })).finish(), meta);
      expect(unknown.status).to.equal('12');
    } finally {
      session.destroy();
    }
  });

  it('refuses a wrong token (UNAUTHENTICATED)', async () => {
    const err = await failure(client('not-a-token').query('SELECT 1'));
    expect(err.code).to.equal('UNAUTHENTICATED');
    expect(err.message).to.contain('invalid token');
  });

  it('answers NOT_FOUND for an unknown database', async () => {
    const err = await failure(client(admin, 'nosuchdb').query('SELECT 1'));
    expect(err.code).to.equal('NOT_FOUND');
    expect(err.message).to.contain('database not found: nosuchdb');
  });

  it('answers a SQL or InfluxQL error with INVALID_ARGUMENT and the message the HTTP API gives', async () => {
    for (const [language, sql] of [
      ['sql', 'SELECT nosuchcolumn FROM cpu'],
      ['influxql', 'SELECT usage FROM cpu WHERE'],
    ] as const) {
      const path = language === 'sql' ? 'query_sql' : 'query_influxql';
      const res = await fetch(`${httpUrl}/api/v3/${path}?${new URLSearchParams({ db: 'flightdb', q: sql })}`);
      expect(res.status, language).to.equal(400);
      const httpMessage = ((await res.json()) as { error: string }).error;
      const err = await failure(client(admin).query(sql, 'flightdb', { type: language }));
      expect(err.code, language).to.equal('INVALID_ARGUMENT');
      expect(err.message, language).to.equal(httpMessage);
    }
  });

  it('counts the calls by method and status in influxdb3_flight_requests_total', async () => {
    await collect(client(admin).query('SELECT 1'));
    await failure(client('not-a-token').query('SELECT 1'));
    const text = await registry.getSingleMetricAsString('influxdb3_flight_requests_total');
    expect(text).to.match(/influxdb3_flight_requests_total\{method="DoGet",code="0"\} [1-9]/);
    expect(text).to.match(/influxdb3_flight_requests_total\{method="DoGet",code="16"\} [1-9]/);
  });
});
