import { Registry } from 'prom-client';
import { createLogger } from '../../../../src/shared/logger.js';
import { StorageEngine } from '../../../../src/storage/storage-engine.js';
import { StorageMetrics } from '../../../../src/storage/storage-metrics.js';

// An in-memory storage engine for InfluxQL tests (no WAL, no data directory).
export async function memoryStorage(): Promise<StorageEngine> {
  const storage = new StorageEngine({
    objectStore: 'memory',
    dataDir: null,
    walFlushIntervalMs: 1000,
    logger: createLogger('silent'),
    metrics: new StorageMetrics(new Registry()),
  });
  await storage.start();
  return storage;
}

export async function writeLp(storage: StorageEngine, db: string, lp: string): Promise<void> {
  const r = await storage.write(db, lp, { precision: 's', acceptPartial: false, noSync: true });
  if (r.errors.length > 0) throw new Error(JSON.stringify(r.errors));
}

// cpu: two hosts in two regions, one point every 10 s from t=0 to t=50 (host b misses t=20 and t=30).
export const CPU_LP = [
  'cpu,host=a,region=us usage=1,idle=90i,msg="x" 0',
  'cpu,host=a,region=us usage=2,idle=80i 10',
  'cpu,host=a,region=us usage=4,idle=70i 20',
  'cpu,host=a,region=us usage=3,idle=60i 30',
  'cpu,host=a,region=us usage=8,idle=50i 40',
  'cpu,host=a,region=us usage=5,idle=40i 50',
  'cpu,host=b,region=eu usage=10,idle=10i 0',
  'cpu,host=b,region=eu usage=20,idle=20i,msg="y" 10',
  'cpu,host=b,region=eu usage=40,idle=40i 40',
  'cpu,host=b,region=eu usage=30,idle=30i 50',
  'cpu,host=c usage=7 5',
  'mem,host=a free=100i,used=1.5 0',
  'mem,host=a free=90i,used=2.5 30',
  'disk,host=a,path=/ bytes=10i 0',
].join('\n');
