import { Packr, RESERVE_START_SPACE, type Options } from 'msgpackr';
import { errorMessage } from '../../shared/app-error.js';
import { ProtocolError } from '../errors.js';

// A value encoded once and spliced into many frames as-is (one WAL flush handed to every trigger of a database).
export class PreEncoded {
  constructor(readonly bytes: Buffer) {}
}

// A list too large for one frame, sent as consecutive slices (each a PreEncoded msgpack array): as a request's
// parameter it travels as `{"$parts": n}` and the peer fetches slice i with `$/part` (python-runner/PROTOCOL.md).
export class PartedValue {
  constructor(readonly parts: readonly PreEncoded[]) {}

  get byteLength(): number {
    return this.parts.reduce((n, p) => n + p.bytes.length, 0);
  }
}

// msgpack as python-runner's `msgpack` package reads and writes it; the one place that knows the type mapping.
//
// Host → child: string → str, Buffer/Uint8Array → bin → bytes, bigint → int64/uint64 → int, number that is an int32
// or uint32 → int, any other number → float64 (so an integer above 2^32 must be a bigint to arrive as a Python int),
// undefined/null → nil → None, Date → timestamp ext → msgpack.Timestamp, Map/object → map, array → array.
// Child → host: int within ±2^53 → number, beyond → bigint (msgpackr's int64AsType 'auto'), bytes → Buffer (a view
// of the frame, not a copy), str → string, map → plain object (non-string keys become strings), None → null.
// Records (msgpackr's extension 0x72) are off, so every frame is plain msgpack.
export class MsgpackCodec {
  private readonly packr: Packr;

  constructor() {
    const options: Options = {
      useRecords: false,
      mapsAsObjects: true,
      encodeUndefinedAsNil: true,
      // 'auto' is supported by msgpackr at runtime but missing from its type union.
      int64AsType: 'auto' as Options['int64AsType'],
    };
    this.packr = new Packr(options);
  }

  // `headroom` bytes are reserved (uninitialised) in front of the encoding, for a frame header.
  encode(value: unknown, headroom = 0): Buffer {
    return headroom > 0 ? this.packr.pack(value, RESERVE_START_SPACE | headroom) : this.packr.pack(value);
  }

  decode(payload: Uint8Array): unknown {
    try {
      return this.packr.unpack(payload);
    } catch (err) {
      throw new ProtocolError(`undecodable frame of ${payload.length} bytes: ${errorMessage(err)}`, undefined, err);
    }
  }

  preEncode(value: unknown): PreEncoded {
    // msgpackr never writes over a buffer it returned, so no copy is needed.
    return new PreEncoded(this.packr.pack(value));
  }

  // Encodes the map {k1: v1, …, lastKey: <raw>} except the raw value itself, which the caller sends right after.
  // `pairs` is [k1, v1, …, lastKey]. msgpack arrays and maps share their element encoding, so an array of the
  // pairs with its header byte swapped for a fixmap header is exactly the map's prefix.
  encodeMapPrefix(pairs: unknown[], headroom = 0): Buffer {
    const entries = (pairs.length + 1) / 2;
    if (pairs.length >= 15 || !Number.isInteger(entries)) {
      throw new RangeError(`encodeMapPrefix takes an odd number (< 15) of keys and values, got ${pairs.length}`);
    }
    const buf = this.encode(pairs, headroom);
    buf[headroom] = 0x80 | entries;
    return buf;
  }

  // Encodes a map whose direct values may be PreEncoded, as buffers to send back to back (writev, no copy of the
  // pre-encoded bytes). Runs of ordinary entries are packed as one array whose header is dropped.
  encodeMapParts(map: Record<string, unknown>): Buffer[] {
    const keys = Object.keys(map);
    const parts: Buffer[] = [mapHeader(keys.length)];
    let run: unknown[] = [];
    const flush = (): void => {
      if (run.length === 0) return;
      const packed = this.packr.pack(run);
      parts.push(packed.subarray(arrayHeaderLength(packed[0]!)));
      run = [];
    };
    for (const key of keys) {
      const value = map[key];
      run.push(key);
      if (value instanceof PreEncoded) {
        flush();
        parts.push(value.bytes);
      } else {
        run.push(value);
      }
    }
    flush();
    return parts;
  }
}

// True when a map has a PreEncoded value at its first level (the only place one is spliced).
export function hasPreEncodedValue(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) if ((value as Record<string, unknown>)[key] instanceof PreEncoded) return true;
  return false;
}

function mapHeader(n: number): Buffer {
  if (n < 16) return Buffer.from([0x80 | n]);
  if (n < 0x10000) return Buffer.from([0xde, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = 0xdf;
  b.writeUInt32BE(n, 1);
  return b;
}

function arrayHeaderLength(first: number): number {
  if ((first & 0xf0) === 0x90) return 1;
  return first === 0xdc ? 3 : 5;
}
