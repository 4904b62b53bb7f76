import protobuf from 'protobufjs';
import { FLIGHT_PROTO } from './flight-proto.js';
import { FLIGHT_SQL_PROTO } from './flight-sql-proto.js';
import { READ_INFO_PROTO } from './read-info-proto.js';

// The Flight messages and InfluxDB's ticket, parsed once from the .proto text (protobufjs ships the google types).
function buildRoot(): protobuf.Root {
  const root = new protobuf.Root();
  for (const file of ['google/protobuf/timestamp.proto', 'google/protobuf/any.proto']) {
    const common = protobuf.common.get(file) as { nested: protobuf.INamespace['nested'] } | null;
    if (!common?.nested) throw new Error(`protobufjs has no bundled ${file}`);
    root.addJSON(common.nested);
  }
  protobuf.parse(FLIGHT_PROTO, root, { keepCase: true });
  protobuf.parse(FLIGHT_SQL_PROTO, root, { keepCase: true });
  protobuf.parse(READ_INFO_PROTO, root, { keepCase: true });
  root.resolveAll();
  return root;
}

const root = buildRoot();

export const Ticket = root.lookupType('arrow.flight.protocol.Ticket');
export const FlightData = root.lookupType('arrow.flight.protocol.FlightData');
export const HandshakeRequest = root.lookupType('arrow.flight.protocol.HandshakeRequest');
export const HandshakeResponse = root.lookupType('arrow.flight.protocol.HandshakeResponse');
export const ReadInfo = root.lookupType('influxdata.iox.querier.v1.ReadInfo');
export const Any = root.lookupType('google.protobuf.Any');
export const FlightDescriptor = root.lookupType('arrow.flight.protocol.FlightDescriptor');
export const FlightInfo = root.lookupType('arrow.flight.protocol.FlightInfo');
export const CommandStatementQuery = root.lookupType('arrow.flight.protocol.sql.CommandStatementQuery');
export const TicketStatementQuery = root.lookupType('arrow.flight.protocol.sql.TicketStatementQuery');
export const CommandGetCatalogs = root.lookupType('arrow.flight.protocol.sql.CommandGetCatalogs');
export const CommandGetDbSchemas = root.lookupType('arrow.flight.protocol.sql.CommandGetDbSchemas');
export const CommandGetTables = root.lookupType('arrow.flight.protocol.sql.CommandGetTables');
export const CommandGetTableTypes = root.lookupType('arrow.flight.protocol.sql.CommandGetTableTypes');
export const CommandGetPrimaryKeys = root.lookupType('arrow.flight.protocol.sql.CommandGetPrimaryKeys');
export const CommandGetExportedKeys = root.lookupType('arrow.flight.protocol.sql.CommandGetExportedKeys');
export const ActionCreatePreparedStatementRequest = root.lookupType('arrow.flight.protocol.sql.ActionCreatePreparedStatementRequest');
export const ActionCreatePreparedStatementResult = root.lookupType('arrow.flight.protocol.sql.ActionCreatePreparedStatementResult');
export const ActionClosePreparedStatementRequest = root.lookupType('arrow.flight.protocol.sql.ActionClosePreparedStatementRequest');
export const CommandPreparedStatementQuery = root.lookupType('arrow.flight.protocol.sql.CommandPreparedStatementQuery');
export const Action = root.lookupType('arrow.flight.protocol.Action');
export const Result = root.lookupType('arrow.flight.protocol.Result');
export const CommandGetSqlInfo = root.lookupType('arrow.flight.protocol.sql.CommandGetSqlInfo');
export const CommandGetXdbcTypeInfo = root.lookupType('arrow.flight.protocol.sql.CommandGetXdbcTypeInfo');
export const DoPutPreparedStatementResult = root.lookupType('arrow.flight.protocol.sql.DoPutPreparedStatementResult');
export const PutResult = root.lookupType('arrow.flight.protocol.PutResult');
export const CommandGetImportedKeys = root.lookupType('arrow.flight.protocol.sql.CommandGetImportedKeys');

// google.protobuf.Any type URLs of the Flight SQL messages.
export const typeUrl = (type: protobuf.Type): string => `type.googleapis.com/${type.fullName.replace(/^\./, '')}`;
