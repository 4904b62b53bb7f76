import { expect } from 'chai';
import { startServer, type ServerHandle } from '../helpers/server-process.js';

// system.queries (the query log) over the HTTP API: SQL and InfluxQL, per database and server-wide in _internal,
// bounded by --query-log-size.
describe('integration: the query log (system.queries)', function () {
  this.timeout(60_000);
  let server: ServerHandle;

  const post = async (path: string, body: unknown): Promise<{ status: number; json: any }> => {
    const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  };
  const logOf = async (db: string, columns = 'query_type, query_text, phase, success, running, cancelled, rows, database_name, error'): Promise<Array<Record<string, unknown>>> => {
    const r = await post('/api/v3/query_sql', { db, q: `SELECT ${columns} FROM system.queries WHERE query_text NOT LIKE '%system.queries%' ORDER BY issue_time` });
    expect(r.status, JSON.stringify(r.json)).to.equal(200);
    return r.json;
  };

  before(async () => {
    server = await startServer({ args: ['--query-log-size', '6'] });
    for (const db of ['a', 'b']) {
      const w = await fetch(`${server.url}/api/v3/write_lp?db=${db}`, { method: 'POST', body: 'm,t=x v=1 1\nm,t=y v=2 2\n' });
      expect(w.status).to.equal(204);
    }
  });
  after(async () => {
    await server?.stop();
  });

  it('logs SQL and InfluxQL queries with their outcome; a database sees its own, _internal sees all', async () => {
    expect((await post('/api/v3/query_sql', { db: 'a', q: 'SELECT * FROM m' })).status).to.equal(200);
    expect((await post('/api/v3/query_sql', { db: 'a', q: 'SELECT * FROM nope' })).status).to.equal(400);
    expect((await post('/api/v3/query_influxql', { db: 'b', q: 'SELECT v FROM m' })).status).to.equal(200);
    const a = await logOf('a');
    expect(a).to.deep.equal([
      { query_type: 'sql', query_text: 'SELECT * FROM m', phase: 'success', success: true, running: false, cancelled: false, rows: 2, database_name: 'a' },
      {
        query_type: 'sql', query_text: 'SELECT * FROM nope', phase: 'fail', success: false, running: false, cancelled: false, database_name: 'a',
        error: a[1]!.error,
      },
    ]);
    expect(a[1]!.error).to.include('nope');
    const b = await logOf('b');
    expect(b.map((e) => [e.query_type, e.query_text, e.rows])).to.deep.equal([['influxql', 'SELECT v FROM m', 2]]);
    const all = await logOf('_internal', 'database_name, query_text');
    expect(all.map((e) => e.database_name)).to.include.members(['a', 'b']);
  });

  it('has upstream\'s columns, with durations and the issue time', async () => {
    expect((await post('/api/v3/query_sql', { db: 'a', q: 'SELECT t FROM m' })).status).to.equal(200);
    const r = await post('/api/v3/query_sql', {
      db: 'a',
      q: "SELECT id, issue_time, plan_duration, permit_duration, execute_duration, end2end_duration, trace_id FROM system.queries WHERE query_text = 'SELECT t FROM m'",
      format: 'jsonl',
    });
    expect(r.status).to.equal(200);
    const res = await fetch(`${server.url}/api/v3/query_sql?db=a&format=pretty&q=${encodeURIComponent('SELECT * FROM system.queries LIMIT 1')}`);
    const header = (await res.text()).split('\n')[1]!;
    for (const c of ['id', 'phase', 'issue_time', 'query_type', 'query_text', 'partitions', 'parquet_files', 'plan_duration', 'permit_duration',
      'execute_duration', 'end2end_duration', 'compute_duration', 'max_memory', 'success', 'running', 'cancelled', 'trace_id']) {
      expect(header).to.include(` ${c} `);
    }
    const entry = r.json as Record<string, unknown>;
    expect(entry.id).to.match(/^[0-9a-f-]{36}$/);
    expect(Date.parse(`${String(entry.issue_time)}Z`)).to.be.closeTo(Date.now(), 60_000);
    for (const d of ['plan_duration', 'permit_duration', 'execute_duration', 'end2end_duration']) expect(entry[d], d).to.be.a('string');
  });

  it('keeps only the last --query-log-size queries', async () => {
    for (let i = 0; i < 8; i++) await post('/api/v3/query_sql', { db: 'b', q: `SELECT ${i} AS n` });
    const r = await post('/api/v3/query_sql', { db: '_internal', q: 'SELECT query_text FROM system.queries' });
    // Six entries: the query reading the log is the newest of them.
    expect(r.json.map((e: { query_text: string }) => e.query_text)).to.deep.equal(['SELECT 3 AS n', 'SELECT 4 AS n', 'SELECT 5 AS n', 'SELECT 6 AS n', 'SELECT 7 AS n', 'SELECT query_text FROM system.queries']);
  });
});
