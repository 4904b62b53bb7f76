import { expect } from 'chai';
import { MsgpackCodec } from '../../../src/ipc/codec/msgpack-codec.js';
import { ProtocolError } from '../../../src/ipc/errors.js';

describe('ipc/codec/msgpack-codec', () => {
  const codec = new MsgpackCodec();

  it('round-trips int64 values beyond 2^53 as bigint and small ones as numbers', () => {
    const value = { ns: 1_700_000_000_123_456_789n, neg: -(2n ** 60n), max: 2n ** 64n - 1n, small: 5n, n: 42, f: 1.5 };
    const back = codec.decode(codec.encode(value)) as Record<string, unknown>;
    expect(back).to.deep.equal({ ns: 1_700_000_000_123_456_789n, neg: -(2n ** 60n), max: 2n ** 64n - 1n, small: 5, n: 42, f: 1.5 });
    // Encoded as msgpack int64, which Python's msgpack reads as int.
    expect(codec.encode(2n ** 60n)[0]).to.equal(0xd3);
  });

  it('sends Buffers as bin and decodes bin to Buffer', () => {
    const bytes = codec.encode(Buffer.from([1, 2, 3]));
    expect([...bytes]).to.deep.equal([0xc4, 3, 1, 2, 3]);
    const back = codec.decode(codec.encode({ body: Buffer.from('héllo') })) as { body: Buffer };
    expect(Buffer.isBuffer(back.body)).to.equal(true);
    expect(back.body.toString()).to.equal('héllo');
  });

  it('writes plain msgpack maps (no records) and undefined as nil', () => {
    const bytes = codec.encode({ a: undefined, b: [null] });
    expect(bytes.includes(0x72)).to.equal(false);
    expect(bytes[0]! & 0xf0).to.be.oneOf([0x80, 0xd0]);
    expect(codec.decode(bytes)).to.deep.equal({ a: null, b: [null] });
  });

  it('reserves headroom in front of the encoding', () => {
    const withRoom = codec.encode({ x: 1 }, 4);
    expect(withRoom.subarray(4)).to.deep.equal(codec.encode({ x: 1 }));
  });

  it('splices a pre-encoded value after a map prefix', () => {
    const raw = codec.preEncode({ rows: [1, 2n ** 60n] });
    const prefix = codec.encodeMapPrefix(['type', 'request', 'id', 7, 'params']);
    expect(codec.decode(Buffer.concat([prefix, raw.bytes]))).to.deep.equal({
      type: 'request',
      id: 7,
      params: { rows: [1, 2n ** 60n] },
    });
  });

  it('turns undecodable bytes into a ProtocolError', () => {
    expect(() => codec.decode(Buffer.from([0x92, 0x01]))).to.throw(ProtocolError, 'undecodable frame');
    expect(() => codec.decode(Buffer.concat([codec.encode(1), codec.encode(2)]))).to.throw(ProtocolError);
  });
});
