import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { tokenFromAuthorization } from '../auth/authorization-header.js';
import { unauthenticated } from '../auth/errors.js';
import type { TokenStore } from '../auth/token-store.js';
import type { Logger } from '../shared/logger.js';
import type { StorageEngine } from '../storage/storage-engine.js';
import type { Registry } from 'prom-client';
import { FlightMetrics } from './flight-metrics.js';
import { FlightQueries } from './flight-queries.js';
import type { IpcMessage } from './arrow-encoding.js';
import { GrpcCall } from './grpc-call.js';
import { GrpcCode, GrpcError, statusOf, unimplemented } from './grpc-status.js';
import { FlightData, HandshakeRequest, HandshakeResponse, Ticket } from './proto/messages.js';
import { parseTicket } from './tickets.js';
import {
  commandOfDescriptor,
  databaseFromMetadata,
  flightSqlTicket,
  metadataFlightInfo,
  paramsOfPut,
  preparedAction,
  preparedHandleOfPut,
  preparedStatementResult,
  putResultFor,
  sqlInfoFlightInfo,
  statementFlightInfo,
} from './flight-sql.js';
import { sqlInfoMessages, sqlInfoValues } from './flight-sql-info.js';
import { packageVersion } from '../shared/version.js';
import type { ApiToken } from '../storage/catalog/catalog-resources.js';

export interface FlightDeps {
  storage: StorageEngine;
  tokens: TokenStore;
  // --without-auth: every call is allowed, as over HTTP.
  withoutAuth: boolean;
  logger: Logger;
  // The largest request message accepted (a ticket is small; --max-http-request-size is a good bound).
  maxMessageBytes?: number;
  // Rows per record batch.
  batchRows?: number;
  // Where influxdb3_flight_requests_total is registered (the server's /metrics registry).
  registry?: Registry;
}

const SERVICE = '/arrow.flight.protocol.FlightService/';
const DEFAULT_MAX_MESSAGE = 4 * 1024 * 1024;

// Who is calling: the token, or null on a server without auth.
export type Caller = ApiToken | null;

type Method = (call: GrpcCall) => Promise<void>;

// The gRPC edge's entry point: the shared listener hands it every HTTP/2 request whose content-type is
// application/grpc*. It serves arrow.flight.protocol.FlightService: DoGet with InfluxDB's tickets, Handshake, and
// the Flight SQL calls (GetFlightInfo, DoGet, DoAction, DoPut); anything else answers UNIMPLEMENTED.
export function createFlightHandler(deps: FlightDeps): (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void {
  const log = deps.logger.child({ component: 'flight' });
  const sqlInfo = sqlInfoValues(packageVersion());
  const metrics = deps.registry ? new FlightMetrics(deps.registry) : null;
  const queries = new FlightQueries({ storage: deps.storage, batchRows: deps.batchRows ?? 65_536 });
  const maxMessageBytes = deps.maxMessageBytes ?? DEFAULT_MAX_MESSAGE;

  const authenticate = (call: GrpcCall): Caller => {
    if (deps.withoutAuth) return null;
    const header = call.metadata('authorization');
    if (header === undefined || header === '') throw unauthenticated('missing token (send authorization: Bearer <token> metadata)');
    return deps.tokens.authenticate(tokenFromAuthorization(header));
  };

  const methods: Record<string, Method> = {
    DoGet: async (call) => {
      const caller = authenticate(call);
      const send = async (message: IpcMessage): Promise<void> => {
        await call.write(FlightData.encode(FlightData.create({ data_header: message.header, data_body: message.body })).finish());
      };
      const request = Ticket.decode(await call.readOne('Ticket')) as unknown as { ticket: Uint8Array };
      const bytes = request.ticket ?? new Uint8Array();
      const sql = flightSqlTicket(bytes, call);
      if (sql?.kind === 'sql-info') {
        for (const message of sqlInfoMessages(sqlInfo, sql.info)) await send(message);
        return;
      }
      if (sql?.kind === 'metadata') {
        const { command, cmd } = sql.command;
        queries.checkRead(caller, sql.database);
        const rows = await command.rows(cmd, (text) => queries.rowsOf(caller, sql.database, text));
        await queries.sendRows(command.columns(cmd), rows, send);
        return;
      }
      const ticket = sql?.ticket ?? parseTicket(bytes);
      log.debug({ database: ticket.database, language: ticket.language }, 'flight query');
      await queries.run(caller, ticket, send, call.signal, sql !== null);
    },
    // Flight SQL: a statement query's schema and the ticket that runs it.
    GetFlightInfo: async (call) => {
      const caller = authenticate(call);
      const descriptor = await call.readOne('FlightDescriptor');
      const command = commandOfDescriptor(descriptor);
      if (command.kind === 'sql-info') {
        await call.write(sqlInfoFlightInfo(descriptor, command));
        return;
      }
      const database = databaseFromMetadata(call);
      if (command.kind === 'metadata') {
        queries.checkRead(caller, database);
        await call.write(metadataFlightInfo(descriptor, command));
        return;
      }
      const schema = await queries.sqlSchema(caller, database, command.statement.query, command.statement.params);
      await call.write(statementFlightInfo(descriptor, command.statement, schema));
    },
    // Flight SQL prepared statements: the handle carries the query (and, after a DoPut, its parameters).
    DoAction: async (call) => {
      const caller = authenticate(call);
      const action = preparedAction(await call.readOne('Action'));
      if (action.kind === 'close') return;
      const database = databaseFromMetadata(call);
      const schema = await queries.sqlSchema(caller, database, action.query);
      await call.write(preparedStatementResult(action.query, schema, await queries.parameterSchema(caller, database, action.query)));
    },
    // Flight SQL parameter binding: the answer is a new prepared-statement handle carrying the parameters.
    DoPut: async (call) => {
      authenticate(call);
      const first = await call.readOne('FlightData');
      const statement = preparedHandleOfPut(first);
      const messages: Uint8Array[] = [first];
      // Parameters are one row: the whole upload is held to the size of one request (--max-http-request-size).
      let total = first.length;
      for (let m = await call.read(); m !== null; m = await call.read()) {
        total += m.length;
        if (total > maxMessageBytes) {
          throw new GrpcError(GrpcCode.RESOURCE_EXHAUSTED, `DoPut: the parameter data is over ${maxMessageBytes} bytes (--max-http-request-size); send one row of parameters`);
        }
        messages.push(m);
      }
      await call.write(putResultFor({ query: statement.query, params: paramsOfPut(messages) }));
    },
    // Upstream echoes the handshake; a client that authenticates with basic auth (Flight SQL JDBC) gets its token
    // back as a bearer token in the response headers.
    Handshake: async (call) => {
      const header = call.metadata('authorization');
      let bearer: string | undefined;
      if (!deps.withoutAuth && header !== undefined && header !== '') {
        const token = tokenFromAuthorization(header);
        deps.tokens.authenticate(token);
        bearer = token;
      }
      const first = await call.read();
      const request = first === null ? { protocol_version: 0, payload: new Uint8Array() } : (HandshakeRequest.decode(first) as unknown as { protocol_version: number; payload: Uint8Array });
      call.sendHeaders(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` });
      await call.write(HandshakeResponse.encode(HandshakeResponse.create({ protocol_version: request.protocol_version, payload: request.payload })).finish());
    },
  };

  return (stream, headers) => {
    const path = String(headers[':path'] ?? '');
    const call = new GrpcCall(stream, headers, maxMessageBytes);
    const name = path.startsWith(SERVICE) ? path.slice(SERVICE.length) : null;
    const method = name === null ? undefined : methods[name];
    const run = method ?? (async (): Promise<void> => {
      throw unimplemented(name === null ? `gRPC method ${path}` : `FlightService/${name}`);
    });
    const metricName = method ? name! : 'unknown';
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    run(call).then(
      () => {
        metrics?.call(metricName, GrpcCode.OK, seconds());
        call.finish(GrpcCode.OK);
      },
      (err: unknown) => {
        if (call.signal.aborted && call.closed) {
          const reason = call.signal.reason as { code?: number } | undefined;
          metrics?.call(metricName, reason?.code ?? GrpcCode.CANCELLED, seconds());
          log.info({ path }, 'flight call cancelled by the client or its deadline');
          return;
        }
        const status = statusOf(err);
        metrics?.call(metricName, status.code, seconds());
        if (status.internal) log.error({ err, path }, 'flight call failed');
        else log.debug({ path, code: status.code, reason: status.message }, 'flight call rejected');
        call.finish(status.code, status.message);
      },
    );
  };
}
