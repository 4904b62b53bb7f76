import { connect, type ClientHttp2Session } from 'node:http2';
import { tableFromIPC, type Schema, type Table } from 'apache-arrow';
import { decodeGrpcMessage, frameMessage, MessageDecoder } from '../../src/flight/grpc-framing.js';
import { Ticket } from '../../src/flight/proto/messages.js';
import { ipcStreamOf } from './flight-data.js';

// The Arrow schema of a SQL query's answer, read from an Arrow Flight DoGet with the JSON ticket the v3 client
// libraries send: the types a client of the server sees.
export class FlightSchemaReader {
  private readonly session: ClientHttp2Session;

  constructor(url: string) {
    this.session = connect(url);
    this.session.on('error', () => {});
  }

  async schemaOf(database: string, sql: string): Promise<Schema> {
    return (await this.tableOf(database, sql)).schema;
  }

  // The whole answer: schema and record batches.
  tableOf(database: string, sql: string): Promise<Table> {
    const ticket = Buffer.from(JSON.stringify({ database, sql_query: sql, query_type: 'sql' }));
    const body = Ticket.encode(Ticket.create({ ticket })).finish();
    return new Promise((resolve, reject) => {
      const req = this.session.request({ ':method': 'POST', ':path': '/arrow.flight.protocol.FlightService/DoGet', 'content-type': 'application/grpc', te: 'trailers' });
      const decoder = new MessageDecoder(1 << 30);
      const messages: Buffer[] = [];
      let status = '';
      let message = '';
      const onHeaders = (h: Record<string, unknown>): void => {
        if (h['grpc-status'] !== undefined) {
          status = String(h['grpc-status']);
          message = decodeGrpcMessage(String(h['grpc-message'] ?? ''));
        }
      };
      req.on('response', onHeaders);
      req.on('trailers', onHeaders);
      req.on('data', (c: Buffer) => messages.push(...decoder.push(c)));
      req.on('error', reject);
      req.on('end', () => {
        if (status !== '0') return reject(new Error(`DoGet failed: grpc-status ${status}: ${message}`));
        try {
          resolve(tableFromIPC(ipcStreamOf(messages)));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
      req.end(frameMessage(body));
    });
  }

  close(): void {
    this.session.close();
  }
}
