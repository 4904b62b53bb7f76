// Only the distinctions the rewrites need: names, literals, parameters, punctuation.
export type TokenKind = 'ident' | 'quoted' | 'string' | 'number' | 'param' | 'punct';

// Offsets let rewrites splice the original text instead of regenerating SQL.
export interface Token {
  kind: TokenKind;
  // Character offsets into the SQL text, end exclusive.
  start: number;
  end: number;
  // Identifier name without quotes, string contents without quotes, or the punctuation itself.
  value: string;
}

const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_QUOTE = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;

// Enough of SQL's lexical structure to never mistake a string, comment or quoted name for code.
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const ch = sql[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f') {
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? n : eol + 1;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
    } else if (ch === "'" || ((ch === 'E' || ch === 'e') && sql[i + 1] === "'")) {
      const escapes = ch !== "'";
      const start = i;
      i += escapes ? 2 : 1;
      let value = '';
      while (i < n) {
        const c = sql[i]!;
        if (escapes && c === '\\' && i + 1 < n) {
          value += sql[i + 1];
          i += 2;
        } else if (c === "'") {
          if (sql[i + 1] === "'") {
            value += "'";
            i += 2;
          } else {
            i++;
            break;
          }
        } else {
          value += c;
          i++;
        }
      }
      tokens.push({ kind: 'string', start, end: i, value });
    } else if (ch === '"') {
      const start = i;
      i++;
      let value = '';
      while (i < n) {
        if (sql[i] === '"') {
          if (sql[i + 1] === '"') {
            value += '"';
            i += 2;
          } else {
            i++;
            break;
          }
        } else value += sql[i++];
      }
      tokens.push({ kind: 'quoted', start, end: i, value });
    } else if (ch === '$') {
      const start = i;
      const dq = DOLLAR_QUOTE.exec(sql.slice(i, i + 64));
      if (dq) {
        const close = sql.indexOf(dq[0], i + dq[0].length);
        const end = close < 0 ? n : close + dq[0].length;
        tokens.push({ kind: 'string', start, end, value: sql.slice(i + dq[0].length, close < 0 ? n : close) });
        i = end;
      } else {
        i++;
        while (i < n && IDENT_PART.test(sql[i]!) && sql[i] !== '$') i++;
        tokens.push({ kind: 'param', start, end: i, value: sql.slice(start + 1, i) });
      }
    } else if (IDENT_START.test(ch)) {
      const start = i;
      while (i < n && IDENT_PART.test(sql[i]!)) i++;
      tokens.push({ kind: 'ident', start, end: i, value: sql.slice(start, i) });
    } else if (ch >= '0' && ch <= '9') {
      const start = i;
      while (i < n && /[0-9A-Za-z_.]/.test(sql[i]!)) {
        if ((sql[i] === 'e' || sql[i] === 'E') && (sql[i + 1] === '+' || sql[i + 1] === '-')) i++;
        i++;
      }
      tokens.push({ kind: 'number', start, end: i, value: sql.slice(start, i) });
    } else {
      tokens.push({ kind: 'punct', start: i, end: i + 1, value: ch });
      i++;
    }
  }
  return tokens;
}

// An identifier token's name (quoted or not); undefined for anything else.
export function identName(token: Token | undefined): string | undefined {
  return token && (token.kind === 'ident' || token.kind === 'quoted') ? token.value : undefined;
}

// Case-insensitive keyword match for bare identifiers.
export function isKeyword(token: Token | undefined, word: string): boolean {
  return token?.kind === 'ident' && token.value.toLowerCase() === word;
}

// Index of the first token starting at or after `offset`.
export function tokenAt(tokens: Token[], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.start < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// Index of the `)` matching the `(` at `open`, or -1.
export function matchingParen(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'punct') continue;
    if (t.value === '(' || t.value === '[') depth++;
    else if (t.value === ')' || t.value === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
