import { expect } from 'chai';
import fc from 'fast-check';
import { FrameTooLargeError, ProtocolError } from '../../../src/ipc/errors.js';
import { encodeFrame, encodeFrameHeader, sealFrame } from '../../../src/ipc/framing/encode-frame.js';
import { FrameDecoder } from '../../../src/ipc/framing/frame-decoder.js';

const frames = (...payloads: string[]): Buffer => Buffer.concat(payloads.map((p) => encodeFrame(Buffer.from(p))));
const texts = (bufs: Buffer[]): string[] => bufs.map((b) => b.toString());

describe('ipc/framing/frame-decoder', () => {
  it('returns every frame of a chunk, as views of that chunk', () => {
    const chunk = frames('a', 'bc', '', 'def');
    const out = new FrameDecoder().push(chunk);
    expect(texts(out)).to.deep.equal(['a', 'bc', '', 'def']);
    expect(out[0]!.buffer).to.equal(chunk.buffer);
  });

  it('reassembles frames split at every possible byte position', () => {
    const stream = frames('hello', 'x', 'a longer payload than the header');
    for (let cut = 0; cut <= stream.length; cut++) {
      const dec = new FrameDecoder();
      const out = [...dec.push(stream.subarray(0, cut)), ...dec.push(stream.subarray(cut))];
      expect(texts(out), `cut at ${cut}`).to.deep.equal(['hello', 'x', 'a longer payload than the header']);
      expect(dec.bufferedBytes).to.equal(0);
    }
  });

  it('handles one byte at a time and any random chunking', () => {
    const payloads = ['one', '', 'three', 'x'.repeat(1000)];
    const stream = frames(...payloads);
    const dec = new FrameDecoder();
    const out: Buffer[] = [];
    for (const byte of stream) out.push(...dec.push(Buffer.from([byte])));
    expect(texts(out)).to.deep.equal(payloads);

    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 50 }), { maxLength: 20 }), fc.array(fc.nat(60)), (ps, cuts) => {
        const bytes = frames(...ps);
        const d = new FrameDecoder();
        const got: Buffer[] = [];
        let pos = 0;
        for (const c of cuts) {
          got.push(...d.push(bytes.subarray(pos, Math.min(bytes.length, pos + c))));
          pos = Math.min(bytes.length, pos + c);
        }
        got.push(...d.push(bytes.subarray(pos)));
        d.end();
        expect(texts(got)).to.deep.equal(ps);
      }),
    );
  });

  it('fails on the header of an oversized frame without waiting for its payload, and stays failed', () => {
    const dec = new FrameDecoder(16);
    expect(dec.push(encodeFrameHeader(16, 16))).to.deep.equal([]);
    dec.push(Buffer.alloc(16));
    const header = Buffer.alloc(4);
    header.writeUInt32BE(17);
    expect(() => dec.push(header)).to.throw(FrameTooLargeError, 'frame of 17 bytes exceeds the maximum frame size of 16 bytes');
    expect(() => dec.push(frames('ok'))).to.throw(FrameTooLargeError);
    // A split header is checked as soon as its last byte arrives.
    const split = new FrameDecoder(1000);
    split.push(Buffer.from([0xff, 0xff]));
    expect(() => split.push(Buffer.from([0xff, 0xff]))).to.throw(FrameTooLargeError);
  });

  it('reports a stream that ends inside a frame', () => {
    const dec = new FrameDecoder();
    dec.push(frames('complete'));
    dec.end();
    dec.push(frames('partial').subarray(0, 6));
    expect(() => dec.end()).to.throw(ProtocolError, 'stream ended inside a frame');
  });

  it('encoders refuse frames above the cap', () => {
    expect(() => encodeFrame(Buffer.alloc(9), 8)).to.throw(FrameTooLargeError);
    const reserved = Buffer.alloc(4 + 3);
    expect(sealFrame(reserved, 5, 8).readUInt32BE(0)).to.equal(8);
    expect(() => sealFrame(Buffer.alloc(4 + 3), 6, 8)).to.throw(FrameTooLargeError);
  });
});
