import { expect } from 'chai';
import fc from 'fast-check';
import { parseLineProtocol } from '../../../src/storage/line-protocol/parse-line-protocol.js';
import { serializeLine } from '../../../src/storage/line-protocol/serialize-line.js';
import type { Field, ParsedLine } from '../../../src/storage/types.js';

function one(lp: string): ParsedLine {
  const r = parseLineProtocol(lp);
  expect(r.errors, JSON.stringify(r.errors)).to.deep.equal([]);
  expect(r.lines).to.have.length(1);
  return r.lines[0]!.line;
}

function error(lp: string): string {
  const r = parseLineProtocol(lp);
  expect(r.lines).to.deep.equal([]);
  expect(r.errors).to.have.length(1);
  return r.errors[0]!.error_message;
}

describe('storage/line-protocol/parseLineProtocol', () => {
  it('parses every field type', () => {
    const l = one('cpu,host=a,region=west i=-12i,u=7u,f=1.5,e=1e3,E=-2.5E-3,n=3,s="hi there",b1=t,b2=True,b3=FALSE 1700000000000000000');
    expect(l.measurement).to.equal('cpu');
    expect(l.tags).to.deep.equal([['host', 'a'], ['region', 'west']]);
    const byKey = Object.fromEntries(l.fields.map((f: Field) => [f.key, [f.type, f.value]]));
    expect(byKey).to.deep.equal({
      i: ['int64', -12n], u: ['uint64', 7n], f: ['float64', 1.5], e: ['float64', 1000], E: ['float64', -0.0025], n: ['float64', 3],
      s: ['utf8', 'hi there'], b1: ['bool', true], b2: ['bool', true], b3: ['bool', false],
    });
    expect(l.timestamp).to.equal(1700000000000000000n);
  });

  it('accepts every boolean spelling', () => {
    for (const [t, v] of [['t', true], ['T', true], ['true', true], ['True', true], ['TRUE', true], ['f', false], ['F', false], ['false', false], ['False', false], ['FALSE', false]] as const) {
      expect(one(`m b=${t}`).fields[0]!.value, t).to.equal(v);
    }
  });

  it('unescapes measurements, tag keys and values, field keys and strings', () => {
    const l = one('my\\ meas\\,x,ta\\ g\\=k=v\\,a\\ l\\=ue fi\\ eld\\=k="say \\"hi\\" \\\\ ok" 1');
    expect(l.measurement).to.equal('my meas,x');
    expect(l.tags).to.deep.equal([['ta g=k', 'v,a l=ue']]);
    expect(l.fields[0]).to.deep.equal({ key: 'fi eld=k', type: 'utf8', value: 'say "hi" \\ ok' });
  });

  it('skips blank lines and comments, handles CRLF, numbers lines from 1', () => {
    const r = parseLineProtocol('# header\r\n\r\nm f=1 1\r\n   # indented comment\nm f=2 2\nbad\n');
    expect(r.lines.map((x) => [x.lineNumber, x.line.timestamp])).to.deep.equal([[3, 1n], [5, 2n]]);
    expect(r.errors.map((e) => [e.line_number, e.original_line])).to.deep.equal([[6, 'bad']]);
  });

  it('keeps a newline inside a quoted string in one line', () => {
    const r = parseLineProtocol('m s="a\nb" 1\nm s="c" 2');
    expect(r.lines.map((x) => x.line.fields[0]!.value)).to.deep.equal(['a\nb', 'c']);
  });

  it('names the field and line for bad values', () => {
    expect(error('m f=')).to.contain("field 'f'").and.to.contain('line 1');
    expect(error('m f=99999999999999999999i')).to.contain('out of range for int64');
    expect(error('m f=18446744073709551616u')).to.contain("'f'");
    expect(error('m f=-1u')).to.contain("'f'");
    expect(error('m f=inf')).to.contain('inf');
    expect(error('m f=1 abc')).to.contain("invalid timestamp 'abc'");
    expect(error('m f="open')).to.contain("'f'");
    expect(error('m,t=1')).to.match(/no fields/i);
    expect(error('m,time=1 f=1')).to.contain('time');
    expect(error('m time=1')).to.contain('time');
    expect(error(',t=1 f=1')).to.match(/measurement/i);
  });

  it('accepts the int64 and uint64 boundaries', () => {
    expect(one('m a=-9223372036854775808i').fields[0]!.value).to.equal(-9223372036854775808n);
    expect(one('m a=9223372036854775807i').fields[0]!.value).to.equal(9223372036854775807n);
    expect(one('m a=18446744073709551615u').fields[0]!.value).to.equal(18446744073709551615n);
    expect(one('m a=1 -5').timestamp).to.equal(-5n);
  });

  // A name/value generator with every character that needs escaping.
  const text = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom('a', 'Z', '0', ' ', ',', '=', '"', '\\', 'é', '_', '-', '.', '😀') });
  const key = text.filter((k) => k !== 'time' && !k.endsWith('\\') && !k.startsWith('#'));
  const field = fc.oneof(
    fc.record({ key, type: fc.constant('int64' as const), value: fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n) }),
    fc.record({ key, type: fc.constant('uint64' as const), value: fc.bigInt(0n, 2n ** 64n - 1n) }),
    fc.record({ key, type: fc.constant('float64' as const), value: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)) }),
    fc.record({ key, type: fc.constant('utf8' as const), value: fc.string({ maxLength: 20, unit: fc.constantFrom('a', ' ', '"', '\\', ',', '=', '\n', 'ü') }) }),
    fc.record({ key, type: fc.constant('bool' as const), value: fc.boolean() }),
  );
  const line = fc.record({
    measurement: key,
    tags: fc.uniqueArray(fc.tuple(key, text.filter((v) => !v.endsWith('\\'))), { maxLength: 4, selector: (t) => t[0] }),
    fields: fc.uniqueArray(field, { minLength: 1, maxLength: 5, selector: (f) => f.key }),
    timestamp: fc.option(fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n), { nil: null }),
  }).filter((l) => !l.tags.some(([k]) => l.fields.some((f) => f.key === k)));

  it('round-trips random lines through serializeLine (property)', () => {
    fc.assert(
      fc.property(line, (l) => {
        const lp = serializeLine(l as ParsedLine & { timestamp: bigint | null });
        const r = parseLineProtocol(lp);
        expect(r.errors, lp).to.deep.equal([]);
        expect(r.lines[0]!.line).to.deep.equal(l);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on random or mutated input (property)', () => {
    const mutated = fc.tuple(line, fc.nat(), fc.string({ maxLength: 3 })).map(([l, at, ins]) => {
      const lp = serializeLine(l as ParsedLine & { timestamp: bigint | null });
      const i = at % (lp.length + 1);
      return lp.slice(0, i) + ins + lp.slice(i + 1);
    });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), mutated), (input) => {
        const r = parseLineProtocol(input);
        for (const e of r.errors) {
          expect(e.error_message).to.be.a('string').and.not.equal('');
          expect(e.line_number).to.be.greaterThan(0);
        }
        for (const x of r.lines) expect(x.line.fields.length).to.be.greaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });
});
