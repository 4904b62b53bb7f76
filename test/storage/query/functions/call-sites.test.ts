import { expect } from 'chai';
import { tokenize } from '../../../../src/storage/query/sql-lexer.js';
import { findCalls } from '../../../../src/storage/query/functions/call-sites.js';
import { functionEdits } from '../../../../src/storage/query/functions/index.js';
import { applyEdits } from '../../../../src/storage/query/sql-rewrite.js';

const text = (sql: string, span: { start: number; end: number } | null) => (span ? sql.slice(span.start, span.end) : null);

describe('storage/query/functions: finding and rewriting DataFusion calls', () => {
  it('splits arguments at top-level commas and finds ORDER BY, DISTINCT, WITHIN GROUP and OVER', () => {
    const sql = "SELECT f(a, g(b, c), [1, 2]), f(DISTINCT x ORDER BY t DESC), f(0.5) WITHIN GROUP (ORDER BY v), f(y) OVER (PARTITION BY h), t.f(z), 'f(no)'";
    const calls = findCalls(tokenize(sql), new Set(['f']));
    expect(calls.map((c) => c.args.map((a) => text(sql, a)))).to.deep.equal([['a', 'g(b, c)', '[1, 2]'], ['x'], ['0.5'], ['y']]);
    expect(calls.map((c) => c.distinct)).to.deep.equal([false, true, false, false]);
    expect(text(sql, calls[1]!.orderBy)).to.equal('t DESC');
    expect(text(sql, calls[2]!.withinGroup)).to.equal('v');
    expect(text(sql, calls[2]!)).to.equal('f(0.5) WITHIN GROUP (ORDER BY v)');
    expect(calls.map((c) => c.over)).to.deep.equal([false, false, false, true]);
  });

  it('rewrites nested calls inside out and leaves a call its rewrite declines as written', () => {
    const sql = 'SELECT first_value(last_value(x ORDER BY t) ORDER BY t), first_value(x) OVER (ORDER BY t) FROM m';
    expect(applyEdits(sql, functionEdits(tokenize(sql)))).to.equal('SELECT first(last(x ORDER BY t) ORDER BY t), first_value(x) OVER (ORDER BY t) FROM m');
  });

  it('never touches strings, comments or quoted names', () => {
    const sql = `SELECT 'first_value(x ORDER BY t)', "first_value" FROM m -- first_value(y ORDER BY t)`;
    expect(applyEdits(sql, functionEdits(tokenize(sql)))).to.equal(sql);
  });
});
