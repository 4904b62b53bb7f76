import { expect } from 'chai';
import { WalCursor } from '../../../../src/engine/triggers/wal/wal-cursor.js';

describe('engine/triggers/wal/wal-cursor', () => {
  it('moves to what it has seen when nothing is open, and reports each new position once', () => {
    const moves: bigint[] = [];
    const c = new WalCursor(5n, (seq) => moves.push(seq));
    c.seen(9n);
    c.seen(9n);
    c.seen(7n);
    expect(c.position).to.equal(9n);
    expect(moves).to.deep.equal([9n]);
  });

  it('stays below the oldest open batch, whatever order batches complete in', () => {
    const c = new WalCursor(0n);
    const a = {};
    const b = {};
    c.begin(a, 3n, 4n);
    c.begin(b, 6n, 8n);
    c.seen(10n);
    expect(c.position).to.equal(2n);
    c.finish(b);
    expect(c.position, 'b is done but a is not').to.equal(2n);
    c.finish(a);
    expect(c.position).to.equal(10n);
  });

  it('seen() applies at once, so a flush\'s own batch must be registered before its end is seen', () => {
    const d = new WalCursor(0n);
    const mine = {};
    d.begin(mine, 50n, 100n);
    d.seen(100n);
    expect(d.position).to.equal(49n);
    d.finish(mine);
    expect(d.position).to.equal(100n);
  });

  it('never moves back', () => {
    const c = new WalCursor(20n);
    const late = {};
    c.begin(late, 15n, 25n);
    expect(c.position).to.equal(20n);
    c.finish(late);
    expect(c.position).to.equal(25n);
  });

  it('a replay caps it at what the replay handed over until release()', () => {
    const c = new WalCursor(10n);
    c.hold(10n);
    const live = {};
    c.begin(live, 60n, 70n);
    const replayed = {};
    c.begin(replayed, 11n, 30n);
    c.holdUntil(30n);
    expect(c.position).to.equal(10n);
    c.finish(replayed);
    expect(c.position, 'capped at the replay position').to.equal(30n);
    c.release(50n);
    expect(c.position, 'live batch still open').to.equal(59n);
    c.finish(live);
    expect(c.position).to.equal(70n);
  });
});
