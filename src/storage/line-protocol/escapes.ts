// Escaping rules shared by the parser and the serialiser, so both directions agree by construction.

const COMMA = 44;
const SPACE = 32;
const EQUALS = 61;
const BACKSLASH = 92;
const QUOTE = 34;

// Only called when the scanner saw a backslash in a name: `\,` `\ ` `\\` (and `\=` outside measurements)
// lose their backslash; any other backslash is kept literally, as InfluxDB does.
export function unescapeName(s: string, from: number, to: number, equalsIsEscape: boolean): string {
  let out = '';
  let last = from;
  for (let i = from; i < to; i++) {
    if (s.charCodeAt(i) !== BACKSLASH) continue;
    const c = s.charCodeAt(i + 1);
    if (c === COMMA || c === SPACE || c === BACKSLASH || (equalsIsEscape && c === EQUALS)) {
      out += s.slice(last, i);
      last = i + 1;
    }
    i++; // the escaped character is never itself an escape
  }
  return out + s.slice(last, to);
}

// Only called when the string scanner saw `\"` or `\\`; other backslashes are literal.
export function unescapeString(s: string, from: number, to: number): string {
  let out = '';
  let last = from;
  for (let i = from; i < to; i++) {
    if (s.charCodeAt(i) !== BACKSLASH) continue;
    const c = s.charCodeAt(i + 1);
    if (c === QUOTE || c === BACKSLASH) {
      out += s.slice(last, i);
      last = i + 1;
      i++;
    }
  }
  return out + s.slice(last, to);
}

function escapeWith(value: string, needs: (c: number) => boolean): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < value.length; i++) {
    if (!needs(value.charCodeAt(i))) continue;
    out += `${value.slice(last, i)}\\`;
    last = i;
  }
  return last === 0 && out === '' ? value : out + value.slice(last);
}

const measurementNeeds = (c: number): boolean => c === COMMA || c === SPACE || c === BACKSLASH;
const keyNeeds = (c: number): boolean => c === COMMA || c === SPACE || c === BACKSLASH || c === EQUALS;
const stringNeeds = (c: number): boolean => c === QUOTE || c === BACKSLASH;

// Measurements escape comma, space and backslash (an `=` needs no escape there).
export const escapeMeasurement = (value: string): string => escapeWith(value, measurementNeeds);

// Tag keys, tag values and field keys escape comma, equals, space and backslash.
export const escapeKey = (value: string): string => escapeWith(value, keyNeeds);

// String field values escape the double quote and the backslash, then get quoted.
export const quoteString = (value: string): string => `"${escapeWith(value, stringNeeds)}"`;
