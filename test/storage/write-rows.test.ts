import { expect } from 'chai';
import fc from 'fast-check';
import { errorMessage } from '../../src/shared/app-error.js';
import { parseLineProtocol } from '../../src/storage/line-protocol/parse-line-protocol.js';
import { toNanoseconds } from '../../src/storage/line-protocol/precision.js';
import type { LineError, Precision, WriteRow } from '../../src/storage/types.js';
import { rowsFromBody, rowsOfWalWrite } from '../../src/storage/write-rows.js';

// The rows of a body as parseLineProtocol reports its lines, each timestamp scaled on its own.
function reference(body: string, precision: Precision, nowNs: bigint): { rows: Array<{ row: WriteRow; lineNumber: number; raw: string }>; errors: LineError[] } {
  const parsed = parseLineProtocol(body);
  const rows: Array<{ row: WriteRow; lineNumber: number; raw: string }> = [];
  const errors = [...parsed.errors];
  for (const { line, lineNumber, raw } of parsed.lines) {
    try {
      const time = toNanoseconds(line.timestamp, precision, nowNs);
      rows.push({ row: { table: line.measurement, tags: line.tags, fields: line.fields, time }, lineNumber, raw });
    } catch (err) {
      errors.push({ lineNumber, raw, message: errorMessage(err) });
    }
  }
  errors.sort((a, b) => a.lineNumber - b.lineNumber);
  return { rows, errors };
}

function plain(result: ReturnType<typeof rowsFromBody>): ReturnType<typeof reference> {
  return { rows: result.rows.map((r) => ({ row: r.row, lineNumber: r.lineNumber, raw: r.raw })), errors: result.errors };
}

// Bodies of repeated series whose lines vary their fields: some lines clash a tag with a field, some are broken.
const series = fc.constantFrom('m', 'm,a=1', 'm,a=1,b=2', 'm,b=2,a=1', 'n,a=x', 'm,a=1\\ x', 'm,a=1,a=3', 'm,time=1', 'm,a');
const fields = fc.constantFrom('f=1', 'a=1', 'b=2i', 'f=1,b=2', 'c="s p"', 'c="x\ny"', 'b=t', 'f=', 'x=1,a=2', 'f=1,f=2u', 'time=1', 'g=1e400');
const stamp = fc.constantFrom('', ' 1', ' 1700000000000000000', ' 9223372036854775807', ' -5', ' 99999999999999', ' 12x', ' 1700000000');
const line = fc.tuple(series, fields, stamp, fc.constantFrom('', ' ', '\r', '  # not a comment')).map(([s, f, t, tail]) => `${s} ${f}${t}${tail}`);
const body = fc.tuple(fc.array(fc.oneof(line, fc.constantFrom('', '# c', '  ')), { minLength: 1, maxLength: 40 }), fc.boolean()).map(([lines, crlf]) => lines.join(crlf ? '\r\n' : '\n'));
const precision = fc.constantFrom<Precision>('auto', 'ns', 'us', 'ms', 's');

describe('storage/write-rows', () => {
  it('gives the rows and errors of parseLineProtocol with each timestamp scaled, on random bodies', () => {
    fc.assert(
      fc.property(body, precision, (text, p) => {
        expect(plain(rowsFromBody(text, p, 42n)), text).to.deep.equal(reference(text, p, 42n));
      }),
      { numRuns: 2000 },
    );
  });

  it('treats each line of a body of repeated series as it treats that line alone', () => {
    const oneLine = line.filter((l) => !l.includes('\n'));
    fc.assert(
      fc.property(fc.array(oneLine, { minLength: 1, maxLength: 30 }), (lines) => {
        const whole = plain(rowsFromBody(lines.join('\n'), 'ns', 0n));
        const alone = lines.map((l) => plain(rowsFromBody(l, 'ns', 0n)));
        expect(whole.rows.map((r) => [r.lineNumber, r.row])).to.deep.equal(alone.flatMap((a, i) => a.rows.map((r) => [i + 1, r.row])));
        // Field value messages name the line: alone, every line is line 1.
        const at = (message: string, n: number): string => message.replace(/ on line \d+:/, ` on line ${n}:`);
        expect(whole.errors.map((e) => [e.lineNumber, e.message])).to.deep.equal(alone.flatMap((a, i) => a.errors.map((e) => [i + 1, at(e.message, i + 1)])));
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses a tag/field clash on every line of a series, not only the first', () => {
    const { rows, errors } = rowsFromBody('m,a=1 f=1 1\nm,a=1 a=2 2\nm,a=1 f=3 3\nm,a=1 a=4 4', 'ns', 0n);
    expect(rows.map((r) => r.lineNumber)).to.deep.equal([1, 3]);
    expect(errors.map((e) => [e.lineNumber, e.raw])).to.deep.equal([
      [2, 'm,a=1 a=2 2'],
      [4, 'm,a=1 a=4 4'],
    ]);
    expect(errors[0]!.message).to.include("invalid column name 'a'");
  });

  it('reports a line whose scaled timestamp leaves int64 among the parse errors, in line order', () => {
    const { rows, errors } = rowsFromBody('m f=1 1\nm f= 2\nm f=1 9223372036854775807\nm f=1 3', 's', 0n);
    expect(rows.map((r) => [r.lineNumber, r.raw, r.row.time])).to.deep.equal([
      [1, 'm f=1 1', 1_000_000_000n],
      [4, 'm f=1 3', 3_000_000_000n],
    ]);
    expect(errors.map((e) => e.lineNumber)).to.deep.equal([2, 3]);
    expect(errors[1]!.raw).to.equal('m f=1 9223372036854775807');
  });

  it('re-reads the rows of a WAL write without the lines it refused', () => {
    const rows = rowsOfWalWrite({ database: 'd', body: 'm f=1 1\nm f=2 2\nm f=3', precision: 'ns', defaultTimeNs: 7n, refusedLines: [2] });
    expect(rows.map((r) => [r.fields[0]!.value, r.time])).to.deep.equal([
      [1, 1n],
      [3, 7n],
    ]);
  });
});
