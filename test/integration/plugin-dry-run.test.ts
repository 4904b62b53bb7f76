import { expect } from 'chai';
import { runCli } from '../helpers/server-process.js';
import { pluginLogs, startPluginServer, waitForNoRunners, type PluginServer } from '../fixtures/plugins/plugin-server.js';

// Dry runs of WAL and schedule plugins (the plugin API, arguments, write-backs, namespaces, query results) through
// the real server, real runners and the CLI.
describe('integration: plugin dry runs (plugin_test endpoints and `influxdb3 test`)', function () {
  this.timeout(30_000);
  let s: PluginServer;
  before(async () => {
    s = await startPluginServer();
  });
  after(async () => {
    const left = await waitForNoRunners(s.pluginDir);
    await s.stop();
    expect(left, 'temporary runners left behind').to.deep.equal([]);
  });

  it('WAL dry run passes rows with only their columns and captures both kinds of writes', async () => {
    const r = await s.wal({
      filename: 'wal_basic.py',
      database: '_testdb',
      input_lp: 'cpu,host=A,region=west usage=1i,system=23.2 100\nmem,host=B user=43.1 120',
      input_arguments: { arg1: 'val1' },
    });
    expect(r.errors).to.deep.equal([]);
    expect(pluginLogs(r)).to.deep.equal([
      'INFO: arg1: val1',
      'INFO: table: cpu',
      "INFO: row: {'host': 'A', 'region': 'west', 'usage': 1, 'system': 23.2, 'time': 100}",
      'INFO: table: mem',
      "INFO: row: {'host': 'B', 'user': 43.1, 'time': 120}",
      'INFO: done',
    ]);
    expect(r.log_lines[0]).to.equal('INFO: starting execution of wal plugin.');
    expect(r.log_lines[r.log_lines.length - 1]).to.match(/^INFO: finished execution in (\d+(ms|us|ns|s) ?)+$/);
    expect(r.database_writes).to.deep.equal({
      _testdb: ['some_table,tag1=tag1_value,tag2=tag2_value field1=1i,field2=2.0,field3="number three"'],
      mytestdb: ['other_table other_field=1i,other_field2=3.14 1302'],
    });
    const dbs = await (await fetch(`${s.url}/api/v3/configure/database?format=json`)).json();
    expect(JSON.stringify(dbs)).not.to.include('mytestdb');
  });

  it('query with $params and multi-argument logging (via `influxdb3 test wal_plugin`)', async () => {
    await s.write('foo', 'cpu,host=s1,region=us-east usage=0.9 1\ncpu,host=s2,region=us-east usage=0.89 2\ncpu,host=s1,region=us-east usage=0.85 3');
    const { code, stdout, stderr } = await runCli([
      'test', 'wal_plugin', '-H', s.url, '-d', 'foo',
      '--lp', 'test_input,tag1=tag1_value,tag2=tag2_value field1=1i 500',
      '--input-arguments', 'arg1=arg1_value,host=s2',
      'wal_query.py',
    ]);
    expect(code, stderr).to.equal(0);
    expect(stdout).to.include('\n  "log_lines": [');
    const r = JSON.parse(stdout);
    const row = "[{'host': 's2', 'region': 'us-east', 'usage': 0.89}]";
    expect(pluginLogs(r)).to.include.members([
      'INFO: arg1: arg1_value',
      `INFO: query result: ${row}`,
      `INFO: i ${row} s2`,
      `WARN: w: ${row}`,
      `ERROR: err ${row}`,
      "INFO: row: {'tag1': 'tag1_value', 'tag2': 'tag2_value', 'field1': 1, 'time': 500}",
    ]);
    expect(r.errors).to.deep.equal([]);
  });

  it('schedule dry run with arguments (via `influxdb3 test schedule_plugin`)', async () => {
    const { code, stdout, stderr } = await runCli([
      'test', 'schedule_plugin', '-H', s.url, '-d', 'foo', '--schedule', '*/5 * * * * *', '--input-arguments', 'region=us-east', 'schedule_args.py',
    ]);
    expect(code, stderr).to.equal(0);
    const r = JSON.parse(stdout);
    expect(pluginLogs(r)).to.deep.equal(["INFO: args are {'region': 'us-east'}", 'INFO: Successfully called']);
    expect(r.database_writes).to.deep.equal({});
    expect(r.errors).to.deep.equal([]);
    expect(r.trigger_time).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d[05]Z$/);
    expect(r.log_lines[0]).to.match(/^INFO: starting execution with scheduled time \d{4}-\d\d-\d\d \d\d:\d\d:\d[05] UTC$/);
  });

  it('datetime.now() in a scheduled call; call_time is naive UTC at the planned second', async () => {
    const r = await s.schedule({ filename: 'schedule_now.py', database: 'foo' });
    const logs = pluginLogs(r);
    expect(logs).to.have.length(3);
    expect(logs[0]).to.match(/^INFO: Current timestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(logs[1]).to.equal(`INFO: call_time: ${r.trigger_time.slice(0, -1)} tzinfo=None`);
  });

  it('schedule: default schedule, missing database and bad cron come back as 200 with errors', async () => {
    expect(await s.schedule({ filename: 'schedule_args.py', database: 'nope' })).to.deep.equal({
      trigger_time: null, log_lines: [], database_writes: {}, errors: ["couldn't find db"],
    });
    const bad = await s.schedule({ filename: 'schedule_args.py', database: 'foo', schedule: 'every second' });
    expect(bad.errors).to.have.length(1);
    expect(bad.errors[0]).to.match(/^invalid cron syntax: /);
    const every = await s.schedule({ filename: 'schedule_args.py', database: 'foo' });
    expect(every.errors).to.deep.equal([]);
    expect(Date.parse(every.trigger_time) - Date.now()).to.be.within(-10_000, 1_100);
  });

  it('write-backs that conflict with the catalog are listed and reported, never applied', async () => {
    await s.write('foodb', 'cpu,host=A f1=10i');
    const r = await s.wal({ filename: 'wal_invalid_writes.py', database: 'foodb', input_lp: 'cpu,host=A f1=11i' });
    expect(r.database_writes.foodb).to.deep.equal(['cpu,host=A f1=10i,f2=20u,f3=t', 'cpu,host=A f1="not_an_int"']);
    expect(r.errors).to.have.length(1);
    expect(r.errors[0]).to.include('f1');
    const cols = await s.query('foodb', "SELECT column_name FROM information_schema.columns WHERE table_name = 'cpu'");
    expect(cols.map((c: any) => c.column_name)).not.to.include('f2');
  });

  it('LineBuilder escaping, byte for byte', async () => {
    const r = await s.wal({ filename: 'wal_linebuilder.py', database: 'foo', input_lp: 'trigger x=1i' });
    expect(r.errors).to.deep.equal([]);
    expect(r.database_writes.foo).to.deep.equal([
      'metrics,host=server01,region=us-west cpu=42i,memory_bytes=8589934592u,load=86.5,status="online",healthy=t 1609459200000000000',
      'system_metrics,server=app\\ server\\ 1,datacenter=us\\ west count=1i',
      'network,servers=web\\,app\\,db,location=floor1\\,rack3 connections=256i',
      'formulas,equation=y\\=mx+b,result=a\\=b\\=c value=3.14159',
      'paths,windows_path=C:\\\\Program\\ Files\\\\App,regex=\\\\d+\\\\w+ description="Windows\\\\Unix paths",count=42i',
      'messages,type=notification content="User said \\"Hello World\\"",json="{\\"key\\": \\"value\\"}",priority=1i',
      'complex\\,measurement,location=New\\ York\\,\\ USA,details=floor\\=5\\,\\ room\\=3,path=C:\\\\Users\\\\Admin\\\\Documents message="Error in line: \\"x = y + z\\"",query="SELECT * FROM table WHERE id=\\"abc\\"",value=123.456 1609459200000000000',
      'sensor_data,device=thermostat,room=living\\ room,floor=1 temperature=72.5,humidity=45i,mode="auto"',
    ]);
    expect(r.database_writes.metrics_db).to.deep.equal(['memory_stats,host=server1 usage=75i']);
  });

  it('influxdb3_local has exactly the nine public names', async () => {
    const r = await s.schedule({ filename: 'schedule_surface.py', database: 'foo' });
    expect(pluginLogs(r)).to.deep.equal(['INFO: names: cache,error,info,query,warn,write,write_sync,write_sync_to_db,write_to_db']);
  });

  it('query() with database="bad db" raises the invalid-name error', async () => {
    const [line] = pluginLogs(await s.schedule({ filename: 'schedule_bad_db.py', database: 'foo' }));
    expect(line).to.include('invalid database name').and.include('bad db').and.include('contains invalid character');
  });

  it('plugins never share a namespace', async () => {
    expect(pluginLogs(await s.schedule({ filename: 'namespace_a.py', database: 'foo' }))).to.deep.equal(['INFO: a=1']);
    expect(pluginLogs(await s.schedule({ filename: 'namespace_b.py', database: 'foo' }))).to.deep.equal([
      'INFO: helper_a in main: False, helper_b in main: False, b=99',
    ]);
  });

  it('sparse rows come back with None for missing int, float, string and bool values', async () => {
    await s.write('sparse', 'm0,tag=full fi=1i,ff=1.0,fs="s",fb=t 1\nm0,tag=empty other=1i 2');
    const r = await s.schedule({ filename: 'schedule_sparse.py', database: 'sparse' });
    expect(r.errors).to.deep.equal([]);
    expect(pluginLogs(r)).to.deep.equal([
      'INFO: full: i=1 f=1.0 s=s b=True types=int,float,int',
      'INFO: empty: i=None f=None s=None b=None types=NoneType,NoneType,int',
    ]);
  });

  it('querying a tag column succeeds', async () => {
    await s.write('tags', 'foo,tag1=a val1=1i,val2=2.5 1');
    const r = await s.schedule({ filename: 'schedule_tag_query.py', database: 'tags' });
    expect(pluginLogs(r)).to.deep.equal(['INFO: successfully queried']);
    expect(r.errors).to.deep.equal([]);
  });

  it('input that does not parse or fits no schema is a 200 with errors and no run', async () => {
    const r = await s.wal({ filename: 'wal_basic.py', database: 'foodb', input_lp: 'cpu,host=A f1="str"\nnot line protocol' });
    expect(r.log_lines).to.deep.equal([]);
    expect(r.errors).to.have.length(2);
    expect(r.errors.join('\n')).to.include('f1').and.include('line 2');
  });
});
