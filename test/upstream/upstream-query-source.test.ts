import { expect } from 'chai';
import net from 'node:net';
import type { UpstreamConfig } from '../../src/config/schema.js';
import { createLogger } from '../../src/shared/logger.js';
import type { RowSource } from '../../src/storage/query/query-engine.js';
import { UpstreamLink } from '../../src/upstream/upstream-link.js';
import { UpstreamQuerySource, type RowsSource } from '../../src/upstream/upstream-query-source.js';
import { UpstreamUnreachableError } from '../../src/upstream/upstream-http.js';

// The node's own store, recording what it was asked.
class LocalRows implements RowsSource {
  readonly asked: string[] = [];
  async queryRows<T>(database: string, sql: string, _params: unknown, consume: (source: RowSource) => Promise<T>): Promise<T> {
    this.asked.push(`${database}: ${sql}`);
    let rows: unknown[][] | null = [[1n]];
    return consume({ columns: [{ name: 'n', type: 'Int64' }], next: async () => { const r = rows; rows = null; return r; } });
  }
}

// A loopback port nothing listens on.
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

function linkTo(url: string, queryApi: UpstreamConfig['queryApi'], writeApi: UpstreamConfig['writeApi']): UpstreamLink {
  const link = new UpstreamLink(
    { url, token: 'tok', databaseMap: { sensors: 'prod' }, tlsCaFile: null, org: null, writeApi, queryApi, maxBacklogBytes: 1 << 20, localRetentionMs: 3_600_000 },
    createLogger('silent'),
  );
  link.start();
  return link;
}

const collect = (source: RowSource): Promise<unknown[][] | null> => source.next();

describe('upstream/upstream-query-source', () => {
  it('answers from the local window when the upstream cannot answer SQL (1.x, 2.x)', async () => {
    const link = linkTo('http://127.0.0.1:1', 'local', 'v1');
    const local = new LocalRows();
    const source = new UpstreamQuerySource(link, local);
    try {
      expect(await source.queryRows('sensors', 'SELECT count(*) AS n FROM cpu', undefined, collect)).to.deep.equal([[1n]]);
      expect(local.asked).to.deep.equal(['sensors: SELECT count(*) AS n FROM cpu']);
      expect(source.remoteQuery('sensors', 'SELECT * FROM cpu', undefined)).to.equal(null);
    } finally {
      source.stop();
      link.stop();
    }
  });

  it('keeps system tables local and fails other queries at once, naming the upstream, when it is down', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const link = linkTo(url, 'flight', 'v3');
    const local = new LocalRows();
    const source = new UpstreamQuerySource(link, local);
    try {
      await source.queryRows('sensors', 'SELECT * FROM system.processing_engine_triggers', undefined, collect);
      expect(local.asked).to.deep.equal(['sensors: SELECT * FROM system.processing_engine_triggers']);
      expect(source.remoteQuery('sensors', 'SELECT * FROM system.processing_engine_triggers', undefined)).to.equal(null);
      const err = await source.queryRows('sensors', 'SELECT * FROM cpu', undefined, collect).then(() => null, (e: unknown) => e);
      expect(err).to.be.instanceOf(UpstreamUnreachableError);
      expect((err as Error).message).to.include(`the upstream InfluxDB at ${url} cannot be reached`);
      expect(local.asked).to.have.length(1);
    } finally {
      source.stop();
      link.stop();
    }
  });

  it('fails a query after a bounded wait while the upstream has never answered its probe', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const link = linkTo(url, 'auto', 'auto');
    const source = new UpstreamQuerySource(link, new LocalRows(), { probeWaitMs: 200 });
    try {
      const err = await source.queryRows('sensors', 'SELECT * FROM cpu', undefined, collect).then(() => null, (e: unknown) => e);
      expect((err as Error).message).to.include(`the upstream InfluxDB at ${url} cannot be reached`);
    } finally {
      source.stop();
      link.stop();
    }
  });
});
