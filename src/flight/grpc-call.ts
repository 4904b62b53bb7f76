import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { encodeGrpcMessage, frameMessage, MessageDecoder, parseGrpcTimeout } from './grpc-framing.js';
import { GrpcCode, GrpcError, type GrpcCodeValue } from './grpc-status.js';

// One gRPC call over an HTTP/2 stream: request messages in, response headers, framed messages with backpressure, and
// the status as trailers (or a trailers-only response when nothing was sent). `signal` aborts when the client resets
// the stream or the deadline (grpc-timeout) passes.
export class GrpcCall {
  readonly signal: AbortSignal;
  private readonly abort = new AbortController();
  private readonly decoder: MessageDecoder;
  private readonly queue: Buffer[] = [];
  private waiting: (() => void) | null = null;
  private ended = false;
  private failure: unknown = null;
  private headersSent = false;
  private finished = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly stream: ServerHttp2Stream,
    readonly headers: IncomingHttpHeaders,
    maxMessageBytes: number,
  ) {
    this.signal = this.abort.signal;
    this.decoder = new MessageDecoder(maxMessageBytes);
    stream.on('data', (chunk: Buffer) => {
      try {
        this.queue.push(...this.decoder.push(chunk));
      } catch (err) {
        this.failure = err;
      }
      this.wake();
    });
    stream.on('end', () => {
      this.ended = true;
      this.wake();
    });
    stream.on('close', () => {
      this.ended = true;
      if (!this.finished) this.abort.abort(new GrpcError(GrpcCode.CANCELLED, 'the client cancelled the call'));
      this.clearTimer();
      this.wake();
    });
    stream.on('error', () => {
      // A reset by the peer: 'close' follows and aborts the call.
    });
    const timeout = headers['grpc-timeout'];
    if (typeof timeout === 'string') {
      try {
        this.timer = setTimeout(() => this.expire(), parseGrpcTimeout(timeout));
        this.timer.unref();
      } catch (err) {
        this.failure = err;
      }
    }
  }

  get closed(): boolean {
    return this.finished || this.stream.destroyed || this.stream.closed;
  }

  // The metadata value of `name` (the last, when repeated), or undefined.
  metadata(name: string): string | undefined {
    const v = this.headers[name];
    return Array.isArray(v) ? v[v.length - 1] : v;
  }

  // The next request message, or null when the client has finished sending.
  async read(): Promise<Buffer | null> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.queue.length > 0) return this.queue.shift()!;
      if (this.ended) {
        if (this.decoder.pending() > 0 && !this.signal.aborted) throw new GrpcError(GrpcCode.INVALID_ARGUMENT, 'the request ended inside a gRPC message');
        return null;
      }
      if (this.signal.aborted) throw this.signal.reason;
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  // The single request message of a unary or server-streaming call.
  async readOne(what: string): Promise<Buffer> {
    const msg = await this.read();
    if (msg === null) throw new GrpcError(GrpcCode.INVALID_ARGUMENT, `missing ${what} message in the request`);
    return msg;
  }

  sendHeaders(extra: OutgoingHttpHeaders = {}): void {
    if (this.headersSent || this.closed) return;
    this.headersSent = true;
    this.stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...extra }, { waitForTrailers: true });
  }

  // Writes one message; resolves when the stream can take more (HTTP/2 flow control), rejects if the call ended.
  async write(message: Uint8Array): Promise<void> {
    if (this.signal.aborted) throw this.signal.reason;
    this.sendHeaders();
    if (this.stream.write(frameMessage(message))) return;
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.signal.removeEventListener('abort', done);
        if (this.signal.aborted) reject(this.signal.reason);
        else resolve();
      };
      this.stream.on('drain', done);
      this.signal.addEventListener('abort', done);
    });
  }

  // Ends the call with a status: trailers after a response, else a trailers-only response.
  finish(code: GrpcCodeValue, message = ''): void {
    if (this.finished) return;
    this.finished = true;
    this.clearTimer();
    if (this.stream.destroyed || this.stream.closed) return;
    const status: OutgoingHttpHeaders = { 'grpc-status': String(code) };
    if (message !== '') status['grpc-message'] = encodeGrpcMessage(message);
    if (!this.headersSent) {
      this.headersSent = true;
      this.stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...status }, { endStream: true });
      return;
    }
    this.stream.once('wantTrailers', () => this.stream.sendTrailers(status));
    this.stream.end();
  }

  private expire(): void {
    const err = new GrpcError(GrpcCode.DEADLINE_EXCEEDED, 'the deadline (grpc-timeout) passed before the call finished');
    this.abort.abort(err);
    this.finish(err.code, err.message);
    this.wake();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.();
  }
}
