import { influxqlParseError } from './errors.js';

export type TokenKind = 'ident' | 'number' | 'duration' | 'string' | 'regex' | 'bind' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  // Identifier name (unescaped), string value, regex source, operator text, or the number's text.
  value: string;
  // Double-quoted identifiers are never keywords.
  quoted?: boolean;
  // Durations: the length in nanoseconds.
  ns?: bigint;
  pos: number;
}

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  u: 1_000n,
  µ: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
};

const OPERATORS = ['::', '=~', '!~', '!=', '<>', '<=', '>=', '=', '<', '>', '+', '-', '*', '/', '%', '&', '|', '^', '(', ')', ',', ';', '.'];

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isIdentStart = (c: string | undefined): boolean => c !== undefined && (/[A-Za-z_]/.test(c) || c.charCodeAt(0) > 127);
const isIdentChar = (c: string | undefined): boolean => c !== undefined && (isIdentStart(c) || isDigit(c));

// Nanoseconds in one `unit` (ns, u, µ, ms, s, m, h, d, w), or undefined.
export function unitNs(unit: string): bigint | undefined {
  return UNIT_NS[unit];
}

/**
 * InfluxQL's scanner. Regular expressions are scanned only where the grammar allows one
 * (`scanRegex`), because `/` is otherwise division.
 */
export class Lexer {
  private pos = 0;

  constructor(readonly text: string) {}

  get position(): number {
    return this.pos;
  }

  reset(pos: number): void {
    this.pos = pos;
  }

  next(): Token {
    this.skipSpaceAndComments();
    const s = this.text;
    const start = this.pos;
    if (start >= s.length) return { kind: 'eof', value: '', pos: start };
    const c = s[start]!;
    if (c === '"') return { kind: 'ident', value: this.quoted('"'), quoted: true, pos: start };
    if (c === "'") return { kind: 'string', value: this.quoted("'"), pos: start };
    if (isDigit(c) || (c === '.' && isDigit(s[start + 1]))) return this.number();
    if (c === '$') {
      let end = start + 1;
      while (isIdentChar(s[end])) end++;
      if (end === start + 1) throw influxqlParseError(`found $, expected a bound parameter name at char ${start + 1}`);
      this.pos = end;
      return { kind: 'bind', value: s.slice(start + 1, end), pos: start };
    }
    if (isIdentStart(c)) {
      let end = start;
      while (isIdentChar(s[end])) end++;
      this.pos = end;
      return { kind: 'ident', value: s.slice(start, end), pos: start };
    }
    for (const op of OPERATORS) {
      if (s.startsWith(op, start)) {
        this.pos = start + op.length;
        return { kind: 'op', value: op, pos: start };
      }
    }
    throw influxqlParseError(`found ${c}, expected a token at char ${start + 1}`);
  }

  // Scans /regex/ starting at `pos` (which holds the opening slash); `\/` is an escaped slash.
  scanRegex(pos: number): Token {
    const s = this.text;
    let i = pos + 1;
    let out = '';
    for (;;) {
      if (i >= s.length) throw influxqlParseError(`unterminated regex starting at char ${pos + 1}`);
      const c = s[i]!;
      if (c === '\\' && s[i + 1] === '/') {
        out += '/';
        i += 2;
        continue;
      }
      if (c === '\\' && i + 1 < s.length) {
        out += c + s[i + 1];
        i += 2;
        continue;
      }
      if (c === '/') break;
      out += c;
      i++;
    }
    this.pos = i + 1;
    return { kind: 'regex', value: out, pos };
  }

  private skipSpaceAndComments(): void {
    const s = this.text;
    for (;;) {
      while (this.pos < s.length && /\s/.test(s[this.pos]!)) this.pos++;
      if (s.startsWith('--', this.pos)) {
        const nl = s.indexOf('\n', this.pos);
        this.pos = nl < 0 ? s.length : nl + 1;
        continue;
      }
      if (s.startsWith('/*', this.pos)) {
        const end = s.indexOf('*/', this.pos + 2);
        if (end < 0) throw influxqlParseError(`unterminated comment at char ${this.pos + 1}`);
        this.pos = end + 2;
        continue;
      }
      return;
    }
  }

  private quoted(q: string): string {
    const s = this.text;
    const start = this.pos;
    let i = start + 1;
    let out = '';
    for (;;) {
      if (i >= s.length) throw influxqlParseError(`found unterminated ${q === '"' ? 'identifier' : 'string'} at char ${start + 1}`);
      const c = s[i]!;
      if (c === '\\' && i + 1 < s.length) {
        const n = s[i + 1]!;
        out += n === 'n' ? '\n' : n === 't' ? '\t' : n === '\\' || n === q ? n : `\\${n}`;
        i += 2;
        continue;
      }
      if (c === q) break;
      out += c;
      i++;
    }
    this.pos = i + 1;
    return out;
  }

  private number(): Token {
    const s = this.text;
    const start = this.pos;
    let i = start;
    while (isDigit(s[i])) i++;
    let float = false;
    if (s[i] === '.' && isDigit(s[i + 1])) {
      float = true;
      i++;
      while (isDigit(s[i])) i++;
    }
    if ((s[i] === 'e' || s[i] === 'E') && (isDigit(s[i + 1]) || ((s[i + 1] === '+' || s[i + 1] === '-') && isDigit(s[i + 2])))) {
      float = true;
      i += 2;
      while (isDigit(s[i])) i++;
    }
    const text = s.slice(start, i);
    if (!float) {
      // A unit right after the digits makes a duration: 10s, 1700000000000ms, 5m.
      for (const unit of ['ns', 'ms', 'µ', 'u', 's', 'm', 'h', 'd', 'w']) {
        if (s.startsWith(unit, i) && !isIdentChar(s[i + unit.length])) {
          this.pos = i + unit.length;
          return { kind: 'duration', value: text + unit, ns: BigInt(text) * UNIT_NS[unit]!, pos: start };
        }
      }
    }
    if (isIdentStart(s[i])) throw influxqlParseError(`found ${s.slice(start, i + 1)}, expected a number or duration at char ${start + 1}`);
    this.pos = i;
    return { kind: 'number', value: text, pos: start };
  }
}
