import type { Cast, Expr, Source, Statement } from './ast.js';
import { influxqlParseError, unsupported } from './errors.js';
import { Lexer, type Token } from './lexer.js';
import { parseSelect } from './parse-select.js';
import { parseShow } from './parse-show.js';
import type { TokenReader } from './token-reader.js';

// Values for `$name` placeholders (the `params` of a v1 query), substituted while parsing.
export type BindParams = Record<string, string | number | boolean | null>;

const CASTS = new Set<Cast>(['field', 'tag', 'float', 'integer', 'unsigned', 'string', 'boolean']);

const PRECEDENCE: Record<string, number> = {
  or: 1,
  and: 2,
  '=': 4, '!=': 4, '<>': 4, '<': 4, '<=': 4, '>': 4, '>=': 4, '=~': 4, '!~': 4,
  '+': 5, '-': 5, '|': 5, '^': 5,
  '*': 6, '/': 6, '%': 6, '&': 6,
};

// Words that end an expression; as names they must be double-quoted.
const RESERVED = new Set(['select', 'from', 'where', 'group', 'by', 'order', 'limit', 'offset', 'slimit', 'soffset', 'and', 'or', 'as', 'fill', 'into', 'on', 'with', 'show', 'asc', 'desc']);

const UNSUPPORTED_VERBS = new Set(['create', 'drop', 'delete', 'alter', 'grant', 'revoke', 'kill', 'explain', 'set', 'insert', 'update']);

/** Recursive-descent parser over the lexer, one token of lookahead. */
export class Parser implements TokenReader {
  private readonly lexer: Lexer;
  private peeked: Token | undefined;

  constructor(readonly text: string, private readonly params: BindParams = {}) {
    this.lexer = new Lexer(text);
  }

  peek(): Token {
    this.peeked ??= this.lexer.next();
    return this.peeked;
  }

  next(): Token {
    const t = this.peek();
    this.peeked = undefined;
    return t;
  }

  // An unquoted identifier matching one of the keywords (case-insensitive).
  isKeyword(t: Token, ...words: string[]): boolean {
    return t.kind === 'ident' && !t.quoted && words.includes(t.value.toLowerCase());
  }

  acceptKeyword(...words: string[]): string | undefined {
    const t = this.peek();
    if (!this.isKeyword(t, ...words)) return undefined;
    this.next();
    return t.value.toLowerCase();
  }

  expectKeyword(word: string): void {
    if (!this.acceptKeyword(word)) throw this.error(this.peek(), word.toUpperCase());
  }

  isOp(t: Token, op: string): boolean {
    return t.kind === 'op' && t.value === op;
  }

  acceptOp(op: string): boolean {
    if (!this.isOp(this.peek(), op)) return false;
    this.next();
    return true;
  }

  expectOp(op: string): void {
    if (!this.acceptOp(op)) throw this.error(this.peek(), op);
  }

  error(t: Token, expected: string): Error {
    const before = this.text.slice(0, t.pos);
    const line = before.split('\n').length;
    const char = t.pos - before.lastIndexOf('\n');
    const found = t.kind === 'eof' ? 'EOF' : t.kind === 'string' ? `'${t.value}'` : t.kind === 'regex' ? `/${t.value}/` : t.value;
    return influxqlParseError(`found ${found}, expected ${expected} at line ${line}, char ${char}`);
  }

  parseStatements(): Statement[] {
    const out: Statement[] = [];
    for (;;) {
      while (this.acceptOp(';'));
      const t = this.peek();
      if (t.kind === 'eof') break;
      out.push(this.parseStatement());
      const end = this.peek();
      if (end.kind !== 'eof' && !this.isOp(end, ';')) throw this.error(end, ';');
    }
    if (out.length === 0) throw influxqlParseError('found EOF, expected SELECT, SHOW at line 1, char 1');
    return out;
  }

  private parseStatement(): Statement {
    const t = this.peek();
    if (this.acceptKeyword('select')) return parseSelect(this);
    if (this.acceptKeyword('show')) return parseShow(this);
    if (t.kind === 'ident' && !t.quoted && UNSUPPORTED_VERBS.has(t.value.toLowerCase())) {
      this.next();
      const second = this.peek();
      const what = second.kind === 'ident' && !second.quoted ? `${t.value} ${second.value}` : t.value;
      throw unsupported(what.toUpperCase());
    }
    throw this.error(t, 'SELECT, SHOW');
  }

  // LIMIT / OFFSET / SLIMIT / SOFFSET in their usual order (each optional).
  parseLimits(target: { limit?: number; offset?: number; slimit?: number; soffset?: number }, series: boolean): void {
    if (this.acceptKeyword('limit')) target.limit = this.parseInt('LIMIT');
    if (this.acceptKeyword('offset')) target.offset = this.parseInt('OFFSET');
    if (series && this.acceptKeyword('slimit')) target.slimit = this.parseInt('SLIMIT');
    if (series && this.acceptKeyword('soffset')) target.soffset = this.parseInt('SOFFSET');
  }

  parseInt(what: string): number {
    const t = this.next();
    if (t.kind !== 'number' || !/^\d+$/.test(t.value)) throw this.error(t, `integer for ${what}`);
    return Number(t.value);
  }

  parseIdent(): string {
    const t = this.next();
    if (t.kind !== 'ident') throw this.error(t, 'identifier');
    return t.value;
  }

  // An identifier or a string literal (tag keys are often written either way).
  parseName(): string {
    const t = this.next();
    if (t.kind !== 'ident' && t.kind !== 'string') throw this.error(t, 'identifier');
    return t.value;
  }

  parseRegex(): string {
    const t = this.peek();
    if (!this.isOp(t, '/')) throw this.error(t, 'regex');
    this.peeked = undefined;
    return this.lexer.scanRegex(t.pos).value;
  }

  parseSources(): Source[] {
    const out: Source[] = [];
    do out.push(this.parseSource());
    while (this.acceptOp(','));
    return out;
  }

  private parseSource(): Source {
    if (this.isOp(this.peek(), '(')) throw unsupported('subqueries in FROM');
    const segments: Array<{ name?: string; regex?: string }> = [];
    let segment = this.parseSegment();
    segments.push(segment);
    while (this.acceptOp('.')) {
      if (this.isOp(this.peek(), '.')) {
        segments.push({});
        this.next();
      }
      segment = this.parseSegment();
      segments.push(segment);
    }
    if (segments.length > 3) throw this.error(this.peek(), 'measurement');
    for (const s of segments.slice(0, -1)) if (s.regex !== undefined) throw influxqlParseError('only the measurement part of a source may be a regex');
    const last = segments[segments.length - 1]!;
    const source: Source = { ...last };
    if (segments.length === 3) {
      source.db = segments[0]!.name;
      if (segments[1]!.name) source.rp = segments[1]!.name;
      // As upstream (and its v1 /write?rp=): a named retention policy is the database `db/rp`.
      if (source.db !== undefined && source.rp !== undefined && source.rp !== 'autogen' && source.rp !== 'default') source.db = `${source.db}/${source.rp}`;
    } else if (segments.length === 2 && segments[0]!.name) {
      source.rp = segments[0]!.name;
    }
    return source;
  }

  private parseSegment(): { name?: string; regex?: string } {
    const t = this.peek();
    if (this.isOp(t, '/')) return { regex: this.parseRegex() };
    if (t.kind !== 'ident') throw this.error(t, 'identifier');
    this.next();
    return { name: t.value };
  }

  parseExpr(minPrec = 1): Expr {
    let left = this.parseUnary();
    for (;;) {
      const t = this.peek();
      const op = t.kind === 'op' ? t.value : this.isKeyword(t, 'and', 'or') ? t.value.toLowerCase() : undefined;
      const prec = op === undefined ? undefined : PRECEDENCE[op];
      if (op === undefined || prec === undefined || prec < minPrec) return left;
      this.next();
      const right = this.parseExpr(prec + 1);
      left = { kind: 'binary', op: op === '<>' ? '!=' : op, left, right };
    }
  }

  private parseUnary(): Expr {
    if (this.acceptOp('-')) {
      const inner = this.parseUnary();
      if (inner.kind === 'number') return { ...inner, value: -inner.value, raw: `-${inner.raw}` };
      if (inner.kind === 'duration') return { ...inner, ns: -inner.ns, raw: `-${inner.raw}` };
      return { kind: 'binary', op: '*', left: { kind: 'number', value: -1, integer: true, raw: '-1' }, right: inner };
    }
    if (this.acceptOp('+')) return this.parseUnary();
    return this.parsePrimary();
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    if (this.isOp(t, '/')) return { kind: 'regex', source: this.parseRegex() };
    this.next();
    switch (t.kind) {
      case 'number':
        return { kind: 'number', value: Number(t.value), integer: /^\d+$/.test(t.value), raw: t.value };
      case 'duration':
        return { kind: 'duration', ns: t.ns!, raw: t.value };
      case 'string':
        return { kind: 'string', value: t.value };
      case 'bind':
        return this.bound(t);
      case 'op':
        if (t.value === '(') {
          if (this.isKeyword(this.peek(), 'select')) throw unsupported('subqueries');
          const inner = this.parseExpr();
          this.expectOp(')');
          return { kind: 'paren', expr: inner };
        }
        if (t.value === '*') return { kind: 'wildcard', cast: this.parseWildcardCast() };
        throw this.error(t, 'identifier, string, number, bool');
      case 'ident': {
        if (!t.quoted) {
          const word = t.value.toLowerCase();
          if (RESERVED.has(word)) throw this.error(t, 'identifier, string, number, bool');
          if (word === 'true' || word === 'false') return { kind: 'bool', value: word === 'true' };
          if (word === 'distinct' && !this.isOp(this.peek(), '(')) return { kind: 'call', name: 'distinct', args: [this.parsePrimary()] };
        }
        if (this.isOp(this.peek(), '(')) {
          this.next();
          const args: Expr[] = [];
          if (!this.isOp(this.peek(), ')')) {
            do args.push(this.parseExpr());
            while (this.acceptOp(','));
          }
          this.expectOp(')');
          return { kind: 'call', name: t.value.toLowerCase(), args };
        }
        let cast: Cast | undefined;
        if (this.acceptOp('::')) {
          const c = this.parseIdent().toLowerCase() as Cast;
          if (!CASTS.has(c)) throw influxqlParseError(`invalid type cast ::${c}`);
          cast = c;
        }
        return { kind: 'ref', name: t.value, cast };
      }
      default:
        throw this.error(t, 'identifier, string, number, bool');
    }
  }

  private parseWildcardCast(): 'field' | 'tag' | undefined {
    if (!this.acceptOp('::')) return undefined;
    const c = this.parseIdent().toLowerCase();
    if (c !== 'field' && c !== 'tag') throw influxqlParseError(`invalid wildcard cast ::${c}`);
    return c;
  }

  private bound(t: Token): Expr {
    if (!Object.prototype.hasOwnProperty.call(this.params, t.value)) throw influxqlParseError(`missing parameter: ${t.value}`);
    const v = this.params[t.value];
    if (v === null || v === undefined) return { kind: 'null' };
    if (typeof v === 'number') return { kind: 'number', value: v, integer: Number.isInteger(v), raw: String(v) };
    if (typeof v === 'boolean') return { kind: 'bool', value: v };
    return { kind: 'string', value: v };
  }
}

// Parses one or more `;`-separated InfluxQL statements.
export function parseInfluxql(text: string, params?: BindParams): Statement[] {
  return new Parser(text, params).parseStatements();
}
