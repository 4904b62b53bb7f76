import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { UpstreamConfig } from '../../src/config/schema.js';
import { createLogger } from '../../src/shared/logger.js';
import type { WalReplayWrite } from '../../src/storage/storage-engine.js';
import type { AcknowledgedWrite } from '../../src/storage/write-gateway.js';
import { ForwardCursor } from '../../src/upstream/forward-cursor.js';
import { Forwarder, UpstreamBacklogFullError } from '../../src/upstream/forwarder.js';
import { UpstreamLink } from '../../src/upstream/upstream-link.js';
import { pollFor } from '../helpers/poll.js';

const log = createLogger('silent');

// A WAL of acknowledged writes, as storage gives them to the forwarder (one row each, v = seq).
class FakeWal {
  writes: WalReplayWrite[] = [];
  reads = 0;
  get lastAckedSeq(): bigint {
    return this.writes.at(-1)?.seq ?? 0n;
  }
  get walOldestSeq(): bigint {
    return this.writes[0]?.seq ?? 1n;
  }
  add(database: string): AcknowledgedWrite {
    const seq = this.lastAckedSeq + 1n;
    const w = { seq, database, rows: [{ table: 'm', tags: [], fields: [{ key: 'v', type: 'int64' as const, value: seq }], time: seq }], bytes: 100, ackTimeNs: 1000n + seq };
    this.writes.push(w);
    return w;
  }
  async *readWal(after: bigint, through: bigint): AsyncGenerator<WalReplayWrite> {
    this.reads++;
    for (const w of this.writes) if (w.seq > after && w.seq <= through) yield w;
  }
  async walSizeAfter(after: bigint): Promise<{ records: number; bytes: number }> {
    const rest = this.writes.filter((w) => w.seq > after);
    return { records: rest.length, bytes: rest.reduce((n, w) => n + w.bytes, 0) };
  }
}

// An InfluxDB 3 write endpoint answering each request with the next status of `statuses` (then 204).
async function upstream(statuses: number[] = []) {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const status = statuses.shift() ?? 204;
      if (status === 204) bodies.push(`${new URL(req.url!, 'http://x').searchParams.get('db')}: ${body}`);
      res.writeHead(status).end(status === 204 ? '' : JSON.stringify({ error: `status ${status}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, bodies, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function forwarder(url: string, wal: FakeWal, cursor = new ForwardCursor(null, log), maxBacklogBytes = 1 << 20, logger = log) {
  const cfg: UpstreamConfig = { url, token: null, databaseMap: { a: 'remote_a' }, tlsCaFile: null, org: null, writeApi: 'v3', queryApi: 'http', maxBacklogBytes, localRetentionMs: 1000 };
  const link = new UpstreamLink(cfg, log);
  link.start();
  const f = new Forwarder({ link, storage: wal, cursor, maxBacklogBytes, logger });
  return { f, cursor, stop: async () => (await f.stop(), link.stop()) };
}

describe('upstream/forwarder: acknowledged writes to the upstream, in order, at least once', () => {
  it('batches consecutive writes of one database, in seq order, and advances the cursor', async () => {
    const up = await upstream();
    const wal = new FakeWal();
    const { f, cursor, stop } = forwarder(up.url, wal);
    try {
      await f.start();
      for (const db of ['a', 'a', 'b', 'a']) f.acknowledged(wal.add(db));
      await pollFor(() => cursor.position, (p) => p === 4n);
      expect(up.bodies.join('\n')).to.match(/^(remote_a: m v=1i 1\n?)(remote_a: )?m v=2i 2\nb: m v=3i 3\nremote_a: m v=4i 4$/);
      expect(f.status()).to.include({ backlogRecords: 0, backlogBytes: 0, forwardedRecords: 4, refusedRecords: 0 });
    } finally {
      await stop();
      await up.close();
    }
  });

  it('resumes after a durable cursor from the WAL; retries 503 and moves past a 400, counting it', async () => {
    const up = await upstream([503, 400]);
    const wal = new FakeWal();
    for (let i = 0; i < 4; i++) wal.add(i === 3 ? 'b' : 'a');
    const cursor = new ForwardCursor(null, log);
    cursor.set(1n);
    const { f, stop } = forwarder(up.url, wal, cursor);
    try {
      await f.start();
      expect(f.status()).to.include({ backlogRecords: 3, backlogBytes: 300, oldestUnforwardedNs: 1002n });
      await pollFor(() => cursor.position, (p) => p === 4n);
      expect(wal.reads).to.be.greaterThan(0);
      // seq 2–3 (db a) met 503 then 400: refused for good; seq 4 went through.
      expect(up.bodies).to.deep.equal(['b: m v=4i 4']);
      expect(f.status()).to.include({ refusedRecords: 2, refusedLines: 2, lastError: 'HTTP 400: status 400' });
    } finally {
      await stop();
      await up.close();
    }
  });

  it('reports the drain of a backlog after an outage: its start, and its end with the rate', async () => {
    const up = await upstream([503, 503]);
    const wal = new FakeWal();
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } });
    const { f, cursor, stop } = forwarder(up.url, wal, new ForwardCursor(null, log), 1 << 20, createLogger('info', sink));
    try {
      await f.start();
      for (let i = 0; i < 5; i++) f.acknowledged(wal.add('b'));
      // More writes while the first batch waits for the upstream: the backlog the recovery drains.
      await pollFor(() => f.status().state, (st) => st === 'retrying');
      for (let i = 0; i < 5; i++) f.acknowledged(wal.add('b'));
      await pollFor(() => cursor.position, (p) => p === 10n, { timeoutMs: 10_000 });
      const drained = await pollFor(() => lines.find((l) => l.msg === 'upstream backlog drained'), (l) => l !== undefined);
      expect(lines.map((l) => l.msg)).to.include('draining the backlog to the upstream');
      expect(drained).to.include({ done: 5 }).and.to.include.keys('rowsPerSecond', 'elapsedSeconds');
      expect(up.bodies.join('\n').split('\n')).to.have.length(10);
    } finally {
      await stop();
      await up.close();
    }
  });

  it('refuses writes with a 503 naming the bound while the backlog is over it', async () => {
    const up = await upstream([503, 503, 503, 503, 503, 503]);
    const wal = new FakeWal();
    const { f, stop } = forwarder(up.url, wal, undefined, 150);
    try {
      await f.start();
      f.admit('a');
      f.acknowledged(wal.add('a'));
      f.acknowledged(wal.add('a'));
      let err: unknown = null;
      try {
        f.admit('a');
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(UpstreamBacklogFullError);
      expect((err as UpstreamBacklogFullError).status).to.equal(503);
      expect((err as Error).message).to.include("write to 'a' refused").and.include('200 bytes (2 writes').and.include('--upstream-max-backlog (150 bytes)').and.include(up.url);
    } finally {
      await stop();
      await up.close();
    }
  });
});
