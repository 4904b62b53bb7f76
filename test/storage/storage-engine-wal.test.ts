import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createLogger } from '../../src/shared/logger.js';
import { StorageEngine, type WalReplayWrite } from '../../src/storage/storage-engine.js';
import { StorageMetrics } from '../../src/storage/storage-metrics.js';

const options = { precision: 'ns' as const, acceptPartial: false, noSync: false };

function engine(dataDir: string): StorageEngine {
  return new StorageEngine({ objectStore: 'file', dataDir, walFlushIntervalMs: 1000, logger: createLogger('silent'), metrics: new StorageMetrics(new Registry()) });
}

async function all(gen: AsyncIterable<WalReplayWrite>) {
  const out = [];
  for await (const w of gen) out.push({ seq: w.seq, database: w.database, rows: w.rows.map((r) => `${r.table}:${r.fields[0]!.value}`) });
  return out;
}

describe('storage/storage-engine: WAL for WAL triggers, and file modes', () => {
  let root: string;
  let umask: number;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'storage-wal-'));
    umask = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(root, { recursive: true, force: true });
  });

  it('creates the data dir, its WAL and DuckDB directories 0700 and the catalog and WAL files 0600 under umask 022', async () => {
    const dataDir = join(root, 'a', 'data');
    const s = engine(dataDir);
    await s.start();
    await s.write('db', 'cpu v=1 1', options);
    await s.stop();
    for (const d of [join(root, 'a'), dataDir, join(dataDir, 'wal'), join(dataDir, 'duckdb')]) expect(statSync(d).mode & 0o777, d).to.equal(0o700);
    const files = [join(dataDir, 'catalog.json'), ...readdirSync(join(dataDir, 'wal')).map((n) => join(dataDir, 'wal', n))];
    expect(files.length).to.be.greaterThan(1);
    for (const f of files) expect(statSync(f).mode & 0o777, f).to.equal(0o600);
  });

  it('re-reads acknowledged writes after a seq, in order, across a restart', async () => {
    const dataDir = join(root, 'data');
    let s = engine(dataDir);
    const floor = 1n;
    s.walRetention = { floor: () => floor, maxBytes: 1 << 30 };
    await s.start();
    await s.write('a', 'cpu v=1 1', options);
    await s.write('b', 'mem v=2 2', options);
    await s.write('a', 'cpu v=3 3\ncpu v=4 4', options);
    expect(s.lastAckedSeq).to.equal(3n);
    await s.checkpoint();
    await s.stop();
    s = engine(dataDir);
    s.walRetention = { floor: () => floor, maxBytes: 1 << 30 };
    await s.start();
    expect(s.lastAckedSeq).to.equal(3n);
    expect(await all(s.readWal(1n, 3n))).to.deep.equal([
      { seq: 2n, database: 'b', rows: ['mem:2'] },
      { seq: 3n, database: 'a', rows: ['cpu:3', 'cpu:4'] },
    ]);
    await s.stop();
  });
});
