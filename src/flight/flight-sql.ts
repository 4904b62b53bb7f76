import type { GrpcCall } from './grpc-call.js';
import { GrpcCode, GrpcError, invalidArgument } from './grpc-status.js';
import { Any, CommandStatementQuery, FlightDescriptor, FlightInfo, TicketStatementQuery, typeUrl } from './proto/messages.js';
import type { QueryTicket } from './tickets.js';
import { ArrowEncoder } from './arrow-encoding.js';
import { metadataCommand } from './flight-sql-metadata.js';

// Flight SQL names the database in request metadata, as upstream reads it.
const DATABASE_HEADERS = ['database', 'bucket', 'bucket-name', 'iox-namespace-name'];

const STATEMENT_QUERY = typeUrl(CommandStatementQuery);
const TICKET_STATEMENT = typeUrl(TicketStatementQuery);

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
  | { kind: 'metadata'; command: NonNullable<ReturnType<typeof metadataCommand>>; any: Uint8Array };

// The Flight SQL command of a GetFlightInfo descriptor: a statement query or a catalog metadata request.
export function commandOfDescriptor(bytes: Uint8Array): FlightSqlCommand {
  const descriptor = FlightDescriptor.toObject(FlightDescriptor.decode(bytes), { defaults: true }) as { type: number; cmd: Uint8Array };
  if (descriptor.type !== 2) throw invalidArgument('GetFlightInfo needs a CMD descriptor holding a Flight SQL command');
  const any = decodeAny(descriptor.cmd);
  if (any === null) throw invalidArgument('GetFlightInfo: the descriptor command is not a google.protobuf.Any');
  const metadata = metadataCommand(any.type_url, any.value);
  if (metadata) return { kind: 'metadata', command: metadata, any: descriptor.cmd };
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
  const handle = CommandStatementQuery.encode(CommandStatementQuery.create({ query })).finish();
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
): { kind: 'query'; ticket: QueryTicket } | { kind: 'metadata'; command: NonNullable<ReturnType<typeof metadataCommand>>; database: string } | null {
  const any = decodeAny(bytes);
  if (any === null) return null;
  const metadata = metadataCommand(any.type_url, any.value);
  if (metadata) return { kind: 'metadata', command: metadata, database: databaseFromMetadata(call) };
  if (any.type_url !== TICKET_STATEMENT) return null;
  const { statement_handle } = TicketStatementQuery.decode(any.value) as unknown as { statement_handle: Uint8Array };
  const { query } = CommandStatementQuery.decode(statement_handle ?? new Uint8Array()) as unknown as { query: string };
  if (!query) throw invalidArgument('TicketStatementQuery: the statement handle holds no query');
  return { kind: 'query', ticket: { database: databaseFromMetadata(call), query, language: 'sql' } };
}
