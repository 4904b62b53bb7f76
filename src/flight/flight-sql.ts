import type { GrpcCall } from './grpc-call.js';
import { GrpcCode, GrpcError, invalidArgument } from './grpc-status.js';
import {
  Action,
  ActionClosePreparedStatementRequest,
  ActionCreatePreparedStatementRequest,
  ActionCreatePreparedStatementResult,
  Any,
  CommandGetSqlInfo,
  CommandPreparedStatementQuery,
  CommandStatementQuery,
  FlightDescriptor,
  FlightInfo,
  Result,
  TicketStatementQuery,
  typeUrl,
} from './proto/messages.js';
import type { QueryTicket } from './tickets.js';
import { ArrowEncoder } from './arrow-encoding.js';
import { metadataCommand } from './flight-sql-metadata.js';
import { sqlInfoSchemaBytes } from './flight-sql-info.js';

// Flight SQL names the database in request metadata, as upstream reads it.
const DATABASE_HEADERS = ['database', 'bucket', 'bucket-name', 'iox-namespace-name'];

const STATEMENT_QUERY = typeUrl(CommandStatementQuery);
const TICKET_STATEMENT = typeUrl(TicketStatementQuery);
const PREPARED_QUERY = typeUrl(CommandPreparedStatementQuery);
const SQL_INFO = typeUrl(CommandGetSqlInfo);

function sqlInfoIds(value: Uint8Array): number[] {
  return ((CommandGetSqlInfo.decode(value) as unknown as { info?: number[] }).info ?? []).map(Number);
}

// The FlightInfo of CommandGetSqlInfo: the specification's schema, and the command itself as the ticket.
export function sqlInfoFlightInfo(descriptor: Uint8Array, command: FlightSqlCommand & { kind: 'sql-info' }): Uint8Array {
  return FlightInfo.encode(
    FlightInfo.create({ schema: sqlInfoSchemaBytes(), flight_descriptor: FlightDescriptor.decode(descriptor), endpoint: [{ ticket: { ticket: command.any } }], total_records: -1, total_bytes: -1 }),
  ).finish();
}

export function databaseFromMetadata(call: GrpcCall): string {
  for (const name of DATABASE_HEADERS) {
    const v = call.metadata(name);
    if (v !== undefined && v !== '') return v;
  }
  throw invalidArgument(`missing database: Flight SQL requests name it in the ${DATABASE_HEADERS.map((h) => `'${h}'`).join(', ')} metadata`);
}

function decodeAny(bytes: Uint8Array): { type_url: string; value: Uint8Array } | null {
  try {
    const any = Any.decode(bytes) as unknown as { type_url?: string; value?: Uint8Array };
    return any.type_url ? { type_url: any.type_url, value: any.value ?? new Uint8Array() } : null;
  } catch {
    return null;
  }
}

export type FlightSqlCommand =
  | { kind: 'statement'; query: string }
  | { kind: 'sql-info'; info: number[]; any: Uint8Array }
  | { kind: 'metadata'; command: NonNullable<ReturnType<typeof metadataCommand>>; any: Uint8Array };

// The Flight SQL command of a GetFlightInfo descriptor: a statement query or a catalog metadata request.
export function commandOfDescriptor(bytes: Uint8Array): FlightSqlCommand {
  const descriptor = FlightDescriptor.toObject(FlightDescriptor.decode(bytes), { defaults: true }) as { type: number; cmd: Uint8Array };
  if (descriptor.type !== 2) throw invalidArgument('GetFlightInfo needs a CMD descriptor holding a Flight SQL command');
  const any = decodeAny(descriptor.cmd);
  if (any === null) throw invalidArgument('GetFlightInfo: the descriptor command is not a google.protobuf.Any');
  const metadata = metadataCommand(any.type_url, any.value);
  if (metadata) return { kind: 'metadata', command: metadata, any: descriptor.cmd };
  if (any.type_url === SQL_INFO) return { kind: 'sql-info', info: sqlInfoIds(any.value), any: descriptor.cmd };
  if (any.type_url === PREPARED_QUERY) {
    const { prepared_statement_handle } = CommandPreparedStatementQuery.decode(any.value) as unknown as { prepared_statement_handle: Uint8Array };
    return { kind: 'statement', query: queryOfHandle(prepared_statement_handle) };
  }
  if (any.type_url !== STATEMENT_QUERY) throw new GrpcError(GrpcCode.UNIMPLEMENTED, `Flight SQL command ${any.type_url} is not implemented`);
  const { query } = CommandStatementQuery.decode(any.value) as unknown as { query: string };
  if (!query) throw invalidArgument('CommandStatementQuery: empty query');
  return { kind: 'statement', query };
}

// The FlightInfo of a metadata request: the specification's schema, and the command itself as the ticket.
export function metadataFlightInfo(descriptor: Uint8Array, command: FlightSqlCommand & { kind: 'metadata' }): Uint8Array {
  const schema = new ArrowEncoder(command.command.command.columns(command.command.cmd), false).encapsulatedSchema();
  return FlightInfo.encode(
    FlightInfo.create({ schema, flight_descriptor: FlightDescriptor.decode(descriptor), endpoint: [{ ticket: { ticket: command.any } }], total_records: -1, total_bytes: -1 }),
  ).finish();
}

// The FlightInfo of a statement: its schema and one endpoint whose ticket carries the statement itself (stateless,
// as upstream: the handle is the encoded CommandStatementQuery).
export function statementFlightInfo(descriptor: Uint8Array, query: string, schema: Uint8Array): Uint8Array {
  const handle = handleOf(query);
  const ticket = Any.encode(Any.create({ type_url: TICKET_STATEMENT, value: TicketStatementQuery.encode(TicketStatementQuery.create({ statement_handle: handle })).finish() })).finish();
  return FlightInfo.encode(
    FlightInfo.create({
      schema,
      flight_descriptor: FlightDescriptor.decode(descriptor),
      endpoint: [{ ticket: { ticket } }],
      total_records: -1,
      total_bytes: -1,
    }),
  ).finish();
}

// A DoGet ticket from a Flight SQL GetFlightInfo, or null when the ticket is one of InfluxDB's own.
export function flightSqlTicket(
  bytes: Uint8Array,
  call: GrpcCall,
):
  | { kind: 'query'; ticket: QueryTicket }
  | { kind: 'metadata'; command: NonNullable<ReturnType<typeof metadataCommand>>; database: string }
  | { kind: 'sql-info'; info: number[] }
  | null {
  const any = decodeAny(bytes);
  if (any === null) return null;
  if (any.type_url === SQL_INFO) return { kind: 'sql-info', info: sqlInfoIds(any.value) };
  const metadata = metadataCommand(any.type_url, any.value);
  if (metadata) return { kind: 'metadata', command: metadata, database: databaseFromMetadata(call) };
  if (any.type_url !== TICKET_STATEMENT) return null;
  const { statement_handle } = TicketStatementQuery.decode(any.value) as unknown as { statement_handle: Uint8Array };
  const query = queryOfHandle(statement_handle);
  return { kind: 'query', ticket: { database: databaseFromMetadata(call), query, language: 'sql' } };
}

// Statement and prepared-statement handles are the encoded CommandStatementQuery (nothing is kept on the server).
function handleOf(query: string): Uint8Array {
  return CommandStatementQuery.encode(CommandStatementQuery.create({ query })).finish();
}

function queryOfHandle(handle: Uint8Array | undefined): string {
  let query = '';
  try {
    query = (CommandStatementQuery.decode(handle ?? new Uint8Array()) as unknown as { query: string }).query;
  } catch {
    // reported below
  }
  if (!query) throw invalidArgument('invalid statement handle: it holds no query');
  return query;
}

export type PreparedAction = { kind: 'create'; query: string } | { kind: 'close' };

// A DoAction request: the Flight SQL prepared-statement actions; anything else is UNIMPLEMENTED.
export function preparedAction(bytes: Uint8Array): PreparedAction {
  const action = Action.decode(bytes) as unknown as { type: string; body: Uint8Array };
  const any = decodeAny(action.body ?? new Uint8Array());
  if (action.type === 'CreatePreparedStatement') {
    if (any === null || any.type_url !== typeUrl(ActionCreatePreparedStatementRequest)) throw invalidArgument('CreatePreparedStatement: the body is not an ActionCreatePreparedStatementRequest');
    const { query } = ActionCreatePreparedStatementRequest.decode(any.value) as unknown as { query: string };
    if (!query) throw invalidArgument('CreatePreparedStatement: empty query');
    return { kind: 'create', query };
  }
  if (action.type === 'ClosePreparedStatement') {
    if (any === null || any.type_url !== typeUrl(ActionClosePreparedStatementRequest)) throw invalidArgument('ClosePreparedStatement: the body is not an ActionClosePreparedStatementRequest');
    return { kind: 'close' };
  }
  throw new GrpcError(GrpcCode.UNIMPLEMENTED, `action '${action.type}' is not implemented`);
}

// The Result of CreatePreparedStatement: the handle, the result schema and an empty parameter schema.
export function preparedStatementResult(query: string, datasetSchema: Uint8Array): Uint8Array {
  const result = ActionCreatePreparedStatementResult.encode(
    ActionCreatePreparedStatementResult.create({ prepared_statement_handle: handleOf(query), dataset_schema: datasetSchema, parameter_schema: new ArrowEncoder([]).encapsulatedSchema() }),
  ).finish();
  const body = Any.encode(Any.create({ type_url: typeUrl(ActionCreatePreparedStatementResult), value: result })).finish();
  return Result.encode(Result.create({ body })).finish();
}
