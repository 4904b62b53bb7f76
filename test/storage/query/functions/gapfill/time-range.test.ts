import { expect } from 'chai';
import { tokenize } from '../../../../../src/storage/query/sql-lexer.js';
import { findTimeRange } from '../../../../../src/storage/query/functions/gapfill/time-range.js';

// The WHERE clause of `sql` (everything after WHERE) and its time range, each end as text with its inclusion.
function range(where: string): string[] {
  const sql = `WHERE ${where}`;
  const tokens = tokenize(sql);
  const r = findTimeRange(tokens, { from: 1, to: tokens.length }, 'time');
  const text = (b: { from: number; to: number; included: boolean }): string =>
    `${b.included ? '[' : '('}${sql.slice(tokens[b.from]!.start, tokens[b.to - 1]!.end)}`;
  return [text(r.lower), text(r.upper)];
}

describe('storage/query/functions/gapfill: the time range of a gap-filling query', () => {
  it('reads both sides of comparisons, inclusive or not', () => {
    expect(range("time >= 'a' AND time < 'b'")).to.deep.equal(["['a'", "('b'"]);
    expect(range("'a' < time AND 'b' >= m.time")).to.deep.equal(["('a'", "['b'"]);
    expect(range("(time > now() - INTERVAL '1 hour') AND room = 'x' AND time <= now()")).to.deep.equal(["(now() - INTERVAL '1 hour'", '[now()']);
  });

  it('reads BETWEEN as inclusive without splitting at its AND', () => {
    expect(range("time BETWEEN 'a' AND 'b' AND v > 1")).to.deep.equal(["['a'", "['b'"]);
  });

  it("answers IOx's errors for missing bounds", () => {
    expect(() => range("room = 'x'")).to.throw('gap-filling query is missing both upper and lower time bounds');
    expect(() => range("time >= 'a'")).to.throw('gap-filling query is missing upper time bound');
    expect(() => range("time < 'b' OR time > 'a'")).to.throw('gap-filling query is missing both upper and lower time bounds');
    expect(() => range("time < 'b'")).to.throw('gap-filling query is missing lower time bound');
  });
});
