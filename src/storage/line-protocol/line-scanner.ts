import type { Field, ParsedLine } from '../types.js';
import { LineFailure, fieldValueFailure, shown } from './errors.js';
import { unescapeName } from './escapes.js';
import { readFieldValue, readTimestamp, type Cursor } from './field-values.js';
import { FNV_OFFSET, FNV_PRIME, NameTable, SeriesTable, type Series } from './intern-tables.js';

const COMMA = 44;
const SPACE = 32;
const EQUALS = 61;
const BACKSLASH = 92;
const TAB = 9;
const LINEAR_LOOKUP_MAX = 32;

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
  tsFrom = -1; // the previous timestamp token, reused when the next line repeats it
  tsTo = -1;
  tsValue = 0n;
  private fieldIndex: Map<string, number> | null = null;
  private readonly names: NameTable;
  private readonly seriesTable: SeriesTable;
  private readonly tagScratch: Array<[string, string]> = [];
  private readonly fieldScratch: Field[] = [];

  // One scanner per body: the name table is sized to it.
  constructor(src: string) {
    this.src = src;
    this.names = new NameTable(src.length);
    this.seriesTable = new SeriesTable(src.length);
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
    const s = this.src;
    const { measurement, tags } = this.readSeries();
    const c = this.pos < this.end ? s.charCodeAt(this.pos) : -1;
    if (c !== SPACE) throw noFields();
    this.skipSpaces();
    if (this.pos >= this.end) throw noFields();

    const fields = this.fieldScratch;
    fields.length = 0;
    for (;;) {
      const keyAt = this.pos;
      const key = this.readName(EQUALS, SPACE, true);
      if (key.length === 0) {
        throw new LineFailure(`missing field key at column ${keyAt - this.lineStart + 1}`);
      }
      if (this.pos >= this.end || s.charCodeAt(this.pos) !== EQUALS) {
        throw fieldValueFailure(key, this.lineNumber, "missing '=' and value");
      }
      this.pos++;
      const field = readFieldValue(this, key);
      if (key === 'time') throw new LineFailure("invalid column name time: the field key 'time' is reserved for the timestamp");
      this.addField(fields, field);
      if (this.pos < this.end && s.charCodeAt(this.pos) === COMMA) {
        this.pos++;
        continue;
      }
      break;
    }
    if (tags.length > 0) checkNoClash(tags, fields);

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
    // Exact-size copies: the scratch arrays keep their capacity for the next line.
    return { measurement, tags, fields: fields.slice(), timestamp };
  }

  // The series is everything before the first unescaped space. Its text is hashed in one pass and
  // looked up; only a series not seen earlier in this body is parsed name by name.
  private readSeries(): Series {
    const s = this.src;
    const end = this.end;
    const from = this.pos;
    let i = from;
    let hash = FNV_OFFSET;
    while (i < end) {
      let c = s.charCodeAt(i);
      if (c === SPACE) break;
      if (c === BACKSLASH && i + 1 < end) {
        hash = Math.imul(hash ^ c, FNV_PRIME);
        c = s.charCodeAt(++i);
      }
      hash = Math.imul(hash ^ c, FNV_PRIME);
      i++;
    }
    const known = this.seriesTable.find(s, from, i, hash);
    if (known !== null) {
      this.pos = i;
      return known;
    }
    const series = this.parseSeries();
    // A successful parse stops exactly where the hash scan did (same stop and escape rules).
    this.seriesTable.remember(from, i, hash, series);
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
    return { measurement, tags: Object.freeze(shared) as Array<[string, string]> };
  }

  // Names stop at an unescaped stop character; a backslash escapes the next character, but only
  // `,` ` ` `\` (and `=` outside measurements) lose it. A tab ends nothing and is refused.
  private readName(stopA: number, stopB: number, equalsIsEscape: boolean): string {
    const s = this.src;
    const end = this.end;
    const from = this.pos;
    let i = from;
    let escaped = false;
    let hash = FNV_OFFSET;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c === stopA || c === stopB) break;
      hash = Math.imul(hash ^ c, FNV_PRIME);
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
    return this.names.get(s, from, i, hash);
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
  private addField(fields: Field[], field: Field): void {
    const n = fields.length;
    if (n < LINEAR_LOOKUP_MAX) {
      for (let j = 0; j < n; j++) {
        if (fields[j]!.key === field.key) {
          fields[j] = field;
          return;
        }
      }
      fields.push(field);
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
      fields.push(field);
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

// Tags and fields become columns of one table, so one name cannot be both.
function checkNoClash(tags: Array<[string, string]>, fields: Field[]): void {
  if (tags.length * fields.length <= 256) {
    for (const f of fields) {
      for (const t of tags) if (t[0] === f.key) throw clash(f.key);
    }
    return;
  }
  const names = new Set(tags.map((t) => t[0]));
  for (const f of fields) if (names.has(f.key)) throw clash(f.key);
}

const clash = (name: string): LineFailure =>
  new LineFailure(`invalid column name '${shown(name)}': it is used as both a tag key and a field key`);
