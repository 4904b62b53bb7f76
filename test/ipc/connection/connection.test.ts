import { expect } from 'chai';
import { Writable } from 'node:stream';
import { Connection } from '../../../src/ipc/connection/connection.js';
import { MsgpackCodec, PartedValue, PreEncoded } from '../../../src/ipc/codec/msgpack-codec.js';
import {
  ConnectionClosedError,
  FrameTooLargeError,
  HandlerError,
  ProtocolError,
  RemoteError,
  TimeoutError,
} from '../../../src/ipc/errors.js';
import { encodeFrame } from '../../../src/ipc/framing/encode-frame.js';
import { FrameDecoder } from '../../../src/ipc/framing/frame-decoder.js';
import { FakePeer, tick } from './fake-peer.js';

async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('ipc/connection/connection', () => {
  let peer: FakePeer;
  let conn: Connection;
  beforeEach(() => {
    peer = new FakePeer();
    conn = peer.connect();
  });
  afterEach(() => conn.close('test over'));

  it('matches responses to requests by id, in any order', async () => {
    const a = conn.request('echo', { n: 1 });
    const b = conn.request('echo', { n: 2 });
    const ra = await peer.next((m) => m.params?.n === 1);
    const rb = await peer.next((m) => m.params?.n === 2);
    expect(ra).to.deep.equal({ type: 'request', id: 1, method: 'echo', params: { n: 1 } });
    peer.send({ type: 'response', id: rb.id, result: 'second' });
    peer.send({ type: 'response', id: ra.id, result: { ns: 2n ** 62n } });
    expect(await b).to.equal('second');
    expect(await a).to.deep.equal({ ns: 2n ** 62n });
    expect(conn.pendingCount).to.equal(0);
  });

  it('rejects with a RemoteError carrying the peer error object', async () => {
    const p = conn.request('process_writes', {});
    const req = await peer.next();
    peer.send({ type: 'response', id: req.id, error: { type: 'ValueError', message: 'ValueError: no', traceback: 'tb', phase: 'call' } });
    const err = await rejection(p);
    expect(err).to.be.instanceOf(RemoteError);
    expect(err).to.include({ method: 'process_writes', errorType: 'ValueError', message: 'ValueError: no', traceback: 'tb' });
    expect(err.extra).to.deep.equal({ phase: 'call' });
  });

  it('times out a call, asks the peer to cancel it and ignores the late answer', async () => {
    const err = await rejection(conn.request('slow', {}, { timeoutMs: 20 }));
    expect(err).to.be.instanceOf(TimeoutError);
    expect(err).to.include({ method: 'slow', timeoutMs: 20 });
    expect(err.message).to.equal("request 'slow' timed out after 20 ms");
    const slow = await peer.next((m) => m.method === 'slow');
    const cancel = await peer.next((m) => m.method === '$/cancel');
    expect(cancel.params).to.deep.equal({ id: slow.id });
    peer.send({ type: 'response', id: slow.id, error: { type: 'Cancelled', message: 'cancelled' } });
    peer.send({ type: 'response', id: cancel.id, result: { cancelled: true } });
    await tick(5);
    expect(conn.isClosed).to.equal(false);
  });

  it('uses the default timeout and honours an abort signal', async () => {
    const c2 = peer.connect({ defaultTimeoutMs: 10, cancelMethod: null });
    expect(await rejection(c2.request('x'))).to.be.instanceOf(TimeoutError);
    c2.close();
    const ac = new AbortController();
    const p = conn.request('long', {}, { signal: ac.signal });
    ac.abort(new Error('caller gave up'));
    expect((await rejection(p)).message).to.equal('caller gave up');
    expect((await rejection(conn.request('x', {}, { signal: ac.signal }))).message).to.equal('caller gave up');
  });

  it('close() rejects every pending call with the reason, and later calls at once', async () => {
    const calls = [conn.request('a'), conn.request('b', {}, { timeoutMs: 60_000 })];
    conn.close('runner restarted');
    for (const p of calls) {
      const err = await rejection(p);
      expect(err).to.be.instanceOf(ConnectionClosedError);
      expect(err.message).to.equal('connection closed: runner restarted');
    }
    expect(await rejection(conn.request('c'))).to.be.instanceOf(ConnectionClosedError);
    expect(() => conn.notify('n')).to.throw(ConnectionClosedError);
    expect((await conn.closed).reason).to.equal('runner restarted');
  });

  it('dispatches the peer requests to handlers, sync or async, and answers failures with {type, message}', async () => {
    conn.onRequest('query', (params: { sql: string }, ctx) => ({ rows: [params.sql, ctx.method] }));
    conn.onRequest('write_sync', async () => {
      await tick(1);
      return { ok: true };
    });
    conn.onRequest('bad', () => {
      throw new HandlerError('ValueError', 'no such table');
    });
    conn.onRequest('worse', async () => {
      throw new TypeError('broken');
    });
    peer.send({ type: 'request', id: 1, method: 'query', params: { sql: 'SELECT 1' } });
    peer.send({ type: 'request', id: 2, method: 'write_sync', params: {} });
    peer.send({ type: 'request', id: 3, method: 'bad', params: {} });
    peer.send({ type: 'request', id: 4, method: 'worse', params: {} });
    peer.send({ type: 'request', id: 5, method: 'missing', params: {} });
    const byId = async (id: number) => peer.next((m) => m.type === 'response' && m.id === id);
    expect(await byId(1)).to.deep.equal({ type: 'response', id: 1, result: { rows: ['SELECT 1', 'query'] } });
    expect((await byId(2)).result).to.deep.equal({ ok: true });
    expect((await byId(3)).error).to.deep.equal({ type: 'ValueError', message: 'no such table', traceback: null });
    expect((await byId(4)).error).to.deep.include({ type: 'TypeError', message: 'broken' });
    expect((await byId(5)).error).to.deep.include({ type: 'MethodNotFound', message: "unknown method 'missing'" });
  });

  it('dispatches notifications and sends them', async () => {
    const got: unknown[] = [];
    conn.onNotification('log', (p) => got.push(p));
    peer.send({ type: 'notification', method: 'log', params: { line: 'hi' } });
    peer.send({ type: 'notification', method: 'unhandled', params: {} });
    conn.notify('$/ping-ish', { a: 1 });
    expect(await peer.next()).to.deep.equal({ type: 'notification', method: '$/ping-ish', params: { a: 1 } });
    expect(got).to.deep.equal([{ line: 'hi' }]);
  });

  for (const [what, bytes, type] of [
    ['an undecodable payload', encodeFrame(Buffer.from([0xc1, 0xc1])), ProtocolError],
    ['a non-envelope', encodeFrame(new MsgpackCodec().encode([1, 2])), ProtocolError],
    ['an unknown response id', encodeFrame(new MsgpackCodec().encode({ type: 'response', id: 99, result: 1 })), ProtocolError],
    ['an oversized frame', Buffer.from([0xff, 0xff, 0xff, 0xf0]), FrameTooLargeError],
  ] as const) {
    it(`closes with a ProtocolError on ${what}`, async () => {
      const pending = conn.request('x');
      peer.sendRaw(bytes);
      const err = await rejection(pending);
      expect(err).to.be.instanceOf(ConnectionClosedError);
      expect(err.cause).to.be.instanceOf(type);
      expect(conn.isClosed).to.equal(true);
    });
  }

  it('closes when the peer ends its stream, and reports a truncated frame', async () => {
    const p = conn.request('x');
    peer.toHost.end();
    expect((await rejection(p)).reason).to.equal('the peer closed the stream');
    const other = new FakePeer();
    const c2 = other.connect();
    other.sendRaw(encodeFrame(Buffer.from('abc')).subarray(0, 5));
    other.toHost.end();
    expect((await c2.closed).cause).to.be.instanceOf(ProtocolError);
  });

  it('refuses to send a frame above the cap without closing', async () => {
    const small = peer.connect({ maxFrameBytes: 64 });
    expect(await rejection(small.request('big', { blob: Buffer.alloc(100) }))).to.be.instanceOf(FrameTooLargeError);
    expect(small.isClosed).to.equal(false);
    small.close();
  });

  it('queues frames while the stream is full and sends urgent ones first once it drains', async () => {
    const written: Buffer[] = [];
    let release: (() => void) | undefined;
    const slow = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _enc, cb) {
        written.push(chunk);
        release = cb;
      },
    });
    const c = new Connection(peer.toHost, slow);
    void c.request('first', { pad: 'x'.repeat(32) }).catch(() => undefined);
    await tick();
    void c.request('second').catch(() => undefined);
    void c.request('$/shutdown').catch(() => undefined);
    expect(c.queuedBytes).to.be.greaterThan(0);
    while (c.queuedBytes > 0 || release) {
      const r = release;
      release = undefined;
      r?.();
      await tick();
    }
    const dec = new FrameDecoder();
    const codec = new MsgpackCodec();
    const methods = dec.push(Buffer.concat(written)).map((p) => (codec.decode(p) as { method: string }).method);
    expect(methods).to.deep.equal(['first', '$/shutdown', 'second']);
    c.close();
  });

  it('sends a PartedValue parameter as a placeholder and serves its parts to $/part until the call is answered', async () => {
    const codec = new MsgpackCodec();
    const parted = new PartedValue([new PreEncoded(codec.encode([1, 2])), new PreEncoded(codec.encode([3]))]);
    const call = conn.request('process_writes', { table_batches: parted, args: null });
    const req = await peer.next((m) => m.method === 'process_writes');
    expect(req.params).to.deep.equal({ table_batches: { $parts: 2 }, args: null });
    for (const [index, items] of [[0, [1, 2]], [1, [3]]] as const) {
      peer.send({ type: 'request', id: 50 + index, method: '$/part', params: { call_id: req.id, key: 'table_batches', index } });
      const answer = await peer.next((m) => m.type === 'response' && m.id === 50 + index);
      expect(answer.result).to.deep.equal({ items });
    }
    peer.send({ type: 'request', id: 60, method: '$/part', params: { call_id: req.id, key: 'table_batches', index: 2 } });
    expect((await peer.next((m) => m.id === 60 && m.type === 'response')).error.type).to.equal('InvalidParams');
    peer.send({ type: 'response', id: req.id, result: {} });
    await call;
    peer.send({ type: 'request', id: 61, method: '$/part', params: { call_id: req.id, key: 'table_batches', index: 0 } });
    const late = await peer.next((m) => m.id === 61 && m.type === 'response');
    expect(late.error.message).to.match(/no parted parameter table_batches/);
  });
});
