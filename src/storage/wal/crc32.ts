import * as zlib from 'node:zlib';

type Crc32Fn = (data: Uint8Array, value?: number) => number;

const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

// Node builds before 20.15 lack zlib.crc32; this gives the same (IEEE, chainable) value there.
export function crc32Fallback(data: Uint8Array, value = 0): number {
  let crc = (value ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) crc = TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const native: Crc32Fn | undefined =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function' ? (zlib as { crc32: Crc32Fn }).crc32 : undefined;

// Records are checksummed on every append and replay, so use the native (much faster) one when Node has it.
export const crc32: Crc32Fn = native ?? crc32Fallback;

// Lets tests and logs tell which implementation is in use.
export const crc32IsNative: boolean = native !== undefined;
