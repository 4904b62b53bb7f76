import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createLogger } from '../../src/shared/logger.js';
import { StorageEngine } from '../../src/storage/storage-engine.js';
import { StorageMetrics } from '../../src/storage/storage-metrics.js';
import { LocalWindow } from '../../src/upstream/local-window.js';
import type { UpstreamProfile } from '../../src/upstream/upstream-probe.js';

const options = { precision: 'ns' as const, acceptPartial: true, noSync: false };
const profile = (answersSql: boolean): UpstreamProfile => ({ kind: 'configured', version: '', writeApi: 'v1', queryApi: answersSql ? 'http' : 'v1', answersSql });

describe('upstream/local-window: the table data a process node keeps', () => {
  let root: string;
  let s: StorageEngine;
  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'local-window-'));
    s = new StorageEngine({ objectStore: 'file', dataDir: root, walFlushIntervalMs: 1000, logger: createLogger('silent'), metrics: new StorageMetrics(new Registry()) });
    await s.start();
    const now = BigInt(Date.now()) * 1_000_000n;
    await s.write('db', `m,k=old v=1 ${now - 3_600_000_000_000n}\nm,k=new v=2 ${now}\nm,k=future v=3 ${now + 3_600_000_000_000_000n}`, options);
    // Applied to DuckDB (a query waits for that).
    await s.query('db', 'SELECT 1');
  });
  afterEach(async () => {
    await s.stop();
    rmSync(root, { recursive: true, force: true });
  });
  const keys = async (): Promise<string[]> => (await s.query('db', 'SELECT k FROM m ORDER BY k')).rows.map((r) => String(r[0]));
  const window = (current: UpstreamProfile | null) =>
    new LocalWindow({ link: { current, profile: () => (current ? Promise.resolve(current) : new Promise(() => undefined)) }, storage: s, retentionMs: 60_000, logger: createLogger('silent') });

  it('keeps everything while the upstream is unknown', async () => {
    await window(null).sweep();
    expect(await keys()).to.deep.equal(['future', 'new', 'old']);
  });

  it('an upstream without SQL (1.x, 2.x): rows older than the window go', async () => {
    await window(profile(false)).sweep();
    expect(await keys()).to.deep.equal(['future', 'new']);
  });

  it('an upstream that answers SQL: every local row goes, whatever its time', async () => {
    await window(profile(true)).sweep();
    expect(await keys()).to.deep.equal([]);
  });
});
