import type { ShowStatement, Source, TagKeyFilter } from './ast.js';
import { unsupported } from './errors.js';
import type { TokenReader } from './token-reader.js';

function onDb(p: TokenReader): string | undefined {
  return p.acceptKeyword('on') ? p.parseIdent() : undefined;
}

function fromSources(p: TokenReader): Source[] {
  return p.acceptKeyword('from') ? p.parseSources() : [];
}

function cardinality(p: TokenReader, what: string): void {
  if (p.isKeyword(p.peek(), 'cardinality', 'exact')) throw unsupported(`SHOW ${what} CARDINALITY`);
}

function parseKeyFilter(p: TokenReader): TagKeyFilter {
  const t = p.next();
  if (p.isKeyword(t, 'in')) {
    p.expectOp('(');
    const names: string[] = [];
    do names.push(p.parseName());
    while (p.acceptOp(','));
    p.expectOp(')');
    return { op: 'in', names };
  }
  if (t.kind !== 'op' || !['=', '!=', '<>', '=~', '!~'].includes(t.value)) throw p.error(t, '=, !=, =~, !~ or IN');
  if (t.value === '=~' || t.value === '!~') return { op: t.value, regex: p.parseRegex() };
  return { op: t.value === '=' ? '=' : '!=', names: [p.parseName()] };
}

// Everything after SHOW: the metadata statements dashboards use; the rest is refused by name.
export function parseShow(p: TokenReader): ShowStatement {
  const word = p.acceptKeyword('databases', 'retention', 'measurements', 'measurement', 'tag', 'field', 'series');
  switch (word) {
    case 'databases':
      return { kind: 'show_databases' };
    case 'retention':
      p.expectKeyword('policies');
      return { kind: 'show_retention_policies', db: onDb(p) };
    case 'measurement':
      cardinality(p, 'MEASUREMENT');
      throw unsupported('SHOW MEASUREMENT');
    case 'measurements': {
      cardinality(p, 'MEASUREMENT');
      const db = onDb(p);
      let measurement: { op: '=' | '!=' | '=~' | '!~'; value: string } | undefined;
      if (p.acceptKeyword('with')) {
        p.expectKeyword('measurement');
        const t = p.next();
        if (t.kind !== 'op' || !['=', '!=', '<>', '=~', '!~'].includes(t.value)) throw p.error(t, '=, !=, =~ or !~');
        const op = t.value === '<>' ? '!=' : (t.value as '=' | '!=' | '=~' | '!~');
        measurement = { op, value: op === '=~' || op === '!~' ? p.parseRegex() : p.parseName() };
      }
      const where = p.acceptKeyword('where') ? p.parseExpr() : undefined;
      const stmt: ShowStatement = { kind: 'show_measurements', db, measurement, where };
      p.parseLimits(stmt, false);
      return stmt;
    }
    case 'tag': {
      const sub = p.acceptKeyword('keys', 'values', 'key');
      if (sub === 'key') {
        cardinality(p, 'TAG KEY');
        throw unsupported('SHOW TAG KEY');
      }
      if (sub === 'keys') {
        const db = onDb(p);
        const sources = fromSources(p);
        const where = p.acceptKeyword('where') ? p.parseExpr() : undefined;
        const stmt: ShowStatement = { kind: 'show_tag_keys', db, sources, where };
        p.parseLimits(stmt, true);
        return stmt;
      }
      if (sub === 'values') {
        cardinality(p, 'TAG VALUES');
        const db = onDb(p);
        const sources = fromSources(p);
        p.expectKeyword('with');
        p.expectKeyword('key');
        const key = parseKeyFilter(p);
        const where = p.acceptKeyword('where') ? p.parseExpr() : undefined;
        const stmt: ShowStatement = { kind: 'show_tag_values', db, sources, key, where };
        p.parseLimits(stmt, true);
        return stmt;
      }
      throw p.error(p.peek(), 'KEYS, VALUES');
    }
    case 'field': {
      const sub = p.acceptKeyword('keys', 'key');
      if (sub === 'key') {
        cardinality(p, 'FIELD KEY');
        throw unsupported('SHOW FIELD KEY');
      }
      if (!sub) throw p.error(p.peek(), 'KEYS');
      const db = onDb(p);
      const sources = fromSources(p);
      const stmt: ShowStatement = { kind: 'show_field_keys', db, sources };
      p.parseLimits(stmt, true);
      return stmt;
    }
    case 'series': {
      cardinality(p, 'SERIES');
      const db = onDb(p);
      const sources = fromSources(p);
      const where = p.acceptKeyword('where') ? p.parseExpr() : undefined;
      const stmt: ShowStatement = { kind: 'show_series', db, sources, where };
      p.parseLimits(stmt, false);
      return stmt;
    }
    default: {
      const t = p.peek();
      if (t.kind === 'ident' && !t.quoted) {
        const next = t.value.toUpperCase();
        throw unsupported(`SHOW ${next}`);
      }
      throw p.error(t, 'DATABASES, MEASUREMENTS, TAG KEYS, TAG VALUES, FIELD KEYS, SERIES, RETENTION POLICIES');
    }
  }
}
