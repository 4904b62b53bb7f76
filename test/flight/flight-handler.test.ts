import { expect } from 'chai';
import { connect, constants, createServer, type ClientHttp2Session, type ClientHttp2Stream, type Http2Server, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { RecordBatchReader } from 'apache-arrow';
import { TokenStore } from '../../src/auth/token-store.js';
import { createFlightHandler } from '../../src/flight/index.js';
import { decodeGrpcMessage, frameMessage, MessageDecoder } from '../../src/flight/grpc-framing.js';
import { Any, CommandPreparedStatementQuery, FlightData, HandshakeRequest, HandshakeResponse, ReadInfo, Ticket, typeUrl } from '../../src/flight/proto/messages.js';
import { createLogger } from '../../src/shared/logger.js';
import type { StorageEngine } from '../../src/storage/storage-engine.js';
import type { RowSource } from '../../src/storage/query/query-engine.js';
import { QueryLog } from '../../src/storage/query/query-log.js';
import type { TokenList } from '../../src/storage/catalog/catalog-resources.js';
import { pollFor, pollUntil } from '../helpers/poll.js';
import { ipcStreamOf } from '../helpers/flight-data.js';

interface Reply {
  headers: IncomingHttpHeaders;
  trailers: IncomingHttpHeaders;
  messages: Buffer[];
}

// A storage whose SQL result never ends: each next() gives `rows` more rows (the handler must stop pulling).
class EndlessStorage {
  readonly queryLog = new QueryLog(100);
  nextCalls = 0;
  settled: 'pending' | 'resolved' | 'rejected' = 'pending';
  queryRows<T>(_db: string, _sql: string, _params: unknown, consume: (s: RowSource) => Promise<T>): Promise<T> {
    const source: RowSource = {
      columns: [
        { name: 'host', type: 'Dictionary(Int32, Utf8)' },
        { name: 'time', type: 'Timestamp(Nanosecond, None)' },
        { name: 'v', type: 'Float64' },
      ],
      next: async () => {
        this.nextCalls++;
        return Array.from({ length: 1000 }, (_, i) => ['a', BigInt(i), i / 2]);
      },
    };
    return consume(source).then(
      (v) => ((this.settled = 'resolved'), v),
      (err: unknown) => {
        this.settled = 'rejected';
        throw err;
      },
    );
  }
}

describe('flight/flight-handler (gRPC on a raw HTTP/2 connection)', () => {
  let server: Http2Server;
  let session: ClientHttp2Session;
  let storage: EndlessStorage;
  let token: string;

  before(async () => {
    const logger = createLogger('silent');
    let saved: TokenList = { nextId: 1, tokens: [] };
    const tokens = new TokenStore({ catalog: { tokens: () => saved, setTokens: (l) => (saved = l) }, logger });
    tokens.load();
    token = tokens.createOperatorToken().token;
    storage = new EndlessStorage();
    server = createServer();
    server.on('stream', createFlightHandler({ storage: storage as unknown as StorageEngine, tokens, withoutAuth: false, logger, batchRows: 1000, maxMessageBytes: 64 * 1024 }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    session = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  after(async () => {
    session.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => {
    storage.nextCalls = 0;
    storage.settled = 'pending';
  });

  const open = (method: string, headers: Record<string, string> = {}): ClientHttp2Stream =>
    session.request({ ':method': 'POST', ':path': `/arrow.flight.protocol.FlightService/${method}`, 'content-type': 'application/grpc', te: 'trailers', ...headers });

  const call = (method: string, body: Uint8Array[], headers: Record<string, string> = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = open(method, headers);
      const reply: Reply = { headers: {}, trailers: {}, messages: [] };
      const decoder = new MessageDecoder(1 << 30);
      req.on('response', (h) => {
        reply.headers = h;
        if (h['grpc-status'] !== undefined) reply.trailers = h;
      });
      req.on('trailers', (t) => (reply.trailers = t));
      req.on('data', (chunk: Buffer) => reply.messages.push(...decoder.push(chunk)));
      req.on('end', () => resolve(reply));
      req.on('error', reject);
      for (const m of body) req.write(frameMessage(m));
      req.end();
    });

  const bearer = (): Record<string, string> => ({ authorization: `Bearer ${token}` });
  const ticket = (sql: string): Uint8Array => Ticket.encode(Ticket.create({ ticket: ReadInfo.encode(ReadInfo.create({ namespace_name: 'db', sql_query: sql, query_type: 1 })).finish() })).finish();

  it('answers unknown and unimplemented methods UNIMPLEMENTED, trailers-only', async () => {
    for (const method of ['ListFlights', 'DoExchange', 'ListActions', 'GetSchema', 'NoSuchMethod']) {
      const r = await call(method, [new Uint8Array(0)], bearer());
      expect(r.headers[':status']).to.equal(200);
      expect(r.headers['content-type']).to.equal('application/grpc');
      expect(r.headers['grpc-status'], method).to.equal('12');
      expect(decodeGrpcMessage(String(r.headers['grpc-message']))).to.equal(`FlightService/${method} is not implemented`);
      expect(r.messages).to.have.length(0);
    }
  });

  it('refuses a DoPut whose parameter data is over the request size limit (RESOURCE_EXHAUSTED), reading no further', async () => {
    const handle = Buffer.from(JSON.stringify({ query: 'SELECT $1' }));
    const cmd = Any.encode(Any.create({ type_url: typeUrl(CommandPreparedStatementQuery), value: CommandPreparedStatementQuery.encode(CommandPreparedStatementQuery.create({ prepared_statement_handle: handle })).finish() })).finish();
    const first = FlightData.encode(FlightData.create({ flight_descriptor: { type: 2, cmd } })).finish();
    const chunk = FlightData.encode(FlightData.create({ data_body: new Uint8Array(30 * 1024) })).finish();
    const r = await call('DoPut', [first, chunk, chunk, chunk], bearer());
    expect(r.trailers['grpc-status'] ?? r.headers['grpc-status']).to.equal('8');
    expect(decodeGrpcMessage(String(r.trailers['grpc-message'] ?? r.headers['grpc-message']))).to.equal(
      'DoPut: the parameter data is over 65536 bytes (--max-http-request-size); send one row of parameters',
    );
  });

  it('answers DoPut UNIMPLEMENTED unless it binds parameters to a prepared statement', async () => {
    const r = await call('DoPut', [FlightData.encode(FlightData.create({})).finish()], bearer());
    expect(r.headers['grpc-status']).to.equal('12');
    expect(decodeGrpcMessage(String(r.headers['grpc-message']))).to.contain('DoPut is implemented only to bind parameters to a prepared statement');
  });

  it('refuses DoGet without a token (UNAUTHENTICATED) and never runs the query', async () => {
    const r = await call('DoGet', [ticket('SELECT 1')]);
    expect(r.trailers['grpc-status']).to.equal('16');
    expect(decodeGrpcMessage(String(r.trailers['grpc-message']))).to.equal('the request was not authenticated: missing token (send authorization: Bearer <token> metadata)');
    expect(storage.nextCalls).to.equal(0);
  });

  it('answers a bad ticket INVALID_ARGUMENT', async () => {
    const r = await call('DoGet', [Ticket.encode(Ticket.create({ ticket: Buffer.from('{"database": "db"}') })).finish()], bearer());
    expect(r.trailers['grpc-status']).to.equal('3');
    expect(decodeGrpcMessage(String(r.trailers['grpc-message']))).to.contain('missing "sql_query"');
  });

  it('echoes the handshake and turns basic auth into a bearer token', async () => {
    const payload = Buffer.from('hello');
    const basic = `Basic ${Buffer.from(`user:${token}`).toString('base64')}`;
    const r = await call('Handshake', [HandshakeRequest.encode(HandshakeRequest.create({ protocol_version: 1, payload })).finish()], { authorization: basic });
    expect(r.trailers['grpc-status']).to.equal('0');
    expect(r.headers.authorization).to.equal(`Bearer ${token}`);
    const response = HandshakeResponse.decode(r.messages[0]!) as unknown as { protocol_version: number; payload: Uint8Array };
    expect(Number(response.protocol_version)).to.equal(1);
    expect(Buffer.from(response.payload).toString()).to.equal('hello');
    const bad = await call('Handshake', [HandshakeRequest.encode(HandshakeRequest.create({})).finish()], { authorization: 'Bearer wrong' });
    expect(bad.headers['grpc-status']).to.equal('16');
  });

  it('needs no token on a server started --without-auth', async () => {
    const open = createServer();
    const logger = createLogger('silent');
    const tokens = new TokenStore({ catalog: { tokens: () => ({ nextId: 1, tokens: [] }), setTokens: () => undefined }, logger });
    open.on('stream', createFlightHandler({ storage: storage as unknown as StorageEngine, tokens, withoutAuth: true, logger }));
    await new Promise<void>((r) => open.listen(0, '127.0.0.1', r));
    const other = connect(`http://127.0.0.1:${(open.address() as AddressInfo).port}`);
    try {
      const status = await new Promise<string>((resolve, reject) => {
        const req = other.request({ ':method': 'POST', ':path': '/arrow.flight.protocol.FlightService/DoGet', 'content-type': 'application/grpc', 'grpc-timeout': '100m' });
        req.on('trailers', (t) => resolve(String(t['grpc-status'])));
        req.on('error', reject);
        req.resume();
        req.end(frameMessage(ticket('SELECT *')));
      });
      // Rows flowed until the deadline: the call was allowed.
      expect(status).to.equal('4');
      expect(storage.nextCalls).to.be.greaterThan(0);
    } finally {
      other.destroy();
      await new Promise<void>((r) => open.close(() => r()));
    }
  });

  it('ends DoGet at its deadline with DEADLINE_EXCEEDED and stops the query', async () => {
    const r = await call('DoGet', [ticket('SELECT *')], { ...bearer(), 'grpc-timeout': '200m' });
    expect(r.trailers['grpc-status']).to.equal('4');
    expect(r.messages.length).to.be.greaterThan(1);
    // The first message is the schema, readable by apache-arrow.
    const first = FlightData.decode(r.messages[0]!) as unknown as { data_header: Uint8Array };
    expect(first.data_header.length).to.be.greaterThan(0);
    expect(await pollFor(() => storage.settled, (s) => s !== 'pending')).to.equal('rejected');
  });

  it('waits for the client to read (HTTP/2 flow control) and stops the query when the client cancels', async () => {
    const req = open('DoGet', bearer());
    req.write(frameMessage(ticket('SELECT *')));
    req.end();
    const decoder = new MessageDecoder(1 << 30);
    const datas: Buffer[] = [];
    // Paused as soon as the first record batch is in: from then on only flow control lets the server write.
    req.on('data', (chunk: Buffer) => {
      datas.push(...decoder.push(chunk));
      if (datas.length >= 3) req.pause();
    });
    await pollUntil(() => datas.length >= 3, 'the first record batch');
    // Paused, the client stops granting window: the server's writes stop draining and it stops pulling rows.
    let previous = -1;
    const stable = await pollFor(
      () => {
        const same = storage.nextCalls === previous;
        previous = storage.nextCalls;
        return same;
      },
      Boolean,
      { intervalMs: 200 },
    );
    expect(stable).to.equal(true);
    // Each batch is ~20 kB; an unbounded producer would be far past this after the pauses above.
    expect(storage.nextCalls).to.be.lessThan(100);
    const batches = await readArrow(datas.slice(0, 3));
    expect(batches).to.equal(1000);
    req.close(constants.NGHTTP2_CANCEL);
    expect(await pollFor(() => storage.settled, (s) => s !== 'pending')).to.equal('rejected');
    // The query log has it as cancelled, with the rows sent before.
    const entry = storage.queryLog.entries().at(-1)!;
    expect(entry).to.include({ type: 'sql', text: 'SELECT *', phase: 'cancel', error: 'the client cancelled the call' });
    expect(entry.rows).to.be.at.least(1000);
  });
});

// Rows in the complete record batches among the first FlightData messages, read with apache-arrow.
async function readArrow(messages: Buffer[]): Promise<number> {
  let rows = 0;
  for (const batch of RecordBatchReader.from(ipcStreamOf(messages))) rows += batch.numRows;
  return rows;
}
