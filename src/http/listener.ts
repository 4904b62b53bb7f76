import { createServer as createHttpServer, type RequestListener, type Server as HttpServer } from 'node:http';
import {
  constants as h2,
  createServer as createH2Server,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { Duplex } from 'node:stream';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from '../shared/logger.js';
import { GRPC_STATUS, type GrpcHandler } from './grpc-handler.js';
import { GrpcMessageLimit } from './grpc-message-limit.js';
import { loadTlsMaterial, type TlsSettings } from './tls-files.js';

// The client connection preface of HTTP/2 with prior knowledge (RFC 9113, section 3.4).
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const TLS_HANDSHAKE = 0x16;

export type Protocol = 'http1' | 'h2c' | 'tls' | 'undecided';

// What the first bytes of a connection say it speaks; 'undecided' while they are a strict prefix of the preface.
export function sniffProtocol(head: Buffer): Protocol {
  if (head.length === 0) return 'undecided';
  if (head[0] === TLS_HANDSHAKE) return 'tls';
  const n = Math.min(head.length, H2_PREFACE.length);
  if (head.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) return n === H2_PREFACE.length ? 'h2c' : 'undecided';
  return 'http1';
}

export interface ListenerOptions {
  http1: RequestListener;
  grpc?: GrpcHandler;
  tls?: TlsSettings | null;
  logger: Logger;
  maxBodyBytes: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  // How long stop() lets in-flight requests and streams finish before closing their connections.
  shutdownGraceMs?: number;
}

const PLAIN_TO_TLS_ANSWER =
  'HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n' +
  'this server speaks TLS on this port: use https://\n';

// One port for the HTTP API (HTTP/1.1, koa) and gRPC (HTTP/2): the first bytes (or ALPN under TLS) choose.
export class ApiListener {
  private readonly net: NetServer;
  private readonly http1: HttpServer;
  private readonly h2: Http2Server;
  private readonly tlsServer: TlsServer | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly unrouted = new Set<Socket>();
  private readonly sessions = new Map<Http2Session, Set<ServerHttp2Stream>>();
  private stopping = false;
  grpc: GrpcHandler | undefined;

  constructor(private readonly opts: ListenerOptions) {
    this.grpc = opts.grpc;
    const headersTimeout = opts.headersTimeoutMs ?? 60_000;
    const requestTimeout = Math.max(opts.requestTimeoutMs ?? 300_000, headersTimeout);
    // Node checks both timeouts every connectionsCheckingInterval (30 s by default): tighter for short limits.
    this.http1 = createHttpServer({ connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(headersTimeout / 4))) }, opts.http1);
    this.http1.headersTimeout = headersTimeout;
    this.http1.requestTimeout = requestTimeout;
    this.http1.keepAliveTimeout = opts.keepAliveTimeoutMs ?? 65_000;
    // The http server never listens itself; 'listening' starts its connection tracking (the timeouts above).
    this.http1.emit('listening');
    this.h2 = createH2Server({ maxSessionInvalidFrames: 100 });
    this.h2.on('session', (session: Http2Session) => this.trackSession(session));
    this.h2.on('stream', (stream, headers) => this.onStream(stream, headers));
    this.h2.on('sessionError', (err) => opts.logger.debug({ err }, 'http2 session error'));
    if (opts.tls) {
      const material = loadTlsMaterial(opts.tls);
      this.tlsServer = createTlsServer({ ...material.options, ALPNProtocols: ['h2', 'http/1.1'], handshakeTimeout: headersTimeout });
      this.tlsServer.on('secureConnection', (socket: TLSSocket) => {
        if (socket.alpnProtocol === 'h2') this.h2.emit('connection', socket);
        else this.http1.emit('connection', socket);
      });
      this.tlsServer.on('tlsClientError', (err) => opts.logger.debug({ err: err.message }, 'TLS handshake failed'));
      opts.logger.info({ cert: opts.tls.certFile, fingerprint: material.fingerprint, minVersion: opts.tls.minVersion }, 'TLS enabled');
    }
    this.net = createNetServer((socket) => this.onConnection(socket, headersTimeout));
  }

  get secure(): boolean {
    return this.tlsServer !== null;
  }

  async start(host: string, port: number): Promise<AddressInfo> {
    const server = this.net;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  }

  // Re-reads the certificate and key (SIGHUP); on any error the served certificate stays and the error is logged.
  reloadTls(): boolean {
    const { tls, logger } = this.opts;
    if (!tls || !this.tlsServer) return false;
    try {
      const material = loadTlsMaterial(tls);
      this.tlsServer.setSecureContext(material.options);
      logger.info({ cert: tls.certFile, fingerprint: material.fingerprint }, 'TLS certificate reloaded');
      return true;
    } catch (err) {
      logger.error({ cert: tls.certFile, key: tls.keyFile }, `TLS certificate not reloaded, the previous one stays in use: ${(err as Error).message}`);
      return false;
    }
  }

  private onConnection(socket: Socket, headersTimeoutMs: number): void {
    this.sockets.add(socket);
    // Without TCP_NODELAY, HTTP/2's small frames (flow-control windows) meet the peer's delayed ACK: ~40 ms stalls.
    socket.setNoDelay(true);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (this.stopping) {
      socket.destroy();
      return;
    }
    this.unrouted.add(socket);
    socket.once('close', () => this.unrouted.delete(socket));
    let head = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), headersTimeoutMs);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const protocol = sniffProtocol(head);
      if (protocol === 'undecided') return;
      clearTimeout(timer);
      this.unrouted.delete(socket);
      socket.off('data', onData);
      socket.pause();
      socket.unshift(head);
      this.route(socket, protocol);
    };
    socket.on('data', onData);
    socket.once('close', () => clearTimeout(timer));
  }

  private route(socket: Socket, protocol: Exclude<Protocol, 'undecided'>): void {
    if (this.tlsServer) {
      if (protocol === 'tls') this.tlsServer.emit('connection', socket);
      else if (protocol === 'http1') socket.end(PLAIN_TO_TLS_ANSWER);
      else socket.destroy();
      return;
    }
    // A TLS client on a plain port: closing tells it (its error names the failed handshake).
    if (protocol === 'tls') socket.destroy();
    else if (protocol === 'h2c') this.h2.emit('connection', jsStream(socket));
    else {
      this.http1.emit('connection', socket);
      socket.resume();
    }
  }

  private trackSession(session: Http2Session): void {
    const streams = new Set<ServerHttp2Stream>();
    this.sessions.set(session, streams);
    session.once('close', () => this.sessions.delete(session));
    session.on('error', () => undefined);
    // Keep-alive: a session with no open stream for keepAliveTimeoutMs is closed (GOAWAY).
    session.setTimeout(this.opts.keepAliveTimeoutMs ?? 65_000, () => {
      if (streams.size === 0) session.close();
    });
    if (this.stopping) session.close();
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const streams = this.sessions.get(stream.session!);
    streams?.add(stream);
    stream.once('close', () => streams?.delete(stream));
    stream.on('error', () => undefined);
    const contentType = String(headers['content-type'] ?? '');
    if (!/^application\/grpc([+;]|$)/.test(contentType)) {
      stream.respond({ ':status': 415, 'content-type': 'text/plain; charset=utf-8' });
      stream.end(
        `unsupported HTTP/2 request (content-type '${contentType}'): this port speaks gRPC (content-type application/grpc) ` +
          'over HTTP/2 and the HTTP API over HTTP/1.1\n',
      );
      return;
    }
    if (!this.grpc) {
      grpcTrailersOnly(stream, GRPC_STATUS.UNIMPLEMENTED, 'gRPC services are not available on this server');
      return;
    }
    if (!this.limitRequest(stream)) return;
    try {
      this.grpc(stream, headers);
    } catch (err) {
      this.opts.logger.error({ err }, 'gRPC handler failed');
      if (!stream.headersSent) grpcTrailersOnly(stream, GRPC_STATUS.INTERNAL, 'internal error');
      else stream.close(h2.NGHTTP2_INTERNAL_ERROR);
    }
  }

  // --max-http-request-size caps each gRPC message; --http-request-timeout caps how long the request side stays open.
  // False when the request is already refused (a message over the limit arrived with the headers).
  private limitRequest(stream: ServerHttp2Stream): boolean {
    const limit = new GrpcMessageLimit(this.opts.maxBodyBytes);
    let refused = false;
    const check = (chunk: unknown): boolean => {
      if (refused || !Buffer.isBuffer(chunk)) return refused;
      const over = limit.feed(chunk);
      if (over === null) return false;
      refused = true;
      const message = `gRPC message of ${over} bytes exceeds the limit of ${this.opts.maxBodyBytes} bytes (--max-http-request-size)`;
      if (!stream.headersSent) grpcTrailersOnly(stream, GRPC_STATUS.RESOURCE_EXHAUSTED, message);
      else stream.close(h2.NGHTTP2_ENHANCE_YOUR_CALM);
      return true;
    };
    // The 'stream' event comes a tick after the headers: the first DATA frames may be buffered already.
    for (const chunk of (stream as unknown as { readableBuffer: Iterable<unknown> }).readableBuffer) if (check(chunk)) return false;
    const push = stream.push.bind(stream);
    stream.push = (chunk: unknown, encoding?: BufferEncoding): boolean => (check(chunk) ? true : push(chunk, encoding));
    const requestTimeoutMs = this.opts.requestTimeoutMs ?? 300_000;
    const timer = setTimeout(() => {
      if (stream.readableEnded || stream.destroyed) return;
      if (!stream.headersSent) grpcTrailersOnly(stream, GRPC_STATUS.DEADLINE_EXCEEDED, `the request was not complete within ${requestTimeoutMs} ms (--http-request-timeout)`);
      else stream.close(h2.NGHTTP2_CANCEL);
    }, requestTimeoutMs);
    timer.unref();
    stream.once('end', () => clearTimeout(timer));
    stream.once('close', () => clearTimeout(timer));
    return true;
  }

  // Stops accepting; in-flight HTTP/1.1 requests and HTTP/2 streams finish (GOAWAY), then connections close.
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const closed = new Promise<void>((resolve) => this.net.close(() => resolve()));
    this.http1.close();
    this.http1.closeIdleConnections();
    for (const session of this.sessions.keys()) session.close();
    const force = setTimeout(() => {
      this.http1.closeAllConnections();
      for (const session of this.sessions.keys()) session.destroy();
      for (const socket of this.sockets) socket.destroy();
    }, this.opts.shutdownGraceMs ?? 2000);
    force.unref();
    // Connections whose first bytes have not come yet carry no request.
    for (const socket of this.unrouted) socket.destroy();
    await closed;
    clearTimeout(force);
  }
}

// A gRPC answer with no messages: status 200 and the grpc-status in the one HEADERS frame.
export function grpcTrailersOnly(stream: ServerHttp2Stream, status: number, message: string): void {
  if (stream.destroyed || stream.closed) return;
  stream.respond(
    { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(status), 'grpc-message': encodeURIComponent(message) },
    { endStream: true },
  );
}

// http2 reads a net.Socket through its native handle, which would skip the preface already read to sniff it;
// through a JS stream it sees the unshifted bytes first.
function jsStream(socket: Socket): Duplex {
  const stream = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, encoding, callback) {
      socket.write(chunk, encoding, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(err, callback) {
      socket.destroy(err ?? undefined);
      callback(err);
    },
  });
  socket.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.once('end', () => stream.push(null));
  socket.once('close', () => stream.destroy());
  for (const name of ['remoteAddress', 'remotePort', 'remoteFamily', 'localAddress', 'localPort'] as const) {
    Object.defineProperty(stream, name, { get: () => socket[name] });
  }
  return stream;
}
