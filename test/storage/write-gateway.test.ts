import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { AppError } from '../../src/shared/app-error.js';
import { createLogger } from '../../src/shared/logger.js';
import { StorageEngine } from '../../src/storage/storage-engine.js';
import { StorageMetrics } from '../../src/storage/storage-metrics.js';
import type { AcknowledgedWrite, WriteGateway } from '../../src/storage/write-gateway.js';

const options = { precision: 'ns' as const, acceptPartial: true, noSync: false };

// A process node's gateway as storage sees it: a recording stand-in.
class RecordingGateway implements WriteGateway {
  acks: AcknowledgedWrite[] = [];
  refuse: string | null = null;
  tableData = true;
  admit(database: string): void {
    if (this.refuse) throw new AppError('full', `${this.refuse} ${database}`, { status: 503, expose: true });
  }
  acknowledged(w: AcknowledgedWrite): void {
    this.acks.push(w);
  }
  keepsTableData(): boolean {
    return this.tableData;
  }
  forwardedSeq(): bigint {
    return 0n;
  }
}

describe('storage: the write gateway of a process node', () => {
  let root: string;
  let s: StorageEngine;
  let gw: RecordingGateway;
  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'storage-gateway-'));
    s = new StorageEngine({ objectStore: 'file', dataDir: root, walFlushIntervalMs: 1000, logger: createLogger('silent'), metrics: new StorageMetrics(new Registry()) });
    gw = new RecordingGateway();
    s.gateway = gw;
    await s.start();
  });
  afterEach(async () => {
    await s.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('hands each acknowledged write over with its seq, rows, WAL bytes and ack time (the time of lines without one)', async () => {
    await s.write('db', 'cpu v=1 5\ncpu v=2\nbad line', options);
    expect(gw.acks).to.have.length(1);
    const [w] = gw.acks;
    expect([w!.seq, w!.database, w!.rows.length]).to.deep.equal([1n, 'db', 2]);
    expect(w!.bytes).to.be.greaterThan(0);
    expect(w!.rows[1]!.time).to.equal(w!.ackTimeNs);
    // The WAL gives the forwarder the same rows and ack time back.
    const again = [];
    for await (const r of s.readWal(0n, 1n)) again.push(r);
    expect(again[0]).to.deep.include({ seq: 1n, ackTimeNs: w!.ackTimeNs, bytes: w!.bytes });
    expect(again[0]!.rows).to.deep.equal(w!.rows);
    expect(await s.walSizeAfter(0n)).to.deep.equal({ records: 1, bytes: w!.bytes });
  });

  it('a refusal from admit() stops the write before the WAL', async () => {
    gw.refuse = 'backlog full for';
    const err = await s.write('db', 'cpu v=1 1', options).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AppError).and.include({ status: 503, message: 'backlog full for db' });
    expect(s.lastAckedSeq).to.equal(0n);
  });

  it('without table data the rows are not stored, yet count as applied (a restart does not replay them into DuckDB)', async () => {
    gw.tableData = false;
    await s.write('db', 'cpu,h=a v=1 1', options);
    expect((await s.query('db', 'SELECT count(*) AS n FROM cpu')).rows).to.deep.equal([[0n]]);
    await s.stop();
    s = new StorageEngine({ objectStore: 'file', dataDir: root, walFlushIntervalMs: 1000, logger: createLogger('silent'), metrics: new StorageMetrics(new Registry()) });
    s.gateway = gw = new RecordingGateway();
    await s.start();
    expect((await s.query('db', 'SELECT count(*) AS n FROM cpu')).rows).to.deep.equal([[0n]]);
    await s.write('db', 'cpu,h=a v=2 2', options);
    expect((await s.query('db', 'SELECT count(*) AS n FROM cpu')).rows).to.deep.equal([[1n]]);
  });
});
