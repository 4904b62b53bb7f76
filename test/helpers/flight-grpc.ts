import * as grpc from '@grpc/grpc-js';
import { Message, MessageHeader, RecordBatchReader, type RecordBatch } from 'apache-arrow';
import { FlightData, Ticket } from '../../src/flight/proto/messages.js';

// A Flight client on @grpc/grpc-js, the transport the official client libraries use (tests and benchmarks).
export const DO_GET = '/arrow.flight.protocol.FlightService/DoGet';

export interface JsonTicket {
  database: string;
  sql_query: string;
  query_type: 'sql' | 'influxql';
}

// A plaintext (h2c) client for the server at `url` (http://host:port); no limit on received message size.
export function flightClient(url: string): grpc.Client {
  return new grpc.Client(new URL(url).host, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': -1 });
}

const encodeTicket = (t: JsonTicket): Buffer => Buffer.from(Ticket.encode(Ticket.create({ ticket: Buffer.from(JSON.stringify(t)) })).finish());

// DoGet with InfluxDB's JSON ticket; the stream yields the raw FlightData messages.
export function doGet(client: grpc.Client, ticket: JsonTicket, options: grpc.CallOptions = {}, metadata = new grpc.Metadata()): grpc.ClientReadableStream<Buffer> {
  return client.makeServerStreamRequest(DO_GET, encodeTicket, (b: Buffer) => b, ticket, metadata, options);
}

export interface FlightMessage {
  // The message as it sits in an Arrow IPC stream: continuation marker, header length, header, body.
  ipc: Buffer;
  recordBatch: boolean;
  header: Message | null;
}

// One FlightData message as an encapsulated IPC message (see test/helpers/flight-data.ts for a whole call).
export function flightMessage(raw: Buffer): FlightMessage {
  const d = FlightData.decode(raw) as unknown as { data_header: Uint8Array; data_body: Uint8Array };
  // protobufjs gives an unset bytes field as [].
  const header = d.data_header?.length ? d.data_header : new Uint8Array();
  const body = d.data_body?.length ? d.data_body : new Uint8Array();
  const prefix = Buffer.alloc(8);
  prefix.writeInt32LE(-1, 0);
  prefix.writeInt32LE(header.length, 4);
  const message = header.length > 0 ? Message.decode(header) : null;
  return { ipc: Buffer.concat([prefix, header, body]), recordBatch: message?.headerType === MessageHeader.RecordBatch, header: message };
}

// Decodes a DoGet's messages into RecordBatches one message at a time: each record batch comes out as soon as its
// message arrives (apache-arrow's async stream reader holds a batch back until the next message has come).
export class FlightBatchDecoder {
  private schema: Buffer | null = null;
  private readonly dictionaries = new Map<number, Buffer[]>();

  push(raw: Buffer): RecordBatch | null {
    const { ipc, header } = flightMessage(raw);
    if (header === null) return null;
    if (header.isSchema()) {
      this.schema = ipc;
      return null;
    }
    if (header.isDictionaryBatch()) {
      const { id, isDelta } = header.header();
      const list = isDelta ? this.dictionaries.get(id) : undefined;
      if (list) list.push(ipc);
      else this.dictionaries.set(id, [ipc]);
      return null;
    }
    if (!header.isRecordBatch()) return null;
    if (this.schema === null) throw new Error('a record batch came before the schema');
    const stream = Buffer.concat([this.schema, ...[...this.dictionaries.values()].flat(), ipc]);
    return RecordBatchReader.from(stream).readAll()[0] ?? null;
  }
}

// The gRPC status of a call that ended with an error (grpc-js gives it as `code`).
export function grpcCodeOf(err: unknown): number | undefined {
  return (err as { code?: number } | null)?.code;
}
