// A batch repeats a few series and names thousands of times. Handing out one object per distinct
// series or name saves the parse work and an allocation per occurrence, and keeps the result (and the
// GC work on it) small. Both tables are direct-mapped and live for one parse call: a collision just
// replaces the slot, so they never grow or leak between requests.

// FNV-1a over UTF-16 units; the scanner hashes while it scans so no extra pass is needed.
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

const MAX_INTERNED_NAME = 40;

function tableSize(bodyLength: number): number {
  let size = 64;
  while (size < 4096 && size * 16 < bodyLength) size *= 2;
  return size;
}

function sameText(s: string, a: number, b: number, len: number): boolean {
  let k = len - 1; // names and series differ most often near their end (server01, server02...)
  while (k >= 0 && s.charCodeAt(a + k) === s.charCodeAt(b + k)) k--;
  return k < 0;
}

// Interns names (measurement, tag keys and values, field keys) read from the body.
export class NameTable {
  private readonly slots: Array<string | null>;
  private readonly mask: number;

  constructor(bodyLength: number) {
    const size = tableSize(bodyLength);
    this.slots = new Array<string | null>(size).fill(null);
    this.mask = size - 1;
  }

  // Returns s.slice(from, to), reusing an equal string handed out before when there is one.
  get(s: string, from: number, to: number, hash: number): string {
    const len = to - from;
    if (len > MAX_INTERNED_NAME) return s.slice(from, to);
    const slot = (hash ^ (hash >>> 15)) & this.mask;
    const cand = this.slots[slot];
    if (cand != null && cand.length === len) {
      let k = len - 1;
      while (k >= 0 && cand.charCodeAt(k) === s.charCodeAt(from + k)) k--;
      if (k < 0) return cand;
    }
    const value = s.slice(from, to);
    this.slots[slot] = value;
    return value;
  }
}

// A parsed series (measurement and tag set). Shared by every line of the body that writes it
// with the same text, so the tag arrays are frozen: consumers must treat them as read-only.
export interface Series {
  measurement: string;
  tags: Array<[string, string]>;
}

// Remembers where in the body each recent series text was seen, so a repeat is recognised by
// comparing text in place, without slicing it out.
export class SeriesTable {
  private readonly from: Int32Array;
  private readonly to: Int32Array;
  private readonly series: Array<Series | null>;
  private readonly mask: number;

  constructor(bodyLength: number) {
    const size = tableSize(bodyLength);
    this.from = new Int32Array(size);
    this.to = new Int32Array(size);
    this.series = new Array<Series | null>(size).fill(null);
    this.mask = size - 1;
  }

  find(s: string, from: number, to: number, hash: number): Series | null {
    const slot = (hash ^ (hash >>> 15)) & this.mask;
    const hit = this.series[slot];
    if (hit == null) return null;
    const at = this.from[slot]!;
    const len = to - from;
    return this.to[slot]! - at === len && sameText(s, at, from, len) ? hit : null;
  }

  remember(from: number, to: number, hash: number, series: Series): void {
    const slot = (hash ^ (hash >>> 15)) & this.mask;
    this.from[slot] = from;
    this.to[slot] = to;
    this.series[slot] = series;
  }
}
