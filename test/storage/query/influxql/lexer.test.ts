import { expect } from 'chai';
import { Lexer, type Token } from '../../../../src/storage/query/influxql/lexer.js';

function tokens(text: string): Array<Pick<Token, 'kind' | 'value'> & { ns?: bigint; quoted?: boolean }> {
  const lexer = new Lexer(text);
  const out = [];
  for (;;) {
    const t = lexer.next();
    if (t.kind === 'eof') return out;
    const { pos: _pos, ...rest } = t;
    out.push(rest);
  }
}

describe('InfluxQL lexer', () => {
  it('reads identifiers, quoted identifiers with escapes, strings and operators', () => {
    expect(tokens(`SELECT "my field", "a\\"b" FROM cpu WHERE host = 'it''s' AND x != 'a\\'b' OR y <> 1`)).to.deep.equal([
      { kind: 'ident', value: 'SELECT' },
      { kind: 'ident', value: 'my field', quoted: true },
      { kind: 'op', value: ',' },
      { kind: 'ident', value: 'a"b', quoted: true },
      { kind: 'ident', value: 'FROM' },
      { kind: 'ident', value: 'cpu' },
      { kind: 'ident', value: 'WHERE' },
      { kind: 'ident', value: 'host' },
      { kind: 'op', value: '=' },
      { kind: 'string', value: 'it' },
      { kind: 'string', value: 's' },
      { kind: 'ident', value: 'AND' },
      { kind: 'ident', value: 'x' },
      { kind: 'op', value: '!=' },
      { kind: 'string', value: "a'b" },
      { kind: 'ident', value: 'OR' },
      { kind: 'ident', value: 'y' },
      { kind: 'op', value: '<>' },
      { kind: 'number', value: '1' },
    ]);
  });

  it('reads durations in every unit, integers and floats', () => {
    const t = tokens('10s 1700000000000ms 5m 2h 1d 1w 3u 4µ 100ns 1.5 2e3 42');
    expect(t.map((x) => [x.kind, x.ns])).to.deep.equal([
      ['duration', 10_000_000_000n],
      ['duration', 1_700_000_000_000_000_000n],
      ['duration', 300_000_000_000n],
      ['duration', 7_200_000_000_000n],
      ['duration', 86_400_000_000_000n],
      ['duration', 604_800_000_000_000n],
      ['duration', 3_000n],
      ['duration', 4_000n],
      ['duration', 100n],
      ['number', undefined],
      ['number', undefined],
      ['number', undefined],
    ]);
  });

  it('scans regexes only when asked, with escaped slashes', () => {
    const lexer = new Lexer('host =~ /^a\\/b\\.c$/ AND x');
    lexer.next();
    lexer.next();
    const slash = lexer.next();
    expect(slash).to.include({ kind: 'op', value: '/' });
    expect(lexer.scanRegex(slash.pos)).to.include({ kind: 'regex', value: '^a/b\\.c$' });
    expect(lexer.next()).to.include({ kind: 'ident', value: 'AND' });
  });

  it('skips -- and /* */ comments and reads bound parameters and ::casts', () => {
    expect(tokens('a -- comment\n/* block */ $host::tag')).to.deep.equal([
      { kind: 'ident', value: 'a' },
      { kind: 'bind', value: 'host' },
      { kind: 'op', value: '::' },
      { kind: 'ident', value: 'tag' },
    ]);
  });

  it('names the offending character of an unterminated string', () => {
    expect(() => tokens("SELECT 'abc")).to.throw(/error parsing query: found unterminated string at char 8/);
    expect(() => tokens('SELECT 10sx')).to.throw(/expected a number or duration/);
  });
});
