import { expect } from 'chai';
import { DuckDBInstance } from '@duckdb/node-api';
import { appendRows } from '../../../src/storage/duckdb/chunk-writer.js';
import { CPU_COLUMNS, field, row } from './store-fixtures.js';

// applyBatch relies on this: a DataChunk appender on a connection inside BEGIN … ROLLBACK writes nothing.
describe('DuckDB appender inside an explicit transaction', () => {
  it('is rolled back with the transaction and committed with it', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const other = await instance.connect();
    try {
      await conn.run('CREATE TABLE cpu (host VARCHAR, region VARCHAR, usage DOUBLE, time TIMESTAMP_NS NOT NULL)');
      const rows = Array.from({ length: 3000 }, (_, i) => row('cpu', { host: `h${i % 7}` }, [field('usage', i / 2)], BigInt(i)));
      const count = async (c: typeof conn): Promise<unknown> => (await c.runAndReadAll('SELECT count(*) FROM cpu')).getRows()[0]![0];

      await conn.run('BEGIN TRANSACTION');
      let appender = await conn.createAppender('cpu');
      appendRows(appender, CPU_COLUMNS, rows);
      appender.closeSync();
      expect(await count(conn)).to.equal(3000n);
      expect(await count(other)).to.equal(0n);
      await conn.run('ROLLBACK');
      expect(await count(conn)).to.equal(0n);

      await conn.run('BEGIN TRANSACTION');
      appender = await conn.createAppender('cpu');
      appendRows(appender, CPU_COLUMNS, rows);
      appender.closeSync();
      await conn.run('COMMIT');
      expect(await count(other)).to.equal(3000n);
    } finally {
      conn.closeSync();
      other.closeSync();
      instance.closeSync();
    }
  });
});
