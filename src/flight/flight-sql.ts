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
  DoPutPreparedStatementResult,
  FlightData,
  PutResult,
  CommandStatementQuery,
  FlightDescriptor,
  FlightInfo,
  Result,
  TicketStatementQuery,
  typeUrl,
} from './proto/messages.js';
import type { QueryTicket, TicketParams } from './tickets.js';
import { RecordBatchReader } from 'apache-arrow';
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
  | { kind: 'statement'; statement: Statement }
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
    return { kind: 'statement', statement: statementOfHandle(prepared_statement_handle) };
  }
  if (any.type_url !== STATEMENT_QUERY) throw new GrpcError(GrpcCode.UNIMPLEMENTED, `Flight SQL command ${any.type_url} is not implemented`);
  const { query } = CommandStatementQuery.decode(any.value) as unknown as { query: string };
  if (!query) throw invalidArgument('CommandStatementQuery: empty query');
  return { kind: 'statement', statement: { query } };
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
export function statementFlightInfo(descriptor: Uint8Array, statement: Statement, schema: Uint8Array): Uint8Array {
  const handle = handleOf(statement);
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
  const { query, params } = statementOfHandle(statement_handle);
  return { kind: 'query', ticket: { database: databaseFromMetadata(call), query, language: 'sql', params } };
}

// A statement to run: the SQL and the parameters a DoPut bound to a prepared statement.
export interface Statement {
  query: string;
  params?: TicketParams;
}

// Statement and prepared-statement handles carry the statement itself as JSON: nothing is kept on the server.
function handleOf(statement: Statement): Uint8Array {
  return Buffer.from(JSON.stringify(statement));
}

function statementOfHandle(handle: Uint8Array | undefined): Statement {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(handle ?? new Uint8Array()).toString('utf8'));
  } catch {
    // reported below
  }
  const st = doc as Statement | undefined;
  if (typeof st !== 'object' || st === null || typeof st.query !== 'string' || st.query === '') throw invalidArgument('invalid statement handle: it holds no query');
  return { query: st.query, params: st.params };
}

// A DoPut binding parameters to a prepared statement: its handle, from the first message's descriptor.
export function preparedHandleOfPut(first: Uint8Array): Statement {
  const data = FlightData.decode(first) as unknown as { flight_descriptor?: { type: number; cmd: Uint8Array } };
  const cmd = data.flight_descriptor?.cmd;
  const any = cmd ? decodeAny(cmd) : null;
  if (any === null || any.type_url !== PREPARED_QUERY) {
    throw new GrpcError(GrpcCode.UNIMPLEMENTED, `DoPut is implemented only to bind parameters to a prepared statement (CommandPreparedStatementQuery)${any ? `, not ${any.type_url}` : ''}`);
  }
  const { prepared_statement_handle } = CommandPreparedStatementQuery.decode(any.value) as unknown as { prepared_statement_handle: Uint8Array };
  return statementOfHandle(prepared_statement_handle);
}

// The parameters of a DoPut's Arrow stream: its first row, each column by its name and by its position (`$1`, `?`).
export function paramsOfPut(messages: Uint8Array[]): TicketParams {
  const parts: Uint8Array[] = [];
  for (const m of messages) {
    const d = FlightData.decode(m) as unknown as { data_header: Uint8Array; data_body: Uint8Array };
    if (!d.data_header || d.data_header.length === 0) continue;
    const prefix = Buffer.alloc(8);
    prefix.writeInt32LE(-1, 0);
    prefix.writeInt32LE(d.data_header.length, 4);
    parts.push(prefix, Buffer.from(d.data_header), Buffer.from(d.data_body ?? []));
  }
  const params: TicketParams = {};
  if (parts.length === 0) return params;
  let reader: RecordBatchReader;
  try {
    reader = RecordBatchReader.from(Buffer.concat(parts)).open() as RecordBatchReader;
  } catch (err) {
    throw invalidArgument(`invalid parameter data: ${err instanceof Error ? err.message : String(err)}`);
  }
  for (const batch of reader) {
    if (batch.numRows === 0) continue;
    batch.schema.fields.forEach((f, i) => {
      const value = paramValue(batch.getChildAt(i)?.get(0));
      // The parameter schema names placeholders as written (`$host`, `$1`); binding looks them up without the `$`.
      params[f.name.startsWith('$') ? f.name.slice(1) : f.name] = value;
      params[String(i + 1)] = value;
    });
    break;
  }
  return params;
}

function paramValue(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  return String(v);
}

// The PutResult answering a parameter DoPut: the new handle, which carries the parameters.
export function putResultFor(statement: Statement): Uint8Array {
  const app_metadata = DoPutPreparedStatementResult.encode(DoPutPreparedStatementResult.create({ prepared_statement_handle: handleOf(statement) })).finish();
  return PutResult.encode(PutResult.create({ app_metadata })).finish();
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

// The Result of CreatePreparedStatement: the handle, the result schema and the parameter schema.
export function preparedStatementResult(query: string, datasetSchema: Uint8Array, parameterSchema: Uint8Array): Uint8Array {
  const handle = handleOf({ query });
  const result = ActionCreatePreparedStatementResult.encode(
    ActionCreatePreparedStatementResult.create({ prepared_statement_handle: handle, dataset_schema: datasetSchema, parameter_schema: parameterSchema }),
  ).finish();
  const body = Any.encode(Any.create({ type_url: typeUrl(ActionCreatePreparedStatementResult), value: result })).finish();
  return Result.encode(Result.create({ body })).finish();
}
