import { expect } from 'chai';
import { pino } from 'pino';
import { FlushBuffer, toPluginRow } from '../../src/storage/flush-buffer.js';
import type { WalFlushEvent } from '../../src/storage/types.js';

const logger = pino({ level: 'silent' });

describe('storage/flush-buffer', () => {
  it('turns rows into the plugin shape: tags, fields, time, only present columns', () => {
    const row = toPluginRow({ table: 'cpu', tags: [['host', 'A'], ['region', 'west']], fields: [{ key: 'usage', type: 'int64', value: 1n }, { key: 'system', type: 'float64', value: 23.2 }], time: 100n });
    expect(row).to.deep.equal({ host: 'A', region: 'west', usage: 1n, system: 23.2, time: 100n });
    expect(Object.keys(row)).to.deep.equal(['host', 'region', 'usage', 'system', 'time']);
  });

  it('emits one event per database per flush with that interval\'s rows, grouped by table', () => {
    const fb = new FlushBuffer({ intervalMs: 1000, logger });
    const events: WalFlushEvent[] = [];
    fb.on('flush', (e) => events.push(e));
    fb.add('a', [{ table: 'cpu', tags: [], fields: [{ key: 'f', type: 'float64', value: 1 }], time: 1n }], 1n);
    fb.add('a', [{ table: 'mem', tags: [], fields: [{ key: 'f', type: 'float64', value: 2 }], time: 2n }], 2n);
    fb.add('b', [{ table: 'cpu', tags: [], fields: [{ key: 'f', type: 'float64', value: 3 }], time: 3n }], 3n);
    fb.add('a', [{ table: 'cpu', tags: [], fields: [{ key: 'f', type: 'float64', value: 4 }], time: 4n }], 4n);
    fb.flush();
    expect(events).to.deep.equal([
      { database: 'a', tables: [{ table_name: 'cpu', rows: [{ f: 1, time: 1n }, { f: 4, time: 4n }] }, { table_name: 'mem', rows: [{ f: 2, time: 2n }] }], firstSeq: 1n, lastSeq: 4n, throughSeq: 4n },
      { database: 'b', tables: [{ table_name: 'cpu', rows: [{ f: 3, time: 3n }] }], firstSeq: 3n, lastSeq: 3n, throughSeq: 4n },
    ]);
    fb.flush();
    expect(events).to.have.length(2);
  });

  it('keeps only the rows of databases it collects; a flush without any announces the WAL position once', () => {
    const fb = new FlushBuffer({ intervalMs: 1000, logger });
    const events: WalFlushEvent[] = [];
    const positions: bigint[] = [];
    fb.on('flush', (e) => events.push(e));
    fb.on('position', (seq) => positions.push(seq));
    fb.collects = (db) => db === 'a';
    const row = { table: 'cpu', tags: [], fields: [{ key: 'f', type: 'float64' as const, value: 1 }], time: 1n };
    fb.add('b', [row], 5n);
    fb.flush();
    expect(events, 'no rows of b are kept').to.deep.equal([]);
    expect(positions).to.deep.equal([5n]);
    fb.flush();
    expect(positions, 'announced once').to.deep.equal([5n]);
    fb.add('b', [row], 6n);
    fb.add('a', [row], 7n);
    fb.flush();
    expect(events.map((e) => [e.database, e.throughSeq])).to.deep.equal([['a', 7n]]);
    expect(positions).to.deep.equal([5n]);
  });

  it('gives each flush the WAL positions it covers', () => {
    const fb = new FlushBuffer({ intervalMs: 1000, logger });
    const events: WalFlushEvent[] = [];
    fb.on('flush', (e) => events.push(e));
    fb.add('a', [{ table: 'cpu', tags: [], fields: [{ key: 'f', type: 'float64', value: 1 }], time: 1n }], 7n);
    fb.flush();
    fb.add('b', [{ table: 'cpu', tags: [], fields: [{ key: 'f', type: 'float64', value: 1 }], time: 1n }], 8n);
    fb.add('a', [{ table: 'cpu', tags: [], fields: [{ key: 'f', type: 'float64', value: 1 }], time: 1n }], 9n);
    fb.flush();
    expect(events.map((e) => [e.database, e.firstSeq, e.lastSeq, e.throughSeq])).to.deep.equal([
      ['a', 7n, 7n, 7n],
      ['b', 8n, 8n, 9n],
      ['a', 9n, 9n, 9n],
    ]);
  });

  it('keeps nothing when nobody listens', () => {
    const fb = new FlushBuffer({ intervalMs: 1000, logger });
    fb.add('a', [{ table: 'cpu', tags: [], fields: [{ key: 'f', type: 'float64', value: 1 }], time: 1n }], 1n);
    const events: WalFlushEvent[] = [];
    fb.on('flush', (e) => events.push(e));
    fb.flush();
    expect(events).to.deep.equal([]);
  });
});
