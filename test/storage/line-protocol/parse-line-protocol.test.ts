import { expect } from 'chai';
import fc from 'fast-check';
import { parseLineProtocol } from '../../../src/storage/line-protocol/parse-line-protocol.js';
import { serializeLine } from '../../../src/storage/line-protocol/serialize-line.js';
import type { Field, ParsedLine } from '../../../src/storage/types.js';

function one(body: string): ParsedLine {
  const { lines, errors } = parseLineProtocol(body);
  expect(errors, JSON.stringify(errors)).to.deep.equal([]);
  expect(lines).to.have.length(1);
  return lines[0]!.line;
}

function errorOf(body: string): string {
  const { lines, errors } = parseLineProtocol(body);
  expect(lines, 'expected no parsed line').to.deep.equal([]);
  expect(errors).to.have.length(1);
  return errors[0]!.message;
}

const value = (body: string): unknown => one(body).fields[0]!.value;

describe('parseLineProtocol', () => {
  describe('structure', () => {
    it('parses measurement, tags, fields and timestamp', () => {
      expect(one('cpu,host=server01,region=us-west usage=0.64,system=23.2 1700000000000000000')).to.deep.equal({
        measurement: 'cpu',
        tags: [
          ['host', 'server01'],
          ['region', 'us-west'],
        ],
        fields: [
          { key: 'usage', type: 'float64', value: 0.64 },
          { key: 'system', type: 'float64', value: 23.2 },
        ],
        timestamp: 1700000000000000000n,
      });
    });

    it('makes tags and timestamp optional', () => {
      expect(one('m f=1')).to.deep.equal({ measurement: 'm', tags: [], fields: [{ key: 'f', type: 'float64', value: 1 }], timestamp: null });
    });

    it('accepts several spaces between sections and trailing blanks', () => {
      const line = one('m,t=a   f=1   5  \t');
      expect(line.timestamp).to.equal(5n);
      expect(one('m f=1 ').timestamp).to.equal(null);
    });

    it('accepts measurements starting with an underscore and tag values containing =', () => {
      const line = one('_m,t=a=b f=1');
      expect(line.measurement).to.equal('_m');
      expect(line.tags).to.deep.equal([['t', 'a=b']]);
    });

    it('accepts unescaped commas in tag keys and field keys, as InfluxDB 3 does', () => {
      const line = one('m,a,b=1 c,d=2');
      expect(line.tags).to.deep.equal([['a,b', '1']]);
      expect(line.fields[0]!.key).to.equal('c,d');
    });

    it('lets the last duplicate tag and field win, keeping the first position', () => {
      const line = one('m,a=1,b=2,a=3 x=1,y=2i,x="s"');
      expect(line.tags).to.deep.equal([
        ['a', '3'],
        ['b', '2'],
      ]);
      expect(line.fields).to.deep.equal([
        { key: 'x', type: 'utf8', value: 's' },
        { key: 'y', type: 'int64', value: 2n },
      ]);
    });

    it('handles many fields with duplicates (indexed lookup)', () => {
      const parts = Array.from({ length: 100 }, (_, i) => `f${i}=${i}i`);
      const line = one(`m ${parts.join(',')},f50=true,f99=1u`);
      expect(line.fields).to.have.length(100);
      expect(line.fields[50]).to.deep.equal({ key: 'f50', type: 'bool', value: true });
      expect(line.fields[99]).to.deep.equal({ key: 'f99', type: 'uint64', value: 1n });
    });

    it('shares one frozen tag array between lines of the same series', () => {
      const { lines } = parseLineProtocol('m,t=a f=1\nm,t=a f=2\nm,t=b f=3');
      expect(lines[0]!.line.tags).to.equal(lines[1]!.line.tags);
      expect(lines[2]!.line.tags).to.deep.equal([['t', 'b']]);
      expect(Object.isFrozen(lines[0]!.line.tags)).to.equal(true);
      expect(lines[0]!.line.fields).to.not.equal(lines[1]!.line.fields);
    });
  });

  describe('escapes', () => {
    it('unescapes comma, space and backslash in measurements and keeps other backslashes', () => {
      expect(one('a\\,b\\ c\\\\d f=1').measurement).to.equal('a,b c\\d');
      expect(one('a\\=b\\xc f=1').measurement).to.equal('a\\=b\\xc');
      expect(one('a=b f=1').measurement).to.equal('a=b');
    });

    it('unescapes comma, equals, space and backslash in tag keys, tag values and field keys', () => {
      const line = one('m,k\\,1\\=\\ \\\\=v\\,1\\=\\ \\\\\\x f\\,\\=\\ =1');
      expect(line.tags).to.deep.equal([['k,1= \\', 'v,1= \\\\x']]);
      expect(line.fields[0]!.key).to.equal('f,= ');
    });

    it('unescapes \\" and \\\\ in string values and keeps other backslashes', () => {
      expect(value('m f="a\\"b\\\\c\\nd"')).to.equal('a"b\\c\\nd');
      expect(value('m f=""')).to.equal('');
      expect(value('m f="with, commas= and spaces"')).to.equal('with, commas= and spaces');
    });

    it('rejects a name ending in a lone backslash', () => {
      expect(errorOf('m,t=a\\')).to.match(/may not end with a backslash: 'a\\'/);
    });
  });

  describe('field types', () => {
    it('parses floats in every notation', () => {
      for (const [text, expected] of [
        ['1', 1],
        ['-1.5', -1.5],
        ['1e10', 1e10],
        ['1.5E-3', 1.5e-3],
        ['1.e+78', 1e78],
        ['.5', 0.5],
        ['-0', -0],
        ['0.1', 0.1],
        ['123456789012345678901234567890', 1.2345678901234568e29],
        ['3.141592653589793238', Math.PI],
      ] as const) {
        const got = value(`m f=${text}`);
        expect(Object.is(got, expected), `${text} -> ${String(got)}`).to.equal(true);
      }
    });

    it('parses integers with int64 bounds', () => {
      expect(value('m f=12i')).to.equal(12n);
      expect(value('m f=-12i')).to.equal(-12n);
      expect(value('m f=9223372036854775807i')).to.equal(9223372036854775807n);
      expect(value('m f=-9223372036854775808i')).to.equal(-9223372036854775808n);
      expect(errorOf('m f=9223372036854775808i')).to.equal(
        "invalid field value in line protocol for field 'f' on line 1: integer value '9223372036854775808i' is out of range for int64",
      );
    });

    it('parses unsigned integers with uint64 bounds', () => {
      expect(value('m f=12u')).to.equal(12n);
      expect(one('m f=12u').fields[0]!.type).to.equal('uint64');
      expect(value('m f=18446744073709551615u')).to.equal(18446744073709551615n);
      expect(errorOf('m f=18446744073709551616u')).to.match(/out of range for uint64/);
      expect(errorOf('m f=-1u')).to.match(/unable to parse unsigned integer value '-1u'/);
    });

    it('parses every boolean spelling', () => {
      for (const t of ['t', 'T', 'true', 'True', 'TRUE']) expect(value(`m f=${t}`)).to.equal(true);
      for (const f of ['f', 'F', 'false', 'False', 'FALSE']) expect(value(`m f=${f}`)).to.equal(false);
      expect(errorOf('m f=tRUE')).to.match(/invalid value 'tRUE'/);
    });

    it('rejects NaN, infinity and malformed numbers', () => {
      expect(errorOf('m usage=NaN')).to.equal(
        "invalid field value in line protocol for field 'usage' on line 1: unable to parse floating-point value 'NaN': NaN and infinity are not supported",
      );
      expect(errorOf('m f=inf')).to.match(/NaN and infinity are not supported/);
      expect(errorOf('m f=-Infinity')).to.match(/NaN and infinity are not supported/);
      expect(errorOf('m f=1e400')).to.match(/'1e400' is out of range for float64/);
      for (const bad of ['1.2.3', '1e', '+1', '1x', '-', '0x10', '1_0', '1.5i', '1i2']) {
        expect(errorOf(`m f=${bad}`), bad).to.match(/^invalid field value in line protocol for field 'f' on line 1: /);
      }
      expect(errorOf('m f=abc')).to.match(/invalid value 'abc': expected a float/);
    });
  });

  describe('strings and newlines', () => {
    it('keeps newlines inside quoted strings and splits only outside them', () => {
      const { lines, errors } = parseLineProtocol('m f="a\nb\r\nc",g=1 5\nm2 h=1\n');
      expect(errors).to.deep.equal([]);
      expect(lines.map((l) => l.lineNumber)).to.deep.equal([1, 4]);
      expect(lines[0]!.line.fields[0]!.value).to.equal('a\nb\r\nc');
      expect(lines[0]!.line.timestamp).to.equal(5n);
      expect(lines[0]!.raw).to.equal('m f="a\nb\r\nc",g=1 5');
      expect(lines[1]!.line.measurement).to.equal('m2');
    });

    it('gives up only the physical line when a quote never closes', () => {
      const { lines, errors } = parseLineProtocol('m f="abc\nm f=1');
      expect(errors).to.deep.equal([
        {
          lineNumber: 1,
          raw: 'm f="abc',
          message: "invalid field value in line protocol for field 'f' on line 1: unterminated string value (missing closing double quote)",
        },
      ]);
      expect(lines.map((l) => [l.lineNumber, l.line.fields[0]!.value])).to.deep.equal([[2, 1]]);
    });

    it('keeps a bad line with a multi-line string together, as InfluxDB splits it', () => {
      const { lines, errors } = parseLineProtocol('m,t= f="a\nm2 g=1\n"\nm3 h=1');
      expect(errors).to.have.length(1);
      expect(errors[0]!.raw).to.equal('m,t= f="a\nm2 g=1\n"');
      expect(lines.map((l) => [l.lineNumber, l.line.measurement])).to.deep.equal([[4, 'm3']]);
    });

    it('rejects text after the closing quote and strings over 64KB', () => {
      expect(errorOf('m f="a"b')).to.match(/unexpected 'b' after the closing double quote/);
      expect(value(`m f="${'x'.repeat(65536)}"`)).to.have.length(65536);
      expect(errorOf(`m f="${'x'.repeat(65537)}"`)).to.match(/string is greater than 64KB/);
      expect(errorOf(`m f="${'é'.repeat(32769)}"`)).to.match(/string is greater than 64KB/);
    });
  });

  describe('timestamps', () => {
    it('accepts signed int64 timestamps of any length', () => {
      expect(one('m f=1 0').timestamp).to.equal(0n);
      expect(one('m f=1 -5').timestamp).to.equal(-5n);
      expect(one('m f=1 1700000000').timestamp).to.equal(1700000000n);
      expect(one('m f=1 -1700000000000000001').timestamp).to.equal(-1700000000000000001n);
      expect(one('m f=1 9223372036854775807').timestamp).to.equal(9223372036854775807n);
      expect(one('m f=1 -9223372036854775808').timestamp).to.equal(-9223372036854775808n);
      expect(one('m f=1 0000000000000000000000001').timestamp).to.equal(1n);
    });

    it('reuses the cached high digits correctly across lines', () => {
      const { lines } = parseLineProtocol('m f=1 1700000000000000001\nm f=1 1700000000999999999\nm f=1 -1700000000000000002\nm f=1 1700000001000000000');
      expect(lines.map((l) => l.line.timestamp)).to.deep.equal([
        1700000000000000001n,
        1700000000999999999n,
        -1700000000000000002n,
        1700000001000000000n,
      ]);
    });

    it('rejects non-integer and out-of-range timestamps', () => {
      expect(errorOf('m f=1 1.5')).to.equal("invalid timestamp '1.5': expected a signed 64-bit integer");
      expect(errorOf('m f=1 12a')).to.match(/invalid timestamp '12a'/);
      expect(errorOf('m f=1 +5')).to.match(/invalid timestamp '\+5'/);
      expect(errorOf('m f=1 -')).to.match(/invalid timestamp '-'/);
      expect(errorOf('m f=1 9223372036854775808')).to.match(/invalid timestamp '9223372036854775808': out of range/);
      expect(errorOf('m f=1 1 2')).to.match(/found trailing content '2'/);
    });
  });

  describe('errors', () => {
    const cases: Array<[string, string]> = [
      ['m', 'No fields were provided'],
      ['m ', 'No fields were provided'],
      ['m,t=1', 'No fields were provided'],
      [',t=1 f=1', 'invalid measurement was provided: the measurement name is empty'],
      ['m, f=1', 'missing tag key at column 3 (after \'m\' or a comma)'],
      ['m,=v f=1', 'missing tag key at column 3 (after \'m\' or a comma)'],
      ['m,t=1, f=1', 'missing tag key at column 7 (after \'m\' or a comma)'],
      ['m,host f=1', "missing tag value for tag 'host': expected '=' and a value"],
      ['m,host= f=1', "missing tag value for tag 'host'"],
      ['m,a=1,b=,c=2 f=1', "missing tag value for tag 'b'"],
      ['m =1', 'missing field key at column 3'],
      ['m f=1,', 'missing field key at column 7'],
      ['m f', "invalid field value in line protocol for field 'f' on line 1: missing '=' and value"],
      ['m f=', "invalid field value in line protocol for field 'f' on line 1: missing value"],
      ['m f=,g=1', "invalid field value in line protocol for field 'f' on line 1: missing value"],
      ['m,time=1 f=1', "invalid column name time: the tag key 'time' is reserved for the timestamp"],
      ['m time=1', "invalid column name time: the field key 'time' is reserved for the timestamp"],
      ['m,a=1 a=2', "invalid column name 'a': it is used as both a tag key and a field key"],
      ['m\tf=1', 'unexpected tab character at column 2: separate sections with spaces, and names cannot contain tabs'],
      ['m f=1\t5', "invalid field value in line protocol for field 'f' on line 1: unable to parse floating-point value '1\t5'"],
    ];
    for (const [body, message] of cases) {
      it(`${JSON.stringify(body)} → ${message}`, () => expect(errorOf(body)).to.equal(message));
    }

    it('reports every bad line with its number and text and keeps the good ones', () => {
      const body = 'good f=1\nbad\n\n# comment\nbad2 f=x\ngood2 f=2i';
      const { lines, errors } = parseLineProtocol(body);
      expect(lines.map((l) => [l.lineNumber, l.raw])).to.deep.equal([
        [1, 'good f=1'],
        [6, 'good2 f=2i'],
      ]);
      expect(errors.map((e) => [e.lineNumber, e.raw])).to.deep.equal([
        [2, 'bad'],
        [5, 'bad2 f=x'],
      ]);
      expect(errors[1]!.message).to.match(/^invalid field value in line protocol for field 'f' on line 5: invalid value 'x'/);
    });

    it('shortens very long offending values in messages', () => {
      const msg = errorOf(`m f=${'a'.repeat(1000)}`);
      expect(msg.length).to.be.below(300);
      expect(msg).to.include('...');
    });
  });

  describe('lines, comments and line endings', () => {
    it('skips blank lines and comments, counting them in line numbers', () => {
      const { lines, errors } = parseLineProtocol('\n# a comment\n   # indented comment\n\t\n  m f=1\n\n');
      expect(errors).to.deep.equal([]);
      expect(lines).to.have.length(1);
      expect(lines[0]!.lineNumber).to.equal(5);
      expect(lines[0]!.raw).to.equal('  m f=1');
    });

    it('handles CRLF line endings', () => {
      const { lines, errors } = parseLineProtocol('a f=1 1\r\n\r\n#c\r\nb,t=x f="s" 2\r\nc f=t\r\n');
      expect(errors).to.deep.equal([]);
      expect(lines.map((l) => [l.lineNumber, l.raw, l.line.timestamp])).to.deep.equal([
        [1, 'a f=1 1', 1n],
        [4, 'b,t=x f="s" 2', 2n],
        [5, 'c f=t', null],
      ]);
      expect(lines[1]!.line.tags).to.deep.equal([['t', 'x']]);
    });

    it('returns nothing for an empty body', () => {
      expect(parseLineProtocol('')).to.deep.equal({ lines: [], errors: [] });
      expect(parseLineProtocol('\n\n')).to.deep.equal({ lines: [], errors: [] });
    });

    it('stays fast on adversarial bodies (no quadratic rescans)', () => {
      const bodies = [
        'x\n'.repeat(200_000), // no spaces anywhere
        'm,=x f="a\n'.repeat(50_000), // every line an error with an unbalanced quote
        `m f="${'a'.repeat(400_000)}`, // one unterminated string
      ];
      for (const body of bodies) {
        const started = Date.now();
        const { lines, errors } = parseLineProtocol(body);
        expect(lines.length + errors.length).to.be.greaterThan(0);
        expect(Date.now() - started).to.be.below(5000);
      }
    });
  });

  describe('examples', () => {
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
      expect(r.errors.map((e) => [e.lineNumber, e.raw])).to.deep.equal([[6, 'bad']]);
    });

    it('keeps a newline inside a quoted string in one line', () => {
      const r = parseLineProtocol('m s="a\nb" 1\nm s="c" 2');
      expect(r.lines.map((x) => x.line.fields[0]!.value)).to.deep.equal(['a\nb', 'c']);
    });

    it('names the field and line for bad values', () => {
      expect(errorOf('m f=')).to.contain("field 'f'").and.to.contain('line 1');
      expect(errorOf('m f=99999999999999999999i')).to.contain('out of range for int64');
      expect(errorOf('m f=18446744073709551616u')).to.contain("'f'");
      expect(errorOf('m f=-1u')).to.contain("'f'");
      expect(errorOf('m f=inf')).to.contain('inf');
      expect(errorOf('m f=1 abc')).to.contain("invalid timestamp 'abc'");
      expect(errorOf('m f="open')).to.contain("'f'");
      expect(errorOf('m,t=1')).to.match(/no fields/i);
      expect(errorOf('m,time=1 f=1')).to.contain('time');
      expect(errorOf('m time=1')).to.contain('time');
      expect(errorOf(',t=1 f=1')).to.match(/measurement/i);
    });

    it('accepts the int64 and uint64 boundaries', () => {
      expect(one('m a=-9223372036854775808i').fields[0]!.value).to.equal(-9223372036854775808n);
      expect(one('m a=9223372036854775807i').fields[0]!.value).to.equal(9223372036854775807n);
      expect(one('m a=18446744073709551615u').fields[0]!.value).to.equal(18446744073709551615n);
      expect(one('m a=1 -5').timestamp).to.equal(-5n);
    });
  });

  describe('properties', () => {
    // Every character that needs an escape somewhere, plus multi-byte ones and arbitrary code points.
    const special = fc.constantFrom(',', ' ', '=', '\\', '"', '#', '\r', 'é', '😀', 'a', 'Z', '0', '-', '.', 'i', 'u', 't');
    const nameText = fc.oneof(
      fc.string({ minLength: 1, maxLength: 12, unit: special }),
      fc.string({ minLength: 1, maxLength: 12, unit: 'binary' }),
    ).filter((s) => !s.includes('\n') && !s.includes('\t'));
    const key = nameText.filter((k) => k !== 'time');
    const measurement = nameText.filter((m) => !m.startsWith('#'));
    const stringValue = fc.oneof(
      fc.string({ maxLength: 20, unit: fc.constantFrom('a', ' ', '"', '\\', ',', '=', '\n', '\r', '\t', 'ü', '😀') }),
      fc.string({ maxLength: 20, unit: 'binary' }),
    );
    const int64 = fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n);
    const field = (k: fc.Arbitrary<string>): fc.Arbitrary<Field> =>
      fc.oneof(
        fc.record({ key: k, type: fc.constant('int64' as const), value: int64 }),
        fc.record({ key: k, type: fc.constant('uint64' as const), value: fc.bigInt(0n, 2n ** 64n - 1n) }),
        fc.record({ key: k, type: fc.constant('float64' as const), value: fc.double({ noNaN: true, noDefaultInfinity: true }) }),
        fc.record({ key: k, type: fc.constant('utf8' as const), value: stringValue }),
        fc.record({ key: k, type: fc.constant('bool' as const), value: fc.boolean() }),
      );
    const validLine: fc.Arbitrary<ParsedLine> = fc
      .record({
        measurement,
        tags: fc.uniqueArray(fc.tuple(key, nameText), { maxLength: 4, selector: (t) => t[0] }),
        fields: fc.uniqueArray(field(key), { minLength: 1, maxLength: 5, selector: (f) => f.key }),
        timestamp: fc.option(int64, { nil: null }),
      })
      .filter((l) => !l.tags.some(([k]) => l.fields.some((f) => f.key === k)));

    it('parses serialised random lines back to equal values', () => {
      fc.assert(
        fc.property(validLine, (line) => {
          const text = serializeLine(line);
          const { lines, errors } = parseLineProtocol(text);
          expect(errors, text).to.deep.equal([]);
          expect(lines).to.have.length(1);
          expect(lines[0]!.line, text).to.deep.equal(line);
        }),
        { numRuns: 1000 },
      );
    });

    it('parses a multi-line body of repeated series the same as each line alone', () => {
      const body = fc.array(fc.nat(4), { minLength: 1, maxLength: 30 });
      fc.assert(
        fc.property(fc.array(validLine, { minLength: 1, maxLength: 5 }), body, fc.boolean(), (pool, picks, crlf) => {
          const texts = picks.map((p) => serializeLine(pool[p % pool.length]!));
          const parsed = parseLineProtocol(texts.join(crlf ? '\r\n' : '\n'));
          expect(parsed.errors).to.deep.equal([]);
          const alone = texts.map((t) => parseLineProtocol(t).lines[0]!.line);
          expect(parsed.lines.map((l) => l.line)).to.deep.equal(alone);
          let expectedLine = 1;
          parsed.lines.forEach((l, i) => {
            expect(l.lineNumber).to.equal(expectedLine);
            expect(l.raw).to.equal(texts[i]);
            expectedLine += texts[i]!.split('\n').length;
          });
        }),
        { numRuns: 300 },
      );
    });

    const lpAlphabet = fc.constantFrom(...'m,t=v f=1i2u3.e-E+"\\ \n\r\t#xTF'.split(''), 'true', 'é');
    const mutated = fc
      .tuple(fc.array(validLine, { minLength: 1, maxLength: 3 }), fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.string({ maxLength: 3, unit: lpAlphabet })), { maxLength: 4 }))
      .map(([lines, edits]) => {
        let text = lines.map((l) => serializeLine(l)).join('\n');
        for (const [at, del, ins] of edits) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + ins + text.slice(i + del);
        }
        return text;
      });
    const anyInput = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ maxLength: 120, unit: lpAlphabet }),
      fc.string({ maxLength: 40, unit: 'binary' }),
      mutated,
    );

    it('never throws on random or mutated input, and what it accepts survives a round trip', () => {
      fc.assert(
        fc.property(anyInput, (input) => {
          const { lines, errors } = parseLineProtocol(input);
          const physicalLines = input.split('\n').length;
          expect(lines.length + errors.length).to.be.at.most(physicalLines);
          let last = 0;
          for (const e of errors) {
            expect(e.message).to.be.a('string').and.not.equal('');
            expect(e.lineNumber).to.be.within(1, physicalLines);
            expect(input).to.include(e.raw);
          }
          for (const l of lines) {
            expect(l.lineNumber).to.be.greaterThan(last);
            last = l.lineNumber;
            expect(l.line.fields.length).to.be.greaterThan(0);
            expect(input).to.include(l.raw);
            const again = parseLineProtocol(serializeLine(l.line));
            expect(again.errors).to.deep.equal([]);
            expect(again.lines[0]!.line).to.deep.equal(l.line);
          }
        }),
        { numRuns: 3000 },
      );
    });
  });
});
