import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import protobuf from 'protobufjs';
import { AppError } from '../shared/app-error.js';
import { UpstreamUnreachableError } from './upstream-http.js';

// The two Arrow Flight messages a DoGet needs (Apache Arrow's format/Flight.proto).
const root = protobuf.parse(
  `syntax = "proto3";
   message Ticket { bytes ticket = 1; }
   message FlightData { bytes data_header = 2; bytes app_metadata = 3; bytes data_body = 1000; }`,
  { keepCase: true },
).root;
const Ticket = root.lookupType('Ticket');
const FlightData = root.lookupType('FlightData');

const CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
const CONTINUATION = 0xffffffff;

// The upstream answered the Flight call with an error status: its message is the upstream's own text.
export class UpstreamQueryError extends AppError {
  constructor(message: string, readonly grpcStatus: number | null = null) {
    super('upstream_query', message, { status: 400, expose: true });
  }
}

export interface DoGetOptions {
  // No message from the upstream for this long fails the call (the query may run long; the gap between batches may not).
  idleTimeoutMs?: number;
}

// An Arrow Flight client of the upstream over node:http2: one HTTP/2 session (TLS with --upstream-tls-ca for
// https), `authorization: Bearer <token>` metadata, DoGet only. Yields the Arrow IPC stream of the answer.
export class UpstreamFlight {
  private session: ClientHttp2Session | null = null;

  constructor(
    private readonly url: URL,
    private readonly token: string | null,
    private readonly ca: Buffer | null,
  ) {}

  // Runs DoGet with `ticket` and resolves once the upstream has answered with its headers (a refused query rejects
  // here, with the upstream's message); the returned stream yields the IPC bytes a message at a time.
  async doGet(ticket: Uint8Array, options: DoGetOptions = {}): Promise<{ ipc: AsyncIterable<Uint8Array>; cancel: () => void }> {
    const session = await this.connect();
    const headers: Record<string, string> = {
      ':method': 'POST',
      ':path': `${this.url.pathname.replace(/\/$/, '')}/arrow.flight.protocol.FlightService/DoGet`,
      'content-type': 'application/grpc',
      te: 'trailers',
    };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(headers);
    } catch (err) {
      this.drop(session);
      throw new UpstreamUnreachableError(this.url.origin, err);
    }
    const idleMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    stream.setTimeout(idleMs, () => stream.destroy(new Error(`no answer within ${idleMs} ms`)));
    const message = Ticket.encode(Ticket.create({ ticket })).finish();
    const frame = Buffer.alloc(5 + message.length);
    frame.writeUInt32BE(message.length, 1);
    frame.set(message, 5);
    stream.end(frame);
    const response = await new Promise<IncomingHttpHeaders>((resolve, reject) => {
      stream.once('response', resolve);
      stream.once('error', (err) => reject(new UpstreamUnreachableError(this.url.origin, err)));
    });
    stream.on('error', () => undefined);
    checkStatus(response, true);
    let trailers: IncomingHttpHeaders | null = null;
    stream.once('trailers', (t: IncomingHttpHeaders) => (trailers = t));
    const origin = this.url.origin;
    const ipc = (async function* (): AsyncGenerator<Uint8Array> {
      let buffered: Buffer = Buffer.alloc(0);
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
          while (buffered.length >= 5) {
            const length = buffered.readUInt32BE(1);
            if (buffered.length < 5 + length) break;
            const data = FlightData.decode(buffered.subarray(5, 5 + length)) as unknown as { data_header?: Uint8Array; data_body?: Uint8Array };
            buffered = buffered.subarray(5 + length);
            if (data.data_header && data.data_header.length > 0) yield ipcMessage(data.data_header, data.data_body ?? new Uint8Array());
          }
        }
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw new UpstreamUnreachableError(origin, err);
      }
      if (trailers) checkStatus(trailers, false);
      else if (response['grpc-status'] === undefined) throw new UpstreamQueryError('the upstream ended the Flight answer without a status');
    })();
    return { ipc, cancel: () => { if (!stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL); } };
  }

  close(): void {
    this.session?.close();
    this.session = null;
  }

  private connect(): Promise<ClientHttp2Session> {
    const current = this.session;
    if (current && !current.closed && !current.destroyed) return Promise.resolve(current);
    return new Promise((resolve, reject) => {
      const session = http2.connect(this.url.origin, this.ca ? { ca: this.ca } : {});
      const timer = setTimeout(() => session.destroy(new Error(`no connection within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      session.once('connect', () => {
        clearTimeout(timer);
        this.session = session;
        session.unref();
        resolve(session);
      });
      session.once('error', (err) => {
        clearTimeout(timer);
        this.drop(session);
        reject(new UpstreamUnreachableError(this.url.origin, err));
      });
      session.once('close', () => this.drop(session));
      session.once('goaway', () => this.drop(session));
    });
  }

  private drop(session: ClientHttp2Session): void {
    if (this.session === session) this.session = null;
    if (!session.destroyed) session.destroy();
  }
}

// A non-OK gRPC status (in the headers of a trailers-only answer, or in the trailers) as the upstream's message.
function checkStatus(headers: IncomingHttpHeaders, initial: boolean): void {
  const httpStatus = Number(headers[':status'] ?? 200);
  const status = headers['grpc-status'];
  if (status === undefined) {
    if (initial && httpStatus !== 200) throw new UpstreamQueryError(`the upstream answered the Flight call with HTTP ${httpStatus}`);
    return;
  }
  if (Number(status) === 0) return;
  const raw = String(headers['grpc-message'] ?? '');
  let text = raw;
  try {
    text = decodeURIComponent(raw);
  } catch {
    // kept as sent
  }
  throw new UpstreamQueryError(text || `gRPC status ${status}`, Number(status));
}

// A FlightData's header and body as one encapsulated IPC message (continuation, padded header length, header, body).
function ipcMessage(header: Uint8Array, body: Uint8Array): Uint8Array {
  const padded = (header.length + 7) & ~7;
  const out = Buffer.alloc(8 + padded + body.length);
  out.writeUInt32LE(CONTINUATION, 0);
  out.writeInt32LE(padded, 4);
  out.set(header, 8);
  out.set(body, 8 + padded);
  return out;
}
