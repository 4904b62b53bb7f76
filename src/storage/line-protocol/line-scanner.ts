import type { Field, ParsedLine } from '../types.js';
import { LineFailure, fieldValueFailure, shown } from './errors.js';
import { unescapeName } from './escapes.js';
import { readFieldValue, readTimestamp, type Cursor } from './field-values.js';

const COMMA = 44;
const SPACE = 32;
const EQUALS = 61;
const BACKSLASH = 92;
const TAB = 9;
const LINEAR_LOOKUP_MAX = 32;
const MAX_SERIES = 8192;
const MAX_NAMES = 8192;

// A parsed series (measurement and tag set), shared by every line of the body that writes it with
// the same text; its tag arrays are frozen, so consumers must treat them as read-only.
interface Series {
  measurement: string;
  tags: Array<[string, string]>;
  // The field keys of the last line of this series that passed the tag/field name clash check.
  clashFree: string[] | null;
}

const noFields = (): LineFailure => new LineFailure('No fields were provided');

// Reads one logical line in a single pass over char codes; slices names unless they contain escapes.
export class LineScanner implements Cursor {
  src = '';
  pos = 0;
  end = 0;
  nl = 0;
  multiline = false;
  lineNumber = 0;
  lineStart = 0;
  tsHi = -1;
  tsHiBig = 0n;
  private nextSpace = -1; // index of the next space at or after the current line, or src.length
  private nextBackslash = -1; // same for the next backslash
  private fieldIndex: Map<string, number> | null = null;
  private readonly names = new Map<string, string>();
  private readonly seriesTable = new Map<string, Series>();
  private readonly tagScratch: Array<[string, string]> = [];
  // The fields of the current line are the first fieldCount entries (the array is never shortened).
  private readonly fieldScratch: Field[] = [];
  private fieldCount = 0;
  private readonly lastFieldKeys: string[] = [];
  // What scan() read besides the fields.
  measurement = '';
  tags: Array<[string, string]> = [];
  timestamp: bigint | null = null;

  // One scanner per body: the series and name tables live as long as the parse call.
  constructor(src: string) {
    this.src = src;
  }

  // Positions the scanner on a physical line: content runs [contentStart, end), the line's `\n` is at nl.
  begin(lineStart: number, contentStart: number, end: number, nl: number, lineNumber: number): void {
    this.lineStart = lineStart;
    this.pos = contentStart;
    this.end = end;
    this.nl = nl;
    this.lineNumber = lineNumber;
    this.multiline = false;
    this.fieldIndex = null;
  }

  // Throws LineFailure on the first problem; on success cur.nl is where the logical line ended.
  parse(): ParsedLine {
    const fields = this.scan();
    return { measurement: this.measurement, tags: this.tags, fields, timestamp: this.timestamp };
  }

  // parse() without the line object: the fields are returned, the rest is left in measurement, tags and timestamp.
  scan(): Field[] {
    const s = this.src;
    const series = this.readSeries();
    const { measurement, tags } = series;
    const c = this.pos < this.end ? s.charCodeAt(this.pos) : -1;
    if (c !== SPACE) throw noFields();
    this.skipSpaces();
    if (this.pos >= this.end) throw noFields();

    this.fieldCount = 0;
    for (let index = 0; ; index++) {
      const keyAt = this.pos;
      const key = this.readFieldKey(index);
      if (key.length === 0) {
        throw new LineFailure(`missing field key at column ${keyAt - this.lineStart + 1}`);
      }
      if (this.pos >= this.end || s.charCodeAt(this.pos) !== EQUALS) {
        throw fieldValueFailure(key, this.lineNumber, "missing '=' and value");
      }
      this.pos++;
      const field = readFieldValue(this, key);
      if (key === 'time') throw new LineFailure("invalid column name time: the field key 'time' is reserved for the timestamp");
      this.addField(field);
      if (this.pos < this.end && s.charCodeAt(this.pos) === COMMA) {
        this.pos++;
        continue;
      }
      break;
    }
    // Exact-size copy: the scratch array keeps its capacity for the next line.
    const fields = this.fieldScratch.slice(0, this.fieldCount);
    if (tags.length > 0 && !sameKeys(series.clashFree, fields)) {
      checkNoClash(tags, fields);
      series.clashFree = fields.map((f) => f.key);
    }

    let timestamp: bigint | null = null;
    if (this.pos < this.end) {
      // readFieldValue only stops at a comma, a space or the end, so this is a space.
      this.skipSpaces();
      if (this.pos < this.end && s.charCodeAt(this.pos) !== TAB) {
        timestamp = readTimestamp(this);
        this.skipSpaces();
      }
      this.skipTrailingBlanks();
      if (this.pos < this.end) {
        throw new LineFailure(`could not parse entire line: found trailing content '${shown(s.slice(this.pos, this.end))}'`);
      }
    }
    this.measurement = measurement;
    this.tags = tags;
    this.timestamp = timestamp;
    return fields;
  }

  // The series is everything before the first unescaped space. Without a backslash in it, its text is
  // looked up whole; only a series not seen earlier in this body is parsed name by name.
  // The next space and backslash are found natively and remembered, so each search is amortised
  // over the body instead of repeated per line.
  private readSeries(): Series {
    const s = this.src;
    const end = this.end;
    const from = this.pos;
    if (this.nextSpace < from) {
      this.nextSpace = s.indexOf(' ', from);
      if (this.nextSpace === -1) this.nextSpace = s.length;
    }
    const stop = this.nextSpace < end ? this.nextSpace : end;
    if (this.nextBackslash < from) {
      this.nextBackslash = s.indexOf('\\', from);
      if (this.nextBackslash === -1) this.nextBackslash = s.length;
    }
    if (this.nextBackslash < stop) return this.parseSeries(); // escapes: no caching, exact rules apply
    // V8 hashes and compares the sliced key natively, far faster than a char loop in JS.
    const text = s.slice(from, stop);
    const known = this.seriesTable.get(text);
    if (known !== undefined) {
      this.pos = stop;
      return known;
    }
    const series = this.parseSeries();
    // Without escapes a successful parse stops at the same space, so `text` is the series text.
    if (this.seriesTable.size >= MAX_SERIES) this.seriesTable.clear();
    this.seriesTable.set(text, series);
    return series;
  }

  private parseSeries(): Series {
    const s = this.src;
    const measurement = this.readName(COMMA, SPACE, false);
    if (measurement.length === 0) {
      throw new LineFailure('invalid measurement was provided: the measurement name is empty');
    }
    const tags = this.tagScratch;
    tags.length = 0;
    let c = this.pos < this.end ? s.charCodeAt(this.pos) : -1;
    while (c === COMMA) {
      this.pos++;
      const keyAt = this.pos;
      const key = this.readName(EQUALS, SPACE, true);
      if (key.length === 0) {
        throw new LineFailure(`missing tag key at column ${keyAt - this.lineStart + 1} (after '${shown(measurement)}' or a comma)`);
      }
      if (this.pos >= this.end || s.charCodeAt(this.pos) !== EQUALS) {
        throw new LineFailure(`missing tag value for tag '${shown(key)}': expected '=' and a value`);
      }
      this.pos++;
      const value = this.readName(COMMA, SPACE, true);
      if (value.length === 0) throw new LineFailure(`missing tag value for tag '${shown(key)}'`);
      if (key === 'time') throw new LineFailure("invalid column name time: the tag key 'time' is reserved for the timestamp");
      addTag(tags, key, value);
      c = this.pos < this.end ? s.charCodeAt(this.pos) : -1;
    }
    const shared = tags.slice();
    for (const tag of shared) Object.freeze(tag);
    return { measurement, tags: Object.freeze(shared) as Array<[string, string]>, clashFree: null };
  }

  // Names stop at an unescaped stop character; a backslash escapes the next character, but only
  // `,` ` ` `\` (and `=` outside measurements) lose it. A tab ends nothing and is refused.
  private readName(stopA: number, stopB: number, equalsIsEscape: boolean): string {
    const s = this.src;
    const end = this.end;
    const from = this.pos;
    let i = from;
    let escaped = false;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c === stopA || c === stopB) break;
      if (c === BACKSLASH) {
        if (i + 1 >= end) {
          throw new LineFailure(
            `measurements, tag keys and values, and field keys may not end with a backslash: '${shown(s.slice(from, end))}'`,
          );
        }
        if (s.charCodeAt(i + 1) === TAB) this.failTab(i + 1);
        escaped = true;
        i += 2;
        continue;
      }
      if (c === TAB) this.failTab(i);
      i++;
    }
    this.pos = i;
    if (escaped) return unescapeName(s, from, i, equalsIsEscape);
    const name = s.slice(from, i);
    const known = this.names.get(name);
    if (known !== undefined) return known;
    if (this.names.size >= MAX_NAMES) this.names.clear();
    this.names.set(name, name);
    return name;
  }

  // Lines of a batch usually repeat the previous line's field keys in the same order: compare the
  // key in place with the one at the same position last time before slicing and interning it.
  private readFieldKey(index: number): string {
    const s = this.src;
    const from = this.pos;
    const prev = index < this.lastFieldKeys.length ? this.lastFieldKeys[index]! : '';
    const len = prev.length;
    if (len > 0 && from + len < this.end) {
      const after = s.charCodeAt(from + len);
      if (after === EQUALS) {
        let k = 0;
        while (k < len && prev.charCodeAt(k) === s.charCodeAt(from + k)) k++;
        if (k === len && s.charCodeAt(from + len - 1) !== BACKSLASH) {
          this.pos = from + len;
          return prev;
        }
      }
    }
    const key = this.readName(EQUALS, SPACE, true);
    this.lastFieldKeys[index] = this.pos - from === key.length ? key : ''; // only unescaped keys are reused
    return key;
  }

  private failTab(at: number): never {
    throw new LineFailure(
      `unexpected tab character at column ${at - this.lineStart + 1}: separate sections with spaces, and names cannot contain tabs`,
    );
  }

  private skipSpaces(): void {
    const s = this.src;
    while (this.pos < this.end && s.charCodeAt(this.pos) === SPACE) this.pos++;
  }

  private skipTrailingBlanks(): void {
    const s = this.src;
    let i = this.pos;
    while (i < this.end && (s.charCodeAt(i) === SPACE || s.charCodeAt(i) === TAB)) i++;
    if (i === this.end) this.pos = i;
  }

  // Duplicate field keys: the last value (and type) wins, keeping the first occurrence's position.
  private addField(field: Field): void {
    const fields = this.fieldScratch;
    const n = this.fieldCount;
    if (n < LINEAR_LOOKUP_MAX) {
      for (let j = 0; j < n; j++) {
        if (fields[j]!.key === field.key) {
          fields[j] = field;
          return;
        }
      }
      fields[n] = field;
      this.fieldCount = n + 1;
      return;
    }
    let index = this.fieldIndex;
    if (index === null) {
      index = new Map();
      for (let j = 0; j < n; j++) index.set(fields[j]!.key, j);
      this.fieldIndex = index;
    }
    const at = index.get(field.key);
    if (at === undefined) {
      index.set(field.key, n);
      fields[n] = field;
      this.fieldCount = n + 1;
    } else {
      fields[at] = field;
    }
  }
}

// Duplicate tag keys: the last value wins, keeping the first occurrence's position (InfluxDB 3's
// v1-model parser does not reject them either). Tag sets are small, so a linear scan is enough.
function addTag(tags: Array<[string, string]>, key: string, value: string): void {
  for (let j = 0; j < tags.length; j++) {
    if (tags[j]![0] === key) {
      tags[j] = [key, value];
      return;
    }
  }
  tags.push([key, value]);
}

// Whether a line's fields have exactly these keys, in this order.
function sameKeys(keys: string[] | null, fields: Field[]): boolean {
  if (keys === null || keys.length !== fields.length) return false;
  for (let i = 0; i < keys.length; i++) if (keys[i] !== fields[i]!.key) return false;
  return true;
}

// Tags and fields become columns of one table, so one name cannot be both.
function checkNoClash(tags: Array<[string, string]>, fields: Field[]): void {
  const nt = tags.length;
  const nf = fields.length;
  if (nt * nf <= 256) {
    for (let i = 0; i < nf; i++) {
      const key = fields[i]!.key;
      for (let j = 0; j < nt; j++) if (tags[j]![0] === key) throw clash(key);
    }
    return;
  }
  const names = new Set(tags.map((t) => t[0]));
  for (const f of fields) if (names.has(f.key)) throw clash(f.key);
}

const clash = (name: string): LineFailure =>
  new LineFailure(`invalid column name '${shown(name)}': it is used as both a tag key and a field key`);
