import type { FillMode, GroupBy, SelectField, SelectStatement } from './ast.js';
import { influxqlParseError, unsupported } from './errors.js';
import type { TokenReader } from './token-reader.js';

export function parseSelect(p: TokenReader): SelectStatement {
  const fields = parseFields(p);
  if (p.isKeyword(p.peek(), 'into')) throw unsupported('SELECT INTO');
  p.expectKeyword('from');
  const sources = p.parseSources();
  const where = p.acceptKeyword('where') ? p.parseExpr() : undefined;
  const groupBy: GroupBy = { tags: [], all: false, regexes: [] };
  if (p.acceptKeyword('group')) {
    p.expectKeyword('by');
    parseDimensions(p, groupBy);
  }
  let fill: FillMode = { mode: 'null' };
  if (p.isKeyword(p.peek(), 'fill')) fill = parseFill(p);
  let orderDesc = false;
  if (p.acceptKeyword('order')) {
    p.expectKeyword('by');
    orderDesc = parseOrder(p);
  }
  const stmt: SelectStatement = { kind: 'select', fields, sources, where, groupBy, fill, orderDesc };
  p.parseLimits(stmt, true);
  if (p.acceptKeyword('tz')) parseTz(p);
  return stmt;
}

function parseTz(p: TokenReader): void {
  p.expectOp('(');
  const t = p.next();
  if (t.kind !== 'string') throw p.error(t, 'string');
  p.expectOp(')');
  if (!['utc', 'etc/utc', 'z', 'gmt'].includes(t.value.toLowerCase())) throw unsupported(`tz('${t.value}') (only UTC)`);
}

function parseFields(p: TokenReader): SelectField[] {
  const fields: SelectField[] = [];
  do {
    const expr = p.parseExpr();
    let alias: string | undefined;
    if (p.acceptKeyword('as')) alias = p.parseIdent();
    fields.push({ expr, alias });
  } while (p.acceptOp(','));
  return fields;
}

function parseDimensions(p: TokenReader, groupBy: GroupBy): void {
  do {
    const t = p.peek();
    if (p.isOp(t, '*')) {
      p.next();
      groupBy.all = true;
    } else if (p.isOp(t, '/')) {
      groupBy.regexes.push(p.parseRegex());
    } else if (p.isKeyword(t, 'time')) {
      p.next();
      if (!p.isOp(p.peek(), '(')) throw unsupported('GROUP BY time without an interval');
      p.next();
      const interval = parseDuration(p, 'GROUP BY time interval');
      if (interval <= 0n) throw influxqlParseError('GROUP BY time interval must be positive');
      let offset = 0n;
      if (p.acceptOp(',')) {
        const negative = p.acceptOp('-');
        if (p.isKeyword(p.peek(), 'now')) throw unsupported('GROUP BY time offset now()');
        offset = parseDuration(p, 'GROUP BY time offset');
        if (negative) offset = -offset;
      }
      p.expectOp(')');
      if (groupBy.time) throw influxqlParseError('multiple GROUP BY time dimensions');
      groupBy.time = { intervalNs: interval, offsetNs: offset };
    } else if (t.kind === 'ident') {
      p.next();
      if (p.isOp(p.peek(), '(')) throw unsupported(`GROUP BY ${t.value}()`);
      groupBy.tags.push(t.value);
    } else {
      throw p.error(t, 'time(), tag key, * or regex');
    }
  } while (p.acceptOp(','));
}

function parseDuration(p: TokenReader, what: string): bigint {
  const t = p.next();
  if (t.kind === 'duration') return t.ns!;
  if (t.kind === 'number' && t.value === '0') return 0n;
  throw p.error(t, `duration for ${what}`);
}

function parseFill(p: TokenReader): FillMode {
  p.next();
  p.expectOp('(');
  const t = p.next();
  let fill: FillMode;
  if (p.isKeyword(t, 'null', 'none', 'previous', 'linear')) {
    fill = { mode: t.value.toLowerCase() as 'null' | 'none' | 'previous' | 'linear' };
  } else {
    let negative = false;
    let n = t;
    if (p.isOp(t, '-')) {
      negative = true;
      n = p.next();
    }
    if (n.kind !== 'number') throw p.error(n, 'null, none, previous, linear or a number in fill()');
    const value = Number(n.value) * (negative ? -1 : 1);
    fill = { mode: 'value', value, integer: /^\d+$/.test(n.value) };
  }
  p.expectOp(')');
  return fill;
}

function parseOrder(p: TokenReader): boolean {
  let desc = false;
  do {
    const t = p.peek();
    if (p.isKeyword(t, 'asc', 'desc')) {
      p.next();
      desc = t.value.toLowerCase() === 'desc';
      continue;
    }
    if (t.kind !== 'ident' || t.value !== 'time') throw influxqlParseError('only ORDER BY time supported at this time');
    p.next();
    const dir = p.acceptKeyword('asc', 'desc');
    desc = dir === 'desc';
  } while (p.acceptOp(','));
  return desc;
}

