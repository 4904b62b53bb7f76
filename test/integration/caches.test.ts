import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { runCli, startServer, type ServerHandle } from '../helpers/server-process.js';
import { pluginLogs, startPluginServer, waitForNoRunners, type PluginServer } from '../fixtures/plugins/plugin-server.js';
import { pluginSource } from '../fixtures/plugins/sources.js';

const NOW = BigInt(Date.now()) * 1_000_000n;

// Reads the caches through SQL, as a plugin would.
const READER_PLUGIN = pluginSource('caches', 'cache_reader.py');

async function sql(url: string, db: string, q: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/api/v3/query_sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ db, q }) });
  const text = await res.text();
  return { status: res.status, body: res.status === 200 ? JSON.parse(text) : JSON.parse(text).error };
}

// Last-value and distinct-value caches (docs/caches.md) through the real server: HTTP and CLI configuration, SQL, a plugin, a restart, a dropped table.
describe('integration: last-value and distinct-value caches', function () {
  this.timeout(60_000);
  let s: PluginServer;
  let restarted: ServerHandle | null = null;
  const LAST_Q = "SELECT host, usage, time FROM last_cache('cpu', 'cpu_last') WHERE host IN ('a', 'b') ORDER BY host, time DESC";
  const DISTINCT_Q = "SELECT region, host FROM distinct_cache('cpu') WHERE region = 'us'";
  let lastAnswer: any[];

  before(async () => {
    s = await startPluginServer();
    await s.write('lvc', [
      `cpu,host=a,region=us usage=1.5 ${NOW - 5000n}`,
      `cpu,host=b,region=eu usage=2.5 ${NOW - 4000n}`,
      `mem,host=a free=1i ${NOW - 4000n}`,
    ].join('\n'));
  });
  after(async () => {
    if (restarted) {
      await restarted.stop();
      rmSync(s.server.dataDir, { recursive: true, force: true });
      rmSync(s.root, { recursive: true, force: true });
    } else {
      await waitForNoRunners(s.pluginDir);
      await s.stop();
    }
  });

  it('creates caches with the CLI and over HTTP and answers last_cache() and distinct_cache() with WHERE', async () => {
    const cli = await runCli([
      'create', 'last_cache', '-H', s.url, '-d', 'lvc', '-t', 'cpu', '--key-columns', 'host', '--value-columns', 'usage', '--count', '2', '--ttl', '1h', 'cpu_last',
    ]);
    expect(cli.code, cli.stderr).to.equal(0);
    expect(cli.stdout.startsWith('new cache created: {\n')).to.equal(true);
    const created = JSON.parse(cli.stdout.slice('new cache created: '.length)).catalog_batch.Database.ops[0].CreateLastCache;
    expect(created).to.include({ table: 'cpu', name: 'cpu_last', count: 2, ttl: 3600 });
    expect(created.value_columns.explicit.columns).to.have.length(2).and.to.deep.include('timestamp');
    const dvc = await s.post('/api/v3/configure/distinct_cache', { db: 'lvc', table: 'cpu', columns: ['region', 'host'] });
    expect(dvc.status, dvc.text).to.equal(201);
    expect(dvc.json.catalog_batch.Database.ops[0].CreateDistinctCache.cache_name).to.equal('cpu_region_host_distinct_cache');

    await s.write('lvc', [
      `cpu,host=a,region=us usage=3.5 ${NOW - 3000n}`,
      `cpu,host=a,region=us usage=4.5 ${NOW - 2000n}`,
      `cpu,host=c,region=us usage=9.5 ${NOW - 1000n}`,
    ].join('\n'));
    const last = await sql(s.url, 'lvc', LAST_Q);
    expect(last.status, last.body).to.equal(200);
    expect(last.body.map((r: any) => [r.host, r.usage])).to.deep.equal([['a', 4.5], ['a', 3.5], ['b', 2.5]]);
    lastAnswer = last.body;
    expect((await sql(s.url, 'lvc', DISTINCT_Q)).body).to.deep.equal([{ region: 'us', host: 'a' }, { region: 'us', host: 'c' }]);

    const listed = await sql(s.url, 'lvc', 'SELECT "table", name, key_column_names, count, ttl FROM system.last_caches');
    expect(listed.body).to.deep.equal([{ table: 'cpu', name: 'cpu_last', key_column_names: ['host'], count: 2, ttl: 3600 }]);
    expect((await sql(s.url, 'lvc', 'SELECT name, column_names FROM system.distinct_caches')).body).to.deep.equal([
      { name: 'cpu_region_host_distinct_cache', column_names: ['region', 'host'] },
    ]);
  });

  it('CLI errors name the bad value; delete last_cache / distinct_cache', async () => {
    const bad = await runCli(['create', 'last_cache', '-H', s.url, '-d', 'lvc', '-t', 'mem', '--count', '11']);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.include('invalid count 11');
    const missing = await runCli(['create', 'distinct_cache', '-H', s.url, '-d', 'lvc', '-t', 'nope', '--columns', 'host']);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.include('table not found: nope');
    expect((await runCli(['create', 'last_cache', '-H', s.url, '-d', 'lvc', '-t', 'mem', 'mem_last'])).code).to.equal(0);
    expect((await runCli(['create', 'distinct_cache', '-H', s.url, '-d', 'lvc', '-t', 'mem', '--columns', 'host', '--max-age', '2h', 'mem_hosts'])).code).to.equal(0);
    expect((await sql(s.url, 'lvc', "SELECT host, free FROM last_cache('mem')")).body).to.deep.equal([{ host: 'a', free: 1 }]);
    const del = await runCli(['delete', 'last_cache', '-H', s.url, '-d', 'lvc', '-t', 'mem', 'mem_last']);
    expect([del.code, del.stdout]).to.deep.equal([0, 'last cache deleted successfully\n']);
    const del2 = await runCli(['delete', 'distinct_cache', '-H', s.url, '-d', 'lvc', '-t', 'mem', 'mem_hosts']);
    expect([del2.code, del2.stdout]).to.deep.equal([0, 'distinct cache deleted successfully\n']);
    const again = await runCli(['delete', 'last_cache', '-H', s.url, '-d', 'lvc', '-t', 'mem', 'mem_last']);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.include("last cache not found: 'mem_last'");
    expect((await sql(s.url, 'lvc', "SELECT * FROM last_cache('mem')")).body).to.include("table 'mem' has no last_cache");
  });

  it('a plugin reads both caches through influxdb3_local.query() (schedule dry run)', async () => {
    s.writePlugin('cache_reader.py', READER_PLUGIN);
    const r = await s.schedule({ filename: 'cache_reader.py', database: 'lvc' });
    expect(r.errors).to.deep.equal([]);
    expect(pluginLogs(r)).to.deep.equal([
      "INFO: last: [{'host': 'a', 'usage': 4.5}, {'host': 'a', 'usage': 3.5}]",
      "INFO: hosts: ['a', 'c']",
    ]);
  });

  it('answers the same after a restart', async () => {
    await waitForNoRunners(s.pluginDir);
    await s.server.stop();
    restarted = await startServer({ dataDir: s.server.dataDir });
    const last = await sql(restarted.url, 'lvc', LAST_Q);
    expect(last.body).to.deep.equal(lastAnswer);
    expect((await sql(restarted.url, 'lvc', DISTINCT_Q)).body).to.deep.equal([{ region: 'us', host: 'a' }, { region: 'us', host: 'c' }]);
    expect((await sql(restarted.url, 'lvc', 'SELECT name FROM system.last_caches')).body).to.deep.equal([{ name: 'cpu_last' }]);
  });

  it('deleting the table drops its caches', async () => {
    const url = restarted!.url;
    const res = await fetch(`${url}/api/v3/configure/table?db=lvc&table=cpu`, { method: 'DELETE' });
    expect(res.status).to.equal(200);
    expect((await sql(url, 'lvc', 'SELECT * FROM system.last_caches')).body).to.deep.equal([]);
    expect((await sql(url, 'lvc', 'SELECT * FROM system.distinct_caches')).body).to.deep.equal([]);
    const gone = await sql(url, 'lvc', "SELECT * FROM last_cache('cpu')");
    expect(gone.status).to.equal(400);
    expect(gone.body).to.include("provided table name is invalid: 'cpu'");
    // A new table of the same name has no cache.
    await fetch(`${url}/api/v3/write_lp?db=lvc`, { method: 'POST', body: `cpu,host=z usage=1 ${NOW}` });
    expect((await sql(url, 'lvc', "SELECT * FROM last_cache('cpu')")).body).to.include("table 'cpu' has no last_cache");
  });
});
