import { expect } from 'chai';
import { CallTracker, type CallHost } from '../../../src/engine/runners/call-tracker.js';

const host = (): CallHost => ({ query: async () => null, writeSync: async () => undefined, log: () => undefined });

describe('engine/runners/call-tracker', () => {
  it('the oldest unanswered call runs; the next starts when it settles', () => {
    const started: string[] = [];
    const t = new CallTracker((slot) => started.push(slot.method));
    const load = t.add('load', host(), 0);
    const a = t.add('process_writes', host(), 0);
    t.add('process_writes', host(), 0);
    expect(started).to.deep.equal(['load']);
    t.settle(load);
    expect(t.running).to.equal(a);
    expect(started).to.deep.equal(['load', 'process_writes']);
    expect(t.size).to.equal(2);
  });

  it('finds unanswered calls by their request id; a finished call\'s late messages find none', () => {
    const t = new CallTracker(() => undefined);
    const a = t.add('process_writes', host(), 0);
    const b = t.add('process_writes', host(), 0);
    t.bind(a, 7);
    t.bind(b, 8);
    expect(t.forCallId(7)).to.equal(a);
    expect(t.forCallId(8)).to.equal(b);
    t.settle(a);
    expect(t.forCallId(7)).to.equal(undefined);
    expect(t.forCallId(8)).to.equal(b);
    expect(t.forCallId(undefined)).to.equal(undefined);
  });

  it('settling a call closes the query cursors it left open', () => {
    const t = new CallTracker(() => undefined);
    const a = t.add('process_writes', host(), 0);
    const closed: number[] = [];
    a.cursors.set(1, { close: () => closed.push(1) });
    a.cursors.set(2, { close: () => closed.push(2) });
    expect(a.writes).to.equal(null);
    t.settle(a);
    expect(closed).to.deep.equal([1, 2]);
    expect(a.cursors.size).to.equal(0);
  });
});
