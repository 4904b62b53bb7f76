import { GrpcCode, GrpcError } from './grpc-status.js';

// gRPC's Length-Prefixed-Message (grpc/doc/PROTOCOL-HTTP2.md): a compressed flag byte, a big-endian uint32 length,
// then the message.
export function frameMessage(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

// Splits the request body into messages as the chunks arrive; a message over `maxBytes` or a compressed one (no
// grpc-encoding is negotiated) is refused.
export class MessageDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const out: Buffer[] = [];
    while (this.buffered.length >= 5) {
      const compressed = this.buffered[0]!;
      const length = this.buffered.readUInt32BE(1);
      if (compressed !== 0) throw new GrpcError(GrpcCode.UNIMPLEMENTED, `compressed gRPC messages are not supported (flag ${compressed}); send them uncompressed`);
      if (length > this.maxBytes) throw new GrpcError(GrpcCode.RESOURCE_EXHAUSTED, `gRPC message of ${length} bytes is larger than the limit of ${this.maxBytes}`);
      if (this.buffered.length < 5 + length) break;
      out.push(this.buffered.subarray(5, 5 + length));
      this.buffered = this.buffered.subarray(5 + length);
    }
    return out;
  }

  // Bytes of an unfinished message left when the request ended.
  pending(): number {
    return this.buffered.length;
  }
}

// grpc-message is percent-encoded: bytes outside printable ASCII, and '%' itself.
export function encodeGrpcMessage(message: string): string {
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function decodeGrpcMessage(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

const TIMEOUT_UNITS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

// `grpc-timeout`: at most 8 digits and a unit (H, M, S, m, u, n); milliseconds, or a clear error naming the value.
export function parseGrpcTimeout(value: string): number {
  const m = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (!m) throw new GrpcError(GrpcCode.INVALID_ARGUMENT, `invalid grpc-timeout '${value}': expected up to 8 digits and a unit (H, M, S, m, u, n)`);
  return Number(m[1]) * TIMEOUT_UNITS[m[2]!]!;
}
