import { FrameTooLargeError } from '../errors.js';
import { ABSOLUTE_MAX_FRAME_BYTES, DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES } from './frame-limits.js';

// A frame must never leave this process if the peer would refuse it; the sender gets the error, not the stream.
export function checkFrameLength(length: number, maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES): void {
  if (length > Math.min(maxFrameBytes, ABSOLUTE_MAX_FRAME_BYTES)) throw new FrameTooLargeError(length, maxFrameBytes);
}

// The 4-byte header alone, for writev-style sends of header + payload without copying the payload.
export function encodeFrameHeader(length: number, maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES): Buffer {
  checkFrameLength(length, maxFrameBytes);
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32BE(length, 0);
  return header;
}

// One whole frame as a single buffer (copies the payload; tests and small messages).
export function encodeFrame(payload: Uint8Array, maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES): Buffer {
  checkFrameLength(payload.length, maxFrameBytes);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

// The zero-copy path: the codec reserved FRAME_HEADER_BYTES in front of the payload and we fill them in.
// `extraPayloadBytes` counts bytes that follow in further buffers (a pre-encoded body).
export function sealFrame(buf: Buffer, extraPayloadBytes = 0, maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES): Buffer {
  const length = buf.length - FRAME_HEADER_BYTES + extraPayloadBytes;
  checkFrameLength(length, maxFrameBytes);
  buf.writeUInt32BE(length, 0);
  return buf;
}
