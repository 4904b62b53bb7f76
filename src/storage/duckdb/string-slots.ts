// DuckDB's string_t is 16 bytes: a uint32 length, then up to 12 bytes inline (longer ones need DuckDB's heap).
export const STRING_SLOT = 16;
const INLINE_MAX = 12;
const CACHE_LIMIT = 4096;
const encoder = new TextEncoder();
const scratch = new Uint8Array(STRING_SLOT + INLINE_MAX * 3);
const scratchWords = new Uint32Array(scratch.buffer, 0, 4);

/**
 * Encodes strings into a vector's string_t slots. Short strings (tag values, mostly) are inlined
 * straight into the buffer, from a cache of their 16-byte images; longer ones are queued on `long`
 * for DuckDB to copy into its string heap.
 */
export class StringSlots {
  readonly bytes: Uint8Array;
  private readonly words: Uint32Array;
  private readonly cache = new Map<string, Uint32Array | null>();

  constructor(buffer: ArrayBuffer) {
    this.bytes = new Uint8Array(buffer);
    this.words = new Uint32Array(buffer);
  }

  put(slot: number, s: string, long: Array<number | string>): void {
    const w = slot << 2;
    const words = this.words;
    let image = this.cache.get(s);
    if (image === undefined) {
      image = encodeInline(s);
      if (this.cache.size < CACHE_LIMIT) this.cache.set(s, image);
    }
    if (image === null) {
      words[w] = 0;
      words[w + 1] = 0;
      words[w + 2] = 0;
      words[w + 3] = 0;
      long.push(slot, s);
      return;
    }
    words[w] = image[0]!;
    words[w + 1] = image[1]!;
    words[w + 2] = image[2]!;
    words[w + 3] = image[3]!;
  }
}

// The 16-byte string_t image of an inlinable string, or null when it needs DuckDB's heap.
function encodeInline(s: string): Uint32Array | null {
  if (s.length > INLINE_MAX) return null;
  scratch.fill(0);
  const { written } = encoder.encodeInto(s, scratch.subarray(4));
  if (written > INLINE_MAX) return null;
  scratchWords[0] = written;
  return scratchWords.slice();
}
