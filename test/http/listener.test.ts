import { expect } from 'chai';
import { connect as h2connect, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { request as httpRequest } from 'node:http';
import { connect as netConnect } from 'node:net';
import { Writable } from 'node:stream';
import { ApiListener, H2_PREFACE, sniffProtocol } from '../../src/http/listener.js';
import { GrpcMessageLimit } from '../../src/http/grpc-message-limit.js';
import { createLogger } from '../../src/shared/logger.js';

const quiet = createLogger('error', new Writable({ write: (_c, _e, done) => done() }));

function h2request(session: ClientHttp2Session, headers: Record<string, string>, body?: Buffer): Promise<{ headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = session.request(headers);
    let answer: IncomingHttpHeaders = {};
    let text = '';
    req.on('response', (h) => (answer = h));
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => resolve({ headers: answer, body: text }));
    req.on('error', reject);
    req.end(body);
  });
}

function grpcFrame(length: number): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(length, 1);
  return Buffer.concat([head, Buffer.alloc(length)]);
}

describe('http/listener', () => {
  describe('sniffProtocol', () => {
    it('tells the HTTP/2 preface, TLS and HTTP/1.1 apart, waiting while the bytes are a prefix of the preface', () => {
      expect(sniffProtocol(H2_PREFACE)).to.equal('h2c');
      expect(sniffProtocol(H2_PREFACE.subarray(0, 10))).to.equal('undecided');
      expect(sniffProtocol(Buffer.from('PRI * HTTP/1.1'))).to.equal('http1');
      expect(sniffProtocol(Buffer.from('POST /api/v3/write_lp'))).to.equal('http1');
      expect(sniffProtocol(Buffer.from([0x16, 0x03, 0x01]))).to.equal('tls');
      expect(sniffProtocol(Buffer.alloc(0))).to.equal('undecided');
    });
  });

  describe('GrpcMessageLimit', () => {
    it('finds a message over the limit across chunk boundaries', () => {
      const limit = new GrpcMessageLimit(10);
      const stream = Buffer.concat([grpcFrame(10), grpcFrame(3), grpcFrame(11)]);
      let over: number | null = null;
      for (let i = 0; i < stream.length && over === null; i += 3) over = limit.feed(stream.subarray(i, i + 3));
      expect(over).to.equal(11);
      expect(new GrpcMessageLimit(10).feed(Buffer.concat([grpcFrame(10), grpcFrame(0)]))).to.equal(null);
    });
  });

  describe('one port, two protocols', () => {
    let listener: ApiListener;
    let port: number;
    const grpcCalls: string[] = [];

    beforeEach(async () => {
      listener = new ApiListener({ http1: (req, res) => res.end(`http1 ${req.url}`), logger: quiet, maxBodyBytes: 100 });
      port = (await listener.start('127.0.0.1', 0)).port;
      grpcCalls.length = 0;
    });
    afterEach(() => listener.stop());

    it('serves HTTP/1.1 to koa', async () => {
      const body = await new Promise<string>((resolve, reject) => {
        httpRequest({ host: '127.0.0.1', port, path: '/ping' }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve(text));
        }).on('error', reject).end();
      });
      expect(body).to.equal('http1 /ping');
    });

    it('answers a non-gRPC HTTP/2 request 415 naming what the port speaks, and gRPC without a handler UNIMPLEMENTED', async () => {
      const session = h2connect(`http://127.0.0.1:${port}`);
      try {
        const plain = await h2request(session, { ':path': '/ping' });
        expect(plain.headers[':status']).to.equal(415);
        expect(plain.body).to.contain('gRPC').and.contain('HTTP/1.1');
        const grpc = await h2request(session, { ':method': 'POST', ':path': '/x.Service/Call', 'content-type': 'application/grpc' }, grpcFrame(1));
        expect(grpc.headers[':status']).to.equal(200);
        expect(grpc.headers['grpc-status']).to.equal('12');
        expect(decodeURIComponent(String(grpc.headers['grpc-message']))).to.contain('not available');
      } finally {
        session.close();
      }
    });

    it('hands gRPC streams to the handler, and refuses a message over the limit with RESOURCE_EXHAUSTED', async () => {
      listener.grpc = (stream, headers) => {
        grpcCalls.push(String(headers[':path']));
        const chunks: Buffer[] = [];
        stream.on('data', (d: Buffer) => chunks.push(d));
        stream.on('end', () => {
          stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
          stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
          stream.end(Buffer.concat(chunks));
        });
      };
      const session = h2connect(`http://127.0.0.1:${port}`);
      try {
        const ok = await h2request(session, { ':method': 'POST', ':path': '/x.Service/Echo', 'content-type': 'application/grpc+proto' }, grpcFrame(100));
        expect(ok.headers[':status']).to.equal(200);
        expect(grpcCalls).to.deep.equal(['/x.Service/Echo']);
        const big = await h2request(session, { ':method': 'POST', ':path': '/x.Service/Echo', 'content-type': 'application/grpc' }, grpcFrame(101));
        expect(big.headers['grpc-status']).to.equal('8');
        expect(decodeURIComponent(String(big.headers['grpc-message']))).to.contain('101 bytes').and.contain('--max-http-request-size');
      } finally {
        session.close();
      }
    });

    it('closes a TLS client on the plain port instead of leaving it waiting', async () => {
      const closed = await new Promise<boolean>((resolve) => {
        const socket = netConnect(port, '127.0.0.1', () => socket.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05])));
        socket.on('close', () => resolve(true));
        socket.on('error', () => undefined);
        socket.resume();
      });
      expect(closed).to.equal(true);
    });

    it('answers a gRPC request whose request side stays open past --http-request-timeout with DEADLINE_EXCEEDED', async () => {
      const strict = new ApiListener({ http1: (_req, res) => res.end(), logger: quiet, maxBodyBytes: 100, headersTimeoutMs: 100, requestTimeoutMs: 100 });
      strict.grpc = (stream) => stream.resume();
      const strictPort = (await strict.start('127.0.0.1', 0)).port;
      const session = h2connect(`http://127.0.0.1:${strictPort}`);
      try {
        const answer = await new Promise<IncomingHttpHeaders>((resolve, reject) => {
          const req = session.request({ ':method': 'POST', ':path': '/x.Service/Stream', 'content-type': 'application/grpc' });
          req.on('response', resolve);
          req.on('error', reject);
          req.write(grpcFrame(1));
        });
        expect(answer['grpc-status']).to.equal('4');
        expect(decodeURIComponent(String(answer['grpc-message']))).to.contain('--http-request-timeout');
      } finally {
        session.destroy();
        await strict.stop();
      }
    });

    it('lets an in-flight HTTP/2 stream finish on stop, then closes', async () => {
      let release: (() => void) | undefined;
      listener.grpc = (stream) => {
        stream.resume();
        release = () => {
          stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '0' }, { endStream: true });
        };
      };
      const session = h2connect(`http://127.0.0.1:${port}`);
      session.on('error', () => undefined);
      const answer = h2request(session, { ':method': 'POST', ':path': '/x.Service/Slow', 'content-type': 'application/grpc' }, grpcFrame(1));
      await new Promise<void>((resolve) => {
        const check = (): void => (release ? resolve() : void setImmediate(check));
        check();
      });
      const stopped = listener.stop();
      release!();
      expect((await answer).headers['grpc-status']).to.equal('0');
      await stopped;
      session.destroy();
    });
  });
});
