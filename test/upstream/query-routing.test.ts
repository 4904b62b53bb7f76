import { expect } from 'chai';
import { readsOnlyLocalTables } from '../../src/upstream/query-routing.js';

describe('upstream/query-routing', () => {
  it("keeps queries of the node's own system tables local", () => {
    for (const sql of [
      'SELECT * FROM system.processing_engine_triggers',
      'select trigger_name from SYSTEM.processing_engine_logs where log_level = \'ERROR\'',
      'SELECT * FROM information_schema.tables',
      'SELECT * FROM "system"."processing_engine_triggers" t JOIN system.processing_engine_logs l ON t.trigger_name = l.trigger_name',
      'SELECT * FROM system.tokens AS a, system.processing_engine_triggers b WHERE a.name = b.trigger_name',
      'SELECT * FROM (SELECT * FROM system.processing_engine_triggers) AS sub',
      'WITH t AS (SELECT * FROM system.processing_engine_logs) SELECT count(*) FROM t',
    ]) expect(readsOnlyLocalTables(sql), sql).to.equal(true);
  });

  it('sends everything else to the upstream', () => {
    for (const sql of [
      'SELECT * FROM cpu',
      'SELECT * FROM iox.cpu',
      'SELECT 1',
      'SHOW TABLES',
      'SELECT * FROM system.processing_engine_triggers JOIN cpu ON true',
      'SELECT * FROM system.processing_engine_triggers, cpu',
      'SELECT * FROM cpu WHERE host IN (SELECT trigger_name FROM system.processing_engine_triggers)',
      "SELECT 'FROM system.x' AS s FROM cpu",
      'WITH t AS (SELECT * FROM cpu) SELECT * FROM t JOIN system.processing_engine_triggers ON true',
      'WITH t AS (SELECT 1) SELECT * FROM t',
    ]) expect(readsOnlyLocalTables(sql), sql).to.equal(false);
  });
});
