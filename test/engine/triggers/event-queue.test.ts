import { expect } from 'chai';
import { EventQueue } from '../../../src/engine/triggers/event-queue.js';
import type { TriggerEvent } from '../../../src/engine/triggers/trigger-event.js';
import { WalBatch } from '../../../src/engine/triggers/wal/wal-batch.js';

function wal(table: string, rows: number, start = 0): TriggerEvent {
  return { kind: 'wal', batch: new WalBatch('db', [{ table_name: table, rows: Array.from({ length: rows }, (_, i) => ({ v: start + i, time: BigInt(i) })) }]) };
}

describe('engine/triggers/event-queue', () => {
  it('keeps events in order up to its capacity', () => {
    const q = new EventQueue(3);
    for (let i = 0; i < 3; i++) expect(q.push(wal('t', 1, i)).coalesced).to.equal(false);
    expect(q.length).to.equal(3);
    const first = q.shift()!;
    expect(first.kind === 'wal' && first.batch.tables[0]!.rows[0]!.v).to.equal(0);
  });

  it('folds a WAL batch into the newest queued one when full, keeping every row in write order', () => {
    const q = new EventQueue(2, 100);
    q.push(wal('t', 1, 0));
    q.push(wal('t', 2, 10));
    const out = q.push(wal('t', 3, 20));
    expect(out).to.include({ accepted: true, coalesced: true, droppedEvents: 0 });
    expect(q.length).to.equal(2);
    q.shift();
    const tail = q.shift()!;
    expect(tail.kind).to.equal('wal');
    if (tail.kind !== 'wal') return;
    expect(tail.batch.rows).to.equal(5);
    expect(tail.batch.tables[0]!.rows.map((r) => r.v)).to.deep.equal([10, 11, 20, 21, 22]);
  });

  it('drops the oldest WAL batch (counted) once coalescing would pass the row cap', () => {
    const q = new EventQueue(2, 4);
    const first = wal('t', 3, 0);
    q.push(first);
    q.push(wal('t', 3, 10));
    const out = q.push(wal('t', 3, 20));
    expect(out).to.deep.equal({ accepted: true, coalesced: false, droppedEvents: 1, droppedRows: 3, droppedEvent: first });
    const left = q.drain().map((e) => (e.kind === 'wal' ? e.batch.tables[0]!.rows[0]!.v : null));
    expect(left).to.deep.equal([10, 20]);
  });

  it('refuses a request when full', () => {
    const q = new EventQueue(1);
    const req = (): TriggerEvent => ({ kind: 'request', input: { queryParameters: {}, headers: {}, body: Buffer.alloc(0) }, settle: () => undefined, fail: () => undefined });
    expect(q.push(req()).accepted).to.equal(true);
    expect(q.push(req()).accepted).to.equal(false);
    expect(q.length).to.equal(1);
  });

  it('keeps at most one queued schedule run: a newer fire replaces it and counts as missed', () => {
    const q = new EventQueue();
    let doneCalls = 0;
    q.push({ kind: 'schedule', plannedMs: 1000, missed: 0, done: () => doneCalls++ });
    const out = q.push({ kind: 'schedule', plannedMs: 2000, missed: 2 });
    expect(out.coalesced).to.equal(true);
    expect(doneCalls).to.equal(1);
    expect(q.length).to.equal(1);
    expect(q.shift()).to.deep.include({ kind: 'schedule', plannedMs: 2000, missed: 3 });
  });
});
