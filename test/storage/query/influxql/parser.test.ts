import { expect } from 'chai';
import type { SelectStatement } from '../../../../src/storage/query/influxql/ast.js';
import { parseInfluxql } from '../../../../src/storage/query/influxql/parser.js';

function select(q: string): SelectStatement {
  const [stmt] = parseInfluxql(q);
  expect(stmt!.kind).to.equal('select');
  return stmt as SelectStatement;
}

function errorOf(q: string): { message: string; status?: number } {
  try {
    parseInfluxql(q);
  } catch (err) {
    return err as { message: string; status?: number };
  }
  throw new Error(`expected ${q} to fail`);
}

describe('InfluxQL parser', () => {
  it('parses a Grafana query: aggregate, alias, tag regex, epoch time filter, GROUP BY time and tag, fill', () => {
    const s = select(
      `SELECT mean("usage") AS "avg" FROM "autogen"."cpu" WHERE ("host" =~ /^(a|b)$/) AND time >= 1700000000000ms and time <= 1700003600000ms GROUP BY time(10s), "host" fill(null)`,
    );
    expect(s.fields).to.deep.equal([{ expr: { kind: 'call', name: 'mean', args: [{ kind: 'ref', name: 'usage', cast: undefined }] }, alias: 'avg' }]);
    expect(s.sources).to.deep.equal([{ name: 'cpu', rp: 'autogen' }]);
    expect(s.groupBy).to.deep.equal({ tags: ['host'], all: false, regexes: [], time: { intervalNs: 10_000_000_000n, offsetNs: 0n } });
    expect(s.fill).to.deep.equal({ mode: 'null' });
    // ((paren(host =~ /re/) AND time >= …) AND time <= …)
    type Node = { op?: string; left?: Node; right?: unknown; expr?: Node };
    const where = s.where as Node;
    expect(where.op).to.equal('and');
    expect(where.left!.left!.expr!.op).to.equal('=~');
    expect(where.left!.left!.expr!.right).to.deep.equal({ kind: 'regex', source: '^(a|b)$' });
  });

  it('gives * and / their precedence over + and -, and comparisons over AND/OR', () => {
    const s = select('SELECT a + b * 2 - c / d FROM m WHERE x = 1 OR y = 2 AND z = 3');
    expect(s.fields[0]!.expr).to.deep.equal({
      kind: 'binary',
      op: '-',
      left: { kind: 'binary', op: '+', left: { kind: 'ref', name: 'a', cast: undefined }, right: { kind: 'binary', op: '*', left: { kind: 'ref', name: 'b', cast: undefined }, right: { kind: 'number', value: 2, integer: true, raw: '2' } } },
      right: { kind: 'binary', op: '/', left: { kind: 'ref', name: 'c', cast: undefined }, right: { kind: 'ref', name: 'd', cast: undefined } },
    });
    const w = s.where as { op: string; right: { op: string } };
    expect(w.op).to.equal('or');
    expect(w.right.op).to.equal('and');
  });

  it('reads every source form: db..m, db.rp.m, quoted parts, regexes and lists', () => {
    expect(select('SELECT x FROM db..m').sources).to.deep.equal([{ name: 'm', db: 'db' }]);
    expect(select('SELECT x FROM "my db"."rp"."my m"').sources).to.deep.equal([{ name: 'my m', db: 'my db/rp', rp: 'rp' }]);
    expect(select('SELECT x FROM db.autogen.m').sources, 'autogen names the database itself').to.deep.equal([{ name: 'm', db: 'db', rp: 'autogen' }]);
    expect(select('SELECT x FROM /cpu.*/, mem').sources).to.deep.equal([{ regex: 'cpu.*' }, { name: 'mem' }]);
    expect(select('SELECT x FROM db../c\\/d/').sources).to.deep.equal([{ regex: 'c/d', db: 'db' }]);
  });

  it('reads GROUP BY time offsets, *, regexes, every fill, ORDER BY and the limits', () => {
    const s = select('SELECT max(x) FROM m GROUP BY time(1h, -15m), *, /^reg/ fill(linear) ORDER BY time DESC LIMIT 10 OFFSET 2 SLIMIT 3 SOFFSET 1 tz(\'UTC\')');
    expect(s.groupBy).to.deep.equal({ tags: [], all: true, regexes: ['^reg'], time: { intervalNs: 3_600_000_000_000n, offsetNs: -900_000_000_000n } });
    expect(s.fill).to.deep.equal({ mode: 'linear' });
    expect(s).to.include({ orderDesc: true, limit: 10, offset: 2, slimit: 3, soffset: 1 });
    expect(select('SELECT max(x) FROM m GROUP BY time(1m) fill(-2.5)').fill).to.deep.equal({ mode: 'value', value: -2.5, integer: false });
    expect(select('SELECT max(x) FROM m GROUP BY time(1m) fill(0)').fill).to.deep.equal({ mode: 'value', value: 0, integer: true });
    expect(select('SELECT max(x) FROM m GROUP BY time(1m) fill(none)').fill).to.deep.equal({ mode: 'none' });
    expect(select('SELECT max(x) FROM m GROUP BY time(1m) fill(previous)').fill).to.deep.equal({ mode: 'previous' });
  });

  it('reads casts, wildcards, DISTINCT, count(distinct()), percentile and negative numbers', () => {
    const s = select('SELECT "x"::field, host::tag, *::field, DISTINCT y, count(distinct(z)), percentile(v, 95.5), -x FROM m');
    expect(s.fields.map((f) => f.expr)).to.deep.equal([
      { kind: 'ref', name: 'x', cast: 'field' },
      { kind: 'ref', name: 'host', cast: 'tag' },
      { kind: 'wildcard', cast: 'field' },
      { kind: 'call', name: 'distinct', args: [{ kind: 'ref', name: 'y', cast: undefined }] },
      { kind: 'call', name: 'count', args: [{ kind: 'call', name: 'distinct', args: [{ kind: 'ref', name: 'z', cast: undefined }] }] },
      { kind: 'call', name: 'percentile', args: [{ kind: 'ref', name: 'v', cast: undefined }, { kind: 'number', value: 95.5, integer: false, raw: '95.5' }] },
      { kind: 'binary', op: '*', left: { kind: 'number', value: -1, integer: true, raw: '-1' }, right: { kind: 'ref', name: 'x', cast: undefined } },
    ]);
  });

  it('splits statements on ; and substitutes bound parameters', () => {
    const stmts = parseInfluxql('SELECT x FROM m WHERE host = $h AND v > $n; SHOW DATABASES;', { h: 'a', n: 2 });
    expect(stmts.map((s) => s.kind)).to.deep.equal(['select', 'show_databases']);
    const w = (stmts[0] as SelectStatement).where as { left: { right: unknown }; right: { right: unknown } };
    expect(w.left.right).to.deep.equal({ kind: 'string', value: 'a' });
    expect(w.right.right).to.deep.equal({ kind: 'number', value: 2, integer: true, raw: '2' });
    expect(errorOf('SELECT x FROM m WHERE host = $h').message).to.equal('error parsing query: missing parameter: h');
  });

  it('parses the SHOW statements dashboards send', () => {
    expect(parseInfluxql('SHOW MEASUREMENTS WITH MEASUREMENT =~ /cp/ LIMIT 100')).to.deep.equal([
      { kind: 'show_measurements', db: undefined, measurement: { op: '=~', value: 'cp' }, where: undefined, limit: 100 },
    ]);
    expect(parseInfluxql('SHOW TAG KEYS ON "db" FROM "cpu"')).to.deep.equal([{ kind: 'show_tag_keys', db: 'db', sources: [{ name: 'cpu' }], where: undefined }]);
    const [tv] = parseInfluxql(`SHOW TAG VALUES FROM cpu WITH KEY = "host" WHERE region = 'us' LIMIT 5`);
    expect(tv).to.deep.include({ kind: 'show_tag_values', key: { op: '=', names: ['host'] }, limit: 5 });
    expect(parseInfluxql('SHOW TAG VALUES WITH KEY IN ("a", "b")')[0]).to.deep.include({ key: { op: 'in', names: ['a', 'b'] } });
    expect(parseInfluxql('SHOW TAG VALUES WITH KEY =~ /h.*/')[0]).to.deep.include({ key: { op: '=~', regex: 'h.*' } });
    expect(parseInfluxql('SHOW FIELD KEYS FROM cpu')).to.deep.equal([{ kind: 'show_field_keys', db: undefined, sources: [{ name: 'cpu' }] }]);
    expect(parseInfluxql('SHOW RETENTION POLICIES ON foo')).to.deep.equal([{ kind: 'show_retention_policies', db: 'foo' }]);
    expect(parseInfluxql('SHOW SERIES FROM cpu LIMIT 2')[0]).to.deep.include({ kind: 'show_series', limit: 2 });
  });

  it('answers 400 naming what is not supported', () => {
    const cases: Array<[string, string]> = [
      ['SELECT x INTO y FROM m', 'InfluxQL: SELECT INTO is not supported'],
      ['CREATE DATABASE foo', 'InfluxQL: CREATE DATABASE is not supported'],
      ['DROP MEASUREMENT cpu', 'InfluxQL: DROP MEASUREMENT is not supported'],
      ['DELETE FROM cpu', 'InfluxQL: DELETE FROM is not supported'],
      ['SHOW USERS', 'InfluxQL: SHOW USERS is not supported'],
      ['SHOW TAG VALUES CARDINALITY WITH KEY = "a"', 'InfluxQL: SHOW TAG VALUES CARDINALITY is not supported'],
      ['SELECT x FROM (SELECT y FROM m)', 'InfluxQL: subqueries in FROM is not supported'],
      ["SELECT x FROM m tz('Europe/Paris')", "InfluxQL: tz('Europe/Paris') (only UTC) is not supported"],
    ];
    for (const [q, message] of cases) {
      const err = errorOf(q);
      expect(err.message, q).to.equal(message);
      expect(err.status).to.equal(400);
    }
  });

  it('reports syntax errors like InfluxDB 1.x', () => {
    expect(errorOf('SELECT FROM m').message).to.equal('error parsing query: found FROM, expected identifier, string, number, bool at line 1, char 8');
    expect(errorOf('SELECT x FROM m GROUP BY time(10s) ORDER BY host').message).to.equal('error parsing query: only ORDER BY time supported at this time');
    expect(errorOf('SELECT x FROM m WHERE').message).to.match(/found EOF/);
    expect(errorOf('').message).to.match(/found EOF, expected SELECT, SHOW/);
  });
});
