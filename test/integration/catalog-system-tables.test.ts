import { expect } from 'chai';
import { runCli, startServer, type ServerHandle } from '../helpers/server-process.js';

// Upstream's catalog system tables: system.influxdb_schema in every database, `_internal`'s system.databases and
// system.tables, and `influxdb3 show retention` on top of them.
describe('integration: catalog system tables and show retention', function () {
  this.timeout(60_000);
  let server: ServerHandle;

  const sql = async (db: string, q: string): Promise<Array<Record<string, unknown>>> => {
    const res = await fetch(`${server.url}/api/v3/query_sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ db, q }) });
    const body = await res.text();
    expect(res.status, body).to.equal(200);
    return JSON.parse(body);
  };

  before(async () => {
    server = await startServer();
    const w = await fetch(`${server.url}/api/v3/write_lp?db=sensors`, { method: 'POST', body: 'cpu,host=a,region=r usage=1,n=2i,u=3u,ok=true,s="x" 1\nmem free=1 1\n' });
    expect(w.status).to.equal(204);
    for (const [db, retention] of [['hours', '36h'], ['days', '30d'], ['forever', undefined]] as const) {
      const r = await fetch(`${server.url}/api/v3/configure/database`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ db, retention_period: retention }) });
      expect(r.status).to.be.oneOf([200, 201, 204]);
    }
    const lvc = await fetch(`${server.url}/api/v3/configure/last_cache`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ db: 'sensors', table: 'cpu', name: 'c1' }) });
    expect(lvc.status).to.be.oneOf([200, 201]);
    const del = await fetch(`${server.url}/api/v3/configure/table?db=sensors&table=mem&hard_delete_at=2030-01-01T00:00:00Z`, { method: 'DELETE' });
    expect(del.status).to.equal(200);
  });
  after(async () => {
    await server?.stop();
  });

  it('influxdb_schema lists each live measurement\'s columns in InfluxDB\'s terms', async () => {
    const rows = await sql('sensors', 'SELECT * FROM system.influxdb_schema ORDER BY measurement, key');
    expect(rows).to.deep.equal([
      { measurement: 'cpu', key: 'host', data_type: 'tag' },
      { measurement: 'cpu', key: 'n', data_type: 'integer' },
      { measurement: 'cpu', key: 'ok', data_type: 'boolean' },
      { measurement: 'cpu', key: 'region', data_type: 'tag' },
      { measurement: 'cpu', key: 's', data_type: 'string' },
      { measurement: 'cpu', key: 'time', data_type: 'time' },
      { measurement: 'cpu', key: 'u', data_type: 'uinteger' },
      { measurement: 'cpu', key: 'usage', data_type: 'float' },
    ]);
  });

  it('_internal system.databases and system.tables cover the whole catalog', async () => {
    const dbs = await sql('_internal', "SELECT database_name, retention_period_ns, deleted FROM system.databases WHERE database_name <> '_internal' ORDER BY 1");
    expect(dbs).to.deep.equal([
      { database_name: 'days', retention_period_ns: 2_592_000_000_000_000, deleted: false },
      { database_name: 'forever', deleted: false },
      { database_name: 'hours', retention_period_ns: 129_600_000_000_000, deleted: false },
      { database_name: 'sensors', deleted: false },
    ]);
    const tables = await sql('_internal', "SELECT * FROM system.tables WHERE database_name = 'sensors' ORDER BY table_name");
    // A deleted table stays listed, renamed, until its hard-delete time plus --delete-grace-period (its data is gone).
    expect(tables.map((t) => ({ ...t, table_name: String(t.table_name).replace(/-\d{8}T\d{6}$/, '-STAMP') }))).to.deep.equal([
      { database_name: 'sensors', table_name: 'cpu', column_count: 8, series_key_columns: 'host, region', last_cache_count: 1, distinct_cache_count: 0, deleted: false },
      {
        database_name: 'sensors', table_name: 'mem-STAMP', column_count: 2, series_key_columns: '', last_cache_count: 0, distinct_cache_count: 0, deleted: true,
        hard_deletion_time: '2030-01-01T00:00:00',
      },
    ]);
    // Only _internal has them.
    const res = await fetch(`${server.url}/api/v3/query_sql?db=sensors&q=${encodeURIComponent('SELECT * FROM system.databases')}`);
    expect(res.status).to.equal(400);
  });

  it('influxdb3 show retention prints each database\'s period in its largest whole unit', async () => {
    const all = await runCli(['show', 'retention', '--host', server.url, '--format', 'json']);
    expect(all.code, all.stderr).to.equal(0);
    expect(JSON.parse(all.stdout)).to.deep.equal([
      { database_name: '_internal', retention_period: 'infinite' },
      { database_name: 'days', retention_period: '30d' },
      { database_name: 'forever', retention_period: 'infinite' },
      { database_name: 'hours', retention_period: '36h' },
      { database_name: 'sensors', retention_period: 'infinite' },
    ]);
    const one = await runCli(['show', 'retention', '--host', server.url, '--database', 'hours']);
    expect(one.code, one.stderr).to.equal(0);
    expect(one.stdout).to.match(/\| hours\s+\| 36h\s+\|/);
  });
});
