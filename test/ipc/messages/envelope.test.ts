import { expect } from 'chai';
import { MsgpackCodec } from '../../../src/ipc/codec/msgpack-codec.js';
import { ProtocolError } from '../../../src/ipc/errors.js';
import { parseHello, parsePingResult } from '../../../src/ipc/protocol/chores.js';
import {
  encodeMessage,
  errorResponse,
  fromWire,
  notificationMessage,
  requestMessage,
  resultResponse,
} from '../../../src/ipc/messages/envelope.js';

describe('ipc/messages/envelope', () => {
  const codec = new MsgpackCodec();
  const wire = (msg: Parameters<typeof encodeMessage>[1]): unknown => {
    const { head, rest } = encodeMessage(codec, msg);
    return codec.decode(Buffer.concat([head, ...rest]));
  };

  it('writes the envelopes of design.md', () => {
    expect(wire(requestMessage(1, 'process_writes', { a: 1 }))).to.deep.equal({
      type: 'request', id: 1, method: 'process_writes', params: { a: 1 },
    });
    expect(wire(resultResponse(2, undefined))).to.deep.equal({ type: 'response', id: 2, result: null });
    expect(wire(errorResponse(3, { type: 'ValueError', message: 'bad', traceback: null, extra: { phase: 'call' } })))
      .to.deep.equal({ type: 'response', id: 3, error: { phase: 'call', type: 'ValueError', message: 'bad', traceback: null } });
    expect(wire(notificationMessage('$/hello', { pid: 1 }))).to.deep.equal({
      type: 'notification', method: '$/hello', params: { pid: 1 },
    });
  });

  it('splices pre-encoded params and results', () => {
    const batch = codec.preEncode({ table: 'cpu', rows: [{ usage: 1.5, time: 1_700_000_000_000_000_000n }] });
    expect(wire(requestMessage(9, 'process_writes', batch))).to.deep.equal(wire(requestMessage(9, 'process_writes', {
      table: 'cpu', rows: [{ usage: 1.5, time: 1_700_000_000_000_000_000n }],
    })));
    expect(wire(resultResponse(4, codec.preEncode([1, 2])))).to.deep.equal({ type: 'response', id: 4, result: [1, 2] });
  });

  it('splices pre-encoded values of the params map, so per-call fields can sit beside a shared batch', () => {
    const batch = codec.preEncode([{ table_name: 'cpu', rows: [{ usage: 1.5 }] }]);
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i === 0 || i === 19 ? codec.preEncode(i) : i]));
    const { head, rest } = encodeMessage(codec, requestMessage(3, 'process_writes', { table_batches: batch, args: { a: '1' }, db: 'x' }));
    expect(rest).to.include(batch.bytes);
    expect(codec.decode(Buffer.concat([head, ...rest]))).to.deep.equal({
      type: 'request', id: 3, method: 'process_writes',
      params: { table_batches: [{ table_name: 'cpu', rows: [{ usage: 1.5 }] }], args: { a: '1' }, db: 'x' },
    });
    expect(wire(requestMessage(4, 'm', many))).to.deep.include({
      params: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])),
    });
    expect(wire(requestMessage(5, 'm', { only: codec.preEncode('x') }))).to.deep.include({ params: { only: 'x' } });
  });

  it('reads envelopes and keeps extra error fields', () => {
    expect(fromWire({ type: 'request', id: 5, method: 'query' })).to.deep.equal(requestMessage(5, 'query', {}));
    expect(fromWire({ type: 'response', id: 5, error: { type: 'KeyError', message: "KeyError: 'x'", traceback: 'tb', phase: 'load' } }))
      .to.deep.equal(errorResponse(5, { type: 'KeyError', message: "KeyError: 'x'", traceback: 'tb', extra: { phase: 'load' } }));
    expect(fromWire({ type: 'response', id: 6, error: 'boom' })).to.deep.include({ error: { type: 'Error', message: 'boom', traceback: null, extra: {} } });
    expect(fromWire({ type: 'response', id: 6, error: null, result: 3 })).to.deep.equal(resultResponse(6, 3));
  });

  it('rejects anything that is not an envelope', () => {
    for (const bad of [[1], 'x', null, Buffer.from('x'), { type: 'nope' }, { type: 'request', method: 'm' },
      { type: 'request', id: -1, method: 'm' }, { type: 'request', id: 1.5, method: 'm' }, { type: 'request', id: 1 },
      { type: 'notification' }, { type: 'response', id: '1' }]) {
      expect(() => fromWire(bad), JSON.stringify(bad)).to.throw(ProtocolError);
    }
  });

  it('parses chore payloads from snake_case', () => {
    expect(parseHello({ pid: 7, python_version: '3.11.2', runner_version: '0.1.0', protocol_version: 1, max_frame_bytes: 64 }))
      .to.deep.equal({ pid: 7, pythonVersion: '3.11.2', runnerVersion: '0.1.0', protocolVersion: 1, maxFrameBytes: 64 });
    expect(parsePingResult({ busy: true, call_id: 3, queued: 2 })).to.deep.equal({ busy: true, callId: 3, queued: 2 });
  });
});
