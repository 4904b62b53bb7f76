import { FrameTooLargeError, ProtocolError } from '../errors.js';
import { ABSOLUTE_MAX_FRAME_BYTES, DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES } from './frame-limits.js';

// Turns an arbitrary chunking of the byte stream back into whole payloads, without waiting or over-allocating.
//
// Payloads that lie wholly inside one chunk are returned as views of that chunk (no copy); a payload split across
// chunks is copied once into a buffer of its exact size, allocated only after its length passed the cap. Returned
// buffers are never written again by the decoder. After a cap violation the decoder stays failed.
export class FrameDecoder {
  readonly maxFrameBytes: number;
  private readonly header = Buffer.alloc(FRAME_HEADER_BYTES);
  private headerFilled = 0;
  private partial: Buffer | null = null;
  private partialFilled = 0;
  private failure: ProtocolError | null = null;

  constructor(maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 0 || maxFrameBytes > ABSOLUTE_MAX_FRAME_BYTES) {
      throw new RangeError(`maxFrameBytes must be an integer in 0..${ABSOLUTE_MAX_FRAME_BYTES}, got ${maxFrameBytes}`);
    }
    this.maxFrameBytes = maxFrameBytes;
  }

  // Bytes of an unfinished frame currently held (header and payload).
  get bufferedBytes(): number {
    return this.headerFilled + this.partialFilled;
  }

  // Feeds one chunk; returns the payloads it completed, in order. Throws ProtocolError on a frame above the cap.
  push(chunk: Uint8Array): Buffer[] {
    if (this.failure) throw this.failure;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: Buffer[] = [];
    let pos = 0;
    while (pos < buf.length) {
      if (this.partial) {
        pos = this.fillPartial(buf, pos, out);
        continue;
      }
      if (this.headerFilled === 0 && buf.length - pos >= FRAME_HEADER_BYTES) {
        // Fast path: whole header in this chunk.
        const length = buf.readUInt32BE(pos);
        this.checkLength(length);
        const start = pos + FRAME_HEADER_BYTES;
        if (buf.length - start >= length) {
          out.push(buf.subarray(start, start + length));
          pos = start + length;
        } else {
          this.beginPartial(length);
          pos = start;
        }
        continue;
      }
      // Slow path: the header straddles chunks.
      const take = Math.min(FRAME_HEADER_BYTES - this.headerFilled, buf.length - pos);
      buf.copy(this.header, this.headerFilled, pos, pos + take);
      this.headerFilled += take;
      pos += take;
      if (this.headerFilled === FRAME_HEADER_BYTES) {
        this.headerFilled = 0;
        const length = this.header.readUInt32BE(0);
        this.checkLength(length);
        if (length === 0) out.push(Buffer.alloc(0));
        else this.beginPartial(length);
      }
    }
    return out;
  }

  // Call at end of stream: a stream that stops inside a frame is a protocol error, not a silent loss.
  end(): void {
    if (this.failure) throw this.failure;
    if (this.bufferedBytes > 0) {
      const expected = this.partial ? ` of a ${this.partial.length}-byte payload` : ' of a frame header';
      throw new ProtocolError(`stream ended inside a frame (${this.bufferedBytes} bytes${expected} received)`);
    }
  }

  private checkLength(length: number): void {
    if (length > this.maxFrameBytes) {
      this.failure = new FrameTooLargeError(length, this.maxFrameBytes);
      throw this.failure;
    }
  }

  private beginPartial(length: number): void {
    this.partial = Buffer.allocUnsafe(length);
    this.partialFilled = 0;
  }

  private fillPartial(buf: Buffer, pos: number, out: Buffer[]): number {
    const partial = this.partial!;
    const take = Math.min(partial.length - this.partialFilled, buf.length - pos);
    buf.copy(partial, this.partialFilled, pos, pos + take);
    this.partialFilled += take;
    if (this.partialFilled === partial.length) {
      out.push(partial);
      this.partial = null;
      this.partialFilled = 0;
    }
    return pos + take;
  }
}
