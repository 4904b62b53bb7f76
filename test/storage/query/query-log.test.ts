import { expect } from 'chai';
import { QueryLog } from '../../../src/storage/query/query-log.js';

const info = (text: string, database = 'db') => ({ type: 'sql' as const, text, database, tokenName: 'reader' });

describe('storage/query-log: the query log behind system.queries', () => {
  it('records a query from received to success, with its phases, rows and durations', async () => {
    const log = new QueryLog(10);
    let during: string | undefined;
    await log.track(info('SELECT 1'), async (q) => {
      during = log.entries()[0]!.phase;
      QueryLog.current()!.permitted();
      QueryLog.current()!.planned();
      q.addRows(3);
    });
    const [e] = log.entries();
    expect(during).to.equal('received');
    expect(e).to.include({ text: 'SELECT 1', database: 'db', tokenName: 'reader', phase: 'success', rows: 3, error: null });
    for (const d of [e!.permitMs, e!.planMs, e!.executeMs, e!.end2endMs]) expect(d).to.be.a('number').and.at.least(0);
    expect(e!.end2endMs!).to.be.at.least(e!.executeMs!);
  });

  it('counts the rows of a materialised result and records a failure with its message', async () => {
    const log = new QueryLog(10);
    await log.track(info('ok'), async () => [1, 2], { rowsOf: (r) => r.length });
    const failing = log.track(info('bad'), async () => {
      throw new Error('Error during planning: table x not found');
    });
    await failing.then(() => expect.fail('should throw'), () => undefined);
    const [ok, bad] = log.entries();
    expect(ok).to.include({ phase: 'success', rows: 2 });
    expect(bad).to.include({ phase: 'fail', error: 'Error during planning: table x not found' });
  });

  it('ends a query whose signal aborted as cancelled, with the reason', async () => {
    const log = new QueryLog(10);
    const abort = new AbortController();
    const run = log.track(info('long'), async () => {
      abort.abort(new Error('the client cancelled the call'));
      throw abort.signal.reason;
    }, { signal: abort.signal });
    await run.catch(() => undefined);
    expect(log.entries()[0]).to.include({ phase: 'cancel', error: 'the client cancelled the call' });
  });

  it('keeps the last `capacity` queries in issue order, and none with capacity 0', async () => {
    const log = new QueryLog(3);
    for (const n of [1, 2, 3, 4, 5]) await log.track(info(`q${n}`), async () => undefined);
    expect(log.entries().map((e) => e.text)).to.deep.equal(['q3', 'q4', 'q5']);
    const none = new QueryLog(0);
    await none.track(info('q'), async () => undefined);
    expect(none.entries()).to.deep.equal([]);
  });

  it('has no current query outside a tracked one', async () => {
    const log = new QueryLog(1);
    expect(QueryLog.current()).to.equal(undefined);
    await log.track(info('q'), async () => {
      await new Promise((r) => setImmediate(r));
      expect(QueryLog.current()).to.not.equal(undefined);
    });
    expect(QueryLog.current()).to.equal(undefined);
  });
});
