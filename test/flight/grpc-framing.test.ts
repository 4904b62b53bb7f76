import { expect } from 'chai';
import { decodeGrpcMessage, encodeGrpcMessage, frameMessage, MessageDecoder, parseGrpcTimeout } from '../../src/flight/grpc-framing.js';
import { GrpcCode, GrpcError } from '../../src/flight/grpc-status.js';

describe('flight/grpc-framing', () => {
  it('prefixes a message with a zero flag and its big-endian length', () => {
    const framed = frameMessage(Buffer.from('hello'));
    expect([...framed.subarray(0, 5)]).to.deep.equal([0, 0, 0, 0, 5]);
    expect(framed.subarray(5).toString()).to.equal('hello');
    expect([...frameMessage(new Uint8Array(0))]).to.deep.equal([0, 0, 0, 0, 0]);
  });

  it('splits messages however the chunks fall, empty messages included', () => {
    const stream = Buffer.concat([frameMessage(Buffer.from('ab')), frameMessage(new Uint8Array(0)), frameMessage(Buffer.from('xyz'))]);
    const decoder = new MessageDecoder(1024);
    const out: string[] = [];
    for (const byte of stream) out.push(...decoder.push(Buffer.from([byte])).map((b) => b.toString()));
    expect(out).to.deep.equal(['ab', '', 'xyz']);
    expect(decoder.pending()).to.equal(0);
    const whole = new MessageDecoder(1024);
    expect(whole.push(stream).map((b) => b.toString())).to.deep.equal(['ab', '', 'xyz']);
  });

  it('keeps an unfinished message pending', () => {
    const decoder = new MessageDecoder(1024);
    expect(decoder.push(frameMessage(Buffer.from('abcdef')).subarray(0, 7))).to.deep.equal([]);
    expect(decoder.pending()).to.equal(7);
  });

  it('refuses compressed and oversized messages with a status naming the value', () => {
    const compressed = Buffer.from([1, 0, 0, 0, 1, 0]);
    expect(() => new MessageDecoder(10).push(compressed)).to.throw(GrpcError, /compressed gRPC messages are not supported \(flag 1\)/);
    try {
      new MessageDecoder(10).push(frameMessage(Buffer.alloc(11)));
      expect.fail('no error');
    } catch (err) {
      expect(err).to.be.instanceOf(GrpcError);
      expect((err as GrpcError).code).to.equal(GrpcCode.RESOURCE_EXHAUSTED);
      expect((err as GrpcError).message).to.contain('11 bytes');
    }
  });

  it('percent-encodes grpc-message (non-ASCII, control characters and %)', () => {
    expect(encodeGrpcMessage('plain text: ok')).to.equal('plain text: ok');
    expect(encodeGrpcMessage('100% über\nline')).to.equal('100%25 %C3%BCber%0Aline');
    expect(decodeGrpcMessage(encodeGrpcMessage('100% über\nline'))).to.equal('100% über\nline');
  });

  it('parses grpc-timeout into milliseconds and names a bad value', () => {
    expect(parseGrpcTimeout('2S')).to.equal(2000);
    expect(parseGrpcTimeout('150m')).to.equal(150);
    expect(parseGrpcTimeout('1H')).to.equal(3_600_000);
    expect(parseGrpcTimeout('1M')).to.equal(60_000);
    expect(parseGrpcTimeout('5000u')).to.equal(5);
    expect(parseGrpcTimeout('1000000n')).to.equal(1);
    for (const bad of ['', '10', '1s', '123456789S', '-1S']) {
      expect(() => parseGrpcTimeout(bad)).to.throw(GrpcError, `invalid grpc-timeout '${bad}'`);
    }
  });
});
