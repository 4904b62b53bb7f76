// A small msgpack writer for the values plugins receive (WAL rows, query rows).
//
// msgpackr packs an integral JS number (2.0) as an int, so a Float64 field holding 2.0 would reach Python as `2`.
// Here the JS type decides: number → float64 (unless the caller says the column is an integer), bigint → int,
// string → str, boolean → bool, Buffer → bin, null → nil, arrays and plain objects recurse.

const INITIAL_BYTES = 64 * 1024;
const KEY_CACHE_LIMIT = 4096;
const SLOTS = 64;

// How a number is written: as a float (the default) or as an integer (integer-typed query columns).
export type NumberKind = 'float' | 'int';

// Writes msgpack values into one growing buffer; `finish()` hands out the bytes written so far.
export class PluginValueWriter {
  private buf: Buffer;
  private view: DataView;
  private pos = 0;
  private readonly keys = new Map<string, Uint8Array>();
  private readonly slotKeys: Array<string | undefined> = new Array(SLOTS);
  private readonly slotBytes: Array<Uint8Array | undefined> = new Array(SLOTS);

  constructor(initialBytes = INITIAL_BYTES) {
    this.buf = Buffer.allocUnsafe(initialBytes);
    this.view = viewOf(this.buf);
  }

  // Bytes written since the last finish().
  get length(): number {
    return this.pos;
  }

  // The bytes written so far; small results are copied out, large ones keep the buffer (a fresh one replaces it).
  finish(): Buffer {
    let out: Buffer;
    if (this.pos * 4 < this.buf.length) {
      out = Buffer.from(this.buf.subarray(0, this.pos));
    } else {
      out = this.buf.subarray(0, this.pos);
      this.buf = Buffer.allocUnsafe(this.buf.length);
      this.view = viewOf(this.buf);
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
    this.view.setFloat64(this.pos + 1, v);
    this.pos += 9;
  }

  int(v: number | bigint): void {
    if (typeof v === 'bigint') {
      if (v >= -0x8000_0000n && v <= 0xffff_ffffn) v = Number(v);
      else return this.int64(v);
    }
    if (!Number.isSafeInteger(v)) return this.float(v);
    this.ensure(9);
    const b = this.buf;
    if (v >= 0) {
      if (v < 0x80) b[this.pos++] = v;
      else if (v < 0x100) {
        b[this.pos++] = 0xcc;
        b[this.pos++] = v;
      } else if (v < 0x10000) this.u8u16(0xcd, v);
      else if (v <= 0xffff_ffff) this.u8u32(0xce, v);
      else this.int64(BigInt(v));
    } else if (v >= -32) b[this.pos++] = 0x100 + v;
    else if (v >= -0x80) {
      b[this.pos++] = 0xd0;
      b.writeInt8(v, this.pos++);
    } else if (v >= -0x8000) {
      b[this.pos] = 0xd1;
      b.writeInt16BE(v, this.pos + 1);
      this.pos += 3;
    } else if (v >= -0x8000_0000) {
      b[this.pos] = 0xd2;
      b.writeInt32BE(v, this.pos + 1);
      this.pos += 5;
    } else this.int64(BigInt(v));
  }

  private int64(v: bigint): void {
    this.ensure(9);
    if (v >= 0n) {
      if (v > 0xffff_ffff_ffff_ffffn) return this.float(Number(v));
      this.buf[this.pos] = 0xcf;
      this.view.setBigUint64(this.pos + 1, v);
    } else {
      if (v < -0x8000_0000_0000_0000n) return this.float(Number(v));
      this.buf[this.pos] = 0xd3;
      this.view.setBigInt64(this.pos + 1, v);
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

  // Map keys repeat in every row: encode each once; `slot` (the key's position in its map) hits a one-entry cache
  // first, since consecutive rows of a table usually list the same columns in the same order.
  key(s: string, slot = -1): void {
    let enc: Uint8Array | undefined;
    if (slot >= 0 && slot < SLOTS && this.slotKeys[slot] === s) enc = this.slotBytes[slot];
    else {
      enc = this.keys.get(s);
      if (!enc) {
        const w = new PluginValueWriter(64);
        w.str(s);
        enc = w.finish();
        if (this.keys.size < KEY_CACHE_LIMIT) this.keys.set(s, enc);
      }
      if (slot >= 0 && slot < SLOTS) {
        this.slotKeys[slot] = s;
        this.slotBytes[slot] = enc;
      }
    }
    const n = enc!.length;
    this.ensure(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = enc![i]!;
    this.pos = p;
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
    this.view = viewOf(next);
  }
}

function viewOf(b: Buffer): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
