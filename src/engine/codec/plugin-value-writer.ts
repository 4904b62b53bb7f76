// A small msgpack writer for the values plugins receive (WAL rows, query rows).
//
// msgpackr packs an integral JS number (2.0) as an int, so a Float64 field holding 2.0 would reach Python as `2`.
// Here the JS type decides: number → float64 (unless the caller says the column is an integer), bigint → int,
// string → str, boolean → bool, Buffer → bin, null → nil, arrays and plain objects recurse.

const INITIAL_BYTES = 64 * 1024;
const KEY_CACHE_LIMIT = 4096;

// How a number is written: as a float (the default) or as an integer (integer-typed query columns).
export type NumberKind = 'float' | 'int';

// Writes msgpack values into one growing buffer; `finish()` hands out the bytes written so far.
export class PluginValueWriter {
  private buf: Buffer;
  private pos = 0;
  private readonly keys = new Map<string, Buffer>();

  constructor(initialBytes = INITIAL_BYTES) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  // The bytes written so far; small results are copied out, large ones keep the buffer (a fresh one replaces it).
  finish(): Buffer {
    let out: Buffer;
    if (this.pos * 4 < this.buf.length) {
      out = Buffer.from(this.buf.subarray(0, this.pos));
    } else {
      out = this.buf.subarray(0, this.pos);
      this.buf = Buffer.allocUnsafe(this.buf.length);
    }
    this.pos = 0;
    return out;
  }

  arrayHeader(n: number): void {
    this.ensure(5);
    if (n < 16) this.buf[this.pos++] = 0x90 | n;
    else if (n < 0x10000) this.u8u16(0xdc, n);
    else this.u8u32(0xdd, n);
  }

  mapHeader(n: number): void {
    this.ensure(5);
    if (n < 16) this.buf[this.pos++] = 0x80 | n;
    else if (n < 0x10000) this.u8u16(0xde, n);
    else this.u8u32(0xdf, n);
  }

  nil(): void {
    this.ensure(1);
    this.buf[this.pos++] = 0xc0;
  }

  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 0xc3 : 0xc2;
  }

  float(v: number): void {
    this.ensure(9);
    this.buf[this.pos] = 0xcb;
    this.buf.writeDoubleBE(v, this.pos + 1);
    this.pos += 9;
  }

  int(v: number | bigint): void {
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) return this.float(v);
      if (v >= 0 && v < 128) {
        this.ensure(1);
        this.buf[this.pos++] = v;
        return;
      }
      if (v < 0 && v >= -32) {
        this.ensure(1);
        this.buf[this.pos++] = 0x100 + v;
        return;
      }
      v = BigInt(v);
    }
    this.ensure(9);
    if (v >= 0n) {
      if (v > 0xffff_ffff_ffff_ffffn) return this.float(Number(v));
      this.buf[this.pos] = 0xcf;
      this.buf.writeBigUInt64BE(v, this.pos + 1);
    } else {
      if (v < -0x8000_0000_0000_0000n) return this.float(Number(v));
      this.buf[this.pos] = 0xd3;
      this.buf.writeBigInt64BE(v, this.pos + 1);
    }
    this.pos += 9;
  }

  str(s: string): void {
    const n = s.length;
    // ASCII fast path: most tag values and column names.
    if (n < 32) {
      this.ensure(1 + n * 3);
      const start = this.pos;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        this.buf[start + 1 + i] = c;
      }
      if (i === n) {
        this.buf[start] = 0xa0 | n;
        this.pos = start + 1 + n;
        return;
      }
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.ensure(5 + bytes);
    if (bytes < 32) this.buf[this.pos++] = 0xa0 | bytes;
    else if (bytes < 0x100) {
      this.buf[this.pos++] = 0xd9;
      this.buf[this.pos++] = bytes;
    } else if (bytes < 0x10000) this.u8u16(0xda, bytes);
    else this.u8u32(0xdb, bytes);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  // Map keys repeat in every row: encode each once.
  key(s: string): void {
    let enc = this.keys.get(s);
    if (!enc) {
      const w = new PluginValueWriter(64);
      w.str(s);
      enc = w.finish();
      if (this.keys.size < KEY_CACHE_LIMIT) this.keys.set(s, enc);
    }
    this.raw(enc);
  }

  bin(b: Uint8Array): void {
    const n = b.length;
    this.ensure(5 + n);
    if (n < 0x100) {
      this.buf[this.pos++] = 0xc4;
      this.buf[this.pos++] = n;
    } else if (n < 0x10000) this.u8u16(0xc5, n);
    else this.u8u32(0xc6, n);
    this.buf.set(b, this.pos);
    this.pos += n;
  }

  // Bytes that already are one msgpack value.
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  value(v: unknown, numbers: NumberKind = 'float'): void {
    switch (typeof v) {
      case 'string':
        return this.str(v);
      case 'number':
        return numbers === 'int' && Number.isInteger(v) ? this.int(v) : this.float(v);
      case 'bigint':
        return this.int(v);
      case 'boolean':
        return this.bool(v);
      case 'undefined':
        return this.nil();
      default:
        break;
    }
    if (v === null) return this.nil();
    if (Buffer.isBuffer(v) || v instanceof Uint8Array) return this.bin(v);
    if (Array.isArray(v)) {
      this.arrayHeader(v.length);
      for (const x of v) this.value(x, numbers);
      return;
    }
    if (v instanceof Map) {
      this.mapHeader(v.size);
      for (const [k, x] of v) {
        this.key(String(k));
        this.value(x, numbers);
      }
      return;
    }
    if (v instanceof Date) return this.str(v.toISOString());
    if (typeof v === 'object') {
      const keys = Object.keys(v);
      this.mapHeader(keys.length);
      for (const k of keys) {
        this.key(k);
        this.value((v as Record<string, unknown>)[k], numbers);
      }
      return;
    }
    this.str(String(v));
  }

  private u8u16(tag: number, n: number): void {
    this.buf[this.pos] = tag;
    this.buf.writeUInt16BE(n, this.pos + 1);
    this.pos += 3;
  }

  private u8u32(tag: number, n: number): void {
    this.buf[this.pos] = tag;
    this.buf.writeUInt32BE(n, this.pos + 1);
    this.pos += 5;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}
