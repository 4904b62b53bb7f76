import { expect } from 'chai';
import { pino } from 'pino';
import { ApplyQueue, type ApplyItem } from '../../src/storage/apply-queue.js';
import { pollUntil } from '../helpers/poll.js';

const logger = pino({ level: 'silent' });
const item = (seq: number, rows = 1): ApplyItem => ({ dbName: 'db', rows: Array.from({ length: rows }, () => ({ table: 't', tags: [], fields: [], time: 0n })), seq: BigInt(seq) });

describe('storage/apply-queue', () => {
  it('applies queued writes in batches and resolves whenApplied after them', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const q = new ApplyQueue(async (items) => {
      batches.push(items.map((i) => Number(i.seq)));
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
    }, { logger, maxPendingRows: 1000 });
    await q.push(item(1));
    await q.push(item(2));
    await q.push(item(3));
    let done = false;
    const applied = q.whenApplied().then(() => (done = true));
    await new Promise((r) => setTimeout(r, 10)); // the scenario: still not applied 10 ms later
    expect(done).to.equal(false);
    release();
    await applied;
    expect(batches).to.deep.equal([[1], [2, 3]]);
  });

  it('retries a failed batch without losing writes queued meanwhile', async () => {
    const seen: number[] = [];
    let fail = true;
    const q = new ApplyQueue(async (items) => {
      if (fail) {
        fail = false;
        throw new Error('disk hiccup');
      }
      seen.push(...items.map((i) => Number(i.seq)));
    }, { logger, maxPendingRows: 1000 });
    await q.push(item(1));
    await q.push(item(2));
    await q.whenApplied();
    expect(seen).to.deep.equal([1, 2]);
  });

  it('makes writers wait when too many rows are queued', async () => {
    let release: () => void = () => undefined;
    let started = 0;
    const q = new ApplyQueue(async () => {
      started++;
      await new Promise<void>((r) => (release = r));
    }, { logger, maxPendingRows: 10 });
    await q.push(item(1, 5));
    let pushed = false;
    const p = q.push(item(2, 20)).then(() => (pushed = true));
    await new Promise((r) => setTimeout(r, 10)); // the scenario: the writer is still waiting 10 ms later
    expect(pushed).to.equal(false);
    release();
    await pollUntil(() => started === 2, 'the second batch to start', { intervalMs: 1 });
    release();
    await p;
    expect(pushed).to.equal(true);
  });

  it('lingers so small writes share a transaction, but not when a query waits', async () => {
    const batches: number[][] = [];
    const q = new ApplyQueue(async (items) => {
      batches.push(items.map((i) => Number(i.seq)));
    }, { logger, maxPendingRows: 1000, lingerMs: 5000 });
    await q.push(item(1));
    await q.push(item(2));
    const started = Date.now();
    await q.whenApplied();
    expect(Date.now() - started, 'did not wait out the 5 s linger').to.be.lessThan(4_000);
    expect(batches).to.deep.equal([[1, 2]]);
  });
});
