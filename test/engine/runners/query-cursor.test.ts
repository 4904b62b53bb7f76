import { expect } from 'chai';
import { Registry } from 'prom-client';
import { QueryCursor } from '../../../src/engine/runners/query-cursor.js';
import { MsgpackCodec } from '../../../src/ipc/index.js';
import { createLogger } from '../../../src/shared/logger.js';
import { StorageEngine } from '../../../src/storage/storage-engine.js';
import { StorageMetrics } from '../../../src/storage/storage-metrics.js';

describe('engine/runners/query-cursor', function () {
  this.timeout(60_000);
  let storage: StorageEngine;
  const codec = new MsgpackCodec();
  const ROWS = 20_000;

  before(async () => {
    storage = new StorageEngine({ objectStore: 'memory', dataDir: null, walFlushIntervalMs: 1000, logger: createLogger('silent'), metrics: new StorageMetrics(new Registry()) });
    await storage.start();
    const lines = Array.from({ length: ROWS }, (_, i) => `m,host=h${i % 3} v=${i}i,f=${i}.0 ${i}`);
    await storage.write('db', lines.join('\n'), { precision: 'ns', acceptPartial: false, noSync: true });
  });
  after(() => storage.stop());

  it('pages a result (columns first, a cursor while rows remain) and every row arrives once, in order', async () => {
    const cursor = await QueryCursor.open(storage, 'db', 'SELECT v, f, host FROM m ORDER BY time', null, 16 * 1024);
    const pages: Array<{ columns?: string[]; rows: unknown[][]; cursor?: number }> = [];
    while (!cursor.done) pages.push(codec.decode((await cursor.nextPage(9)).bytes) as (typeof pages)[number]);
    expect(pages.length).to.be.greaterThan(3);
    expect(pages[0]!.columns).to.deep.equal(['v', 'f', 'host']);
    expect(pages.slice(1).every((p) => p.columns === undefined)).to.equal(true);
    expect(pages.slice(0, -1).every((p) => p.cursor === 9)).to.equal(true);
    expect(pages[pages.length - 1]!.cursor).to.equal(undefined);
    const rows = pages.flatMap((p) => p.rows);
    expect(rows.length).to.equal(ROWS);
    expect(rows.every((r, i) => r[0] === i)).to.equal(true);
    // Float columns stay floats, even when integral (msgpackr decodes them as numbers either way; the tag is a str).
    expect(rows[7]).to.deep.equal([7, 7, 'h1']);
    await cursor.finished;
  });

  it('a small result is one page without a cursor, as protocol version 1 sent it', async () => {
    const cursor = await QueryCursor.open(storage, 'db', 'SELECT count(*) AS n FROM m', null);
    expect(codec.decode((await cursor.nextPage(1)).bytes)).to.deep.equal({ columns: ['n'], rows: [[ROWS]] });
    expect(cursor.done).to.equal(true);
  });

  it('closing early releases the query; a bad query fails with upstream\'s QueryError text', async () => {
    const cursor = await QueryCursor.open(storage, 'db', 'SELECT v FROM m', null, 1024);
    await cursor.nextPage(1);
    expect(cursor.done).to.equal(false);
    cursor.close();
    await cursor.finished;
    let message = '';
    await QueryCursor.open(storage, 'db', 'SELECT nope FROM m', null).catch((err: Error) => (message = err.message));
    expect(message).to.match(/^error: [^]* executing query on db: SELECT nope FROM m$/);
  });
});
