import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTestVenv, pluginLogs } from '../fixtures/plugins/plugin-server.js';
import { ROOT, runCli, startServer, type ServerHandle } from '../helpers/server-process.js';
import { sendJson } from '../helpers/http.js';
import { pollFor } from '../helpers/poll.js';

// The example plugins shipped in plugins/ (the default plugin directory of `npm start`), run unchanged
// from the repository: through the dry-run endpoints, (webhook) through a tiny Python harness, and as live
// triggers of each kind created the way the README shows.
const PLUGINS = join(ROOT, 'plugins');
const MINUTE_NS = 60_000_000_000n;

describe('integration: example plugins in plugins/', function () {
  this.timeout(60_000);
  let server: ServerHandle;
  let url: string;
  let root: string;
  let python: string;

  const post = (path: string, body: unknown) => sendJson(`${url}${path}`, body);
  const dryRun = async (kind: 'wal' | 'schedule', body: Record<string, unknown>) => {
    const r = await post(`/api/v3/plugin_test/${kind}`, body);
    expect(r.status, r.text).to.equal(200);
    return r.json;
  };
  const write = async (db: string, lp: string, precision = 'ns') => {
    const res = await fetch(`${url}/api/v3/write_lp?db=${db}&precision=${precision}`, { method: 'POST', body: lp });
    expect(res.status, await res.text()).to.equal(204);
  };
  const query = async (db: string, sql: string): Promise<any[]> => {
    const r = await post('/api/v3/query_sql', { db, q: sql });
    if (r.status === 404) return []; // table not created yet
    expect(r.status, r.text).to.equal(200);
    return r.json;
  };
  // Polls `sql` every 100 ms until `done(rows)` or 10 s; returns the last rows.
  const pollQuery = async (db: string, sql: string, done: (rows: any[]) => boolean): Promise<any[]> => {
    return pollFor(() => query(db, sql).catch(() => [] as any[]), done, { timeoutMs: 10_000 });
  };
  const createTrigger = async (db: string, name: string, file: string, spec: string, args: Record<string, string> | null) => {
    const r = await post('/api/v3/configure/processing_engine_trigger', {
      db,
      plugin_filename: file,
      trigger_name: name,
      trigger_specification: spec,
      trigger_settings: { run_async: false, error_behavior: 'log' },
      trigger_arguments: args,
      disabled: false,
    });
    expect(r.status, r.text).to.equal(200);
  };
  const deleteTrigger = async (db: string, name: string) => {
    const res = await fetch(`${url}/api/v3/configure/processing_engine_trigger?db=${db}&trigger_name=${name}&force=true`, { method: 'DELETE' });
    expect(res.status, await res.text()).to.equal(200);
  };
  const engineLogs = (db: string, trigger: string) =>
    query(db, `SELECT log_level, log_text FROM system.processing_engine_logs WHERE trigger_name = '${trigger}'`);

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'influxdb3-examples-'));
    // A prebuilt venv outside the repository: the server would otherwise create plugins/.venv with pip.
    const venv = await buildTestVenv(join(root, 'venv'));
    python = join(venv, 'bin', 'python3');
    server = await startServer({ args: ['--plugin-dir', PLUGINS, '--virtual-env-location', venv] });
    url = server.url;
  });
  after(async () => {
    await server?.stop();
    if (server) rmSync(server.dataDir, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  describe('wal_summary.py (dry run)', () => {
    it('writes one summary line per table with row count and min/max time', async () => {
      const r = await dryRun('wal', {
        filename: 'wal_summary.py',
        database: 'examples_wal',
        input_lp: 'cpu,host=a usage=1 300\ncpu,host=b usage=2 100\ncpu,host=a usage=3 200\nmem free=3i 50',
      });
      expect(r.errors).to.deep.equal([]);
      expect(r.database_writes).to.deep.equal({
        examples_wal: [
          'write_summary,table_name=cpu row_count=3i,min_time=100i,max_time=300i',
          'write_summary,table_name=mem row_count=1i,min_time=50i,max_time=50i',
        ],
      });
      expect(pluginLogs(r)).to.deep.equal(['INFO: wal_summary: wrote 2 summary row(s) to write_summary']);
    });

    it('skips its own output table, so its writes never trigger it again', async () => {
      const r = await dryRun('wal', {
        filename: 'wal_summary.py',
        database: 'examples_wal',
        input_lp: 'write_summary,table_name=cpu row_count=3i,min_time=100i,max_time=300i',
      });
      expect(r.errors).to.deep.equal([]);
      expect(r.database_writes).to.deep.equal({});
      expect(pluginLogs(r)).to.deep.equal([]);
    });

    it('honours summary_table and exclude_tables', async () => {
      const r = await dryRun('wal', {
        filename: 'wal_summary.py',
        database: 'examples_wal',
        input_lp: 'cpu usage=1 10\nmem free=1i 20\ndisk used=1i 30\nwrite_summary,table_name=x row_count=1i 40\nstats,table_name=x row_count=1i 50',
        input_arguments: { summary_table: 'stats', exclude_tables: 'mem; disk' },
      });
      expect(r.errors).to.deep.equal([]);
      expect(r.database_writes).to.deep.equal({
        examples_wal: [
          'stats,table_name=cpu row_count=1i,min_time=10i,max_time=10i',
          'stats,table_name=write_summary row_count=1i,min_time=40i,max_time=40i',
        ],
      });
    });
  });

  describe('downsampler.py (dry run)', () => {
    // Source rows in complete minutes a few minutes back; `base` is a minute boundary.
    let base: bigint;
    const at = (offsetSeconds: number) => (base + BigInt(offsetSeconds) * 1_000_000_000n).toString();
    before(async () => {
      base = (BigInt(Date.now()) * 1_000_000n / MINUTE_NS - 5n) * MINUTE_NS;
      await write('examples_ds', [
        `cpu,host=a usage=1.0,n=2i ${at(1)}`,
        `cpu,host=a usage=2.0,n=4i ${at(20)}`,
        `cpu,host=b usage=10.0,n=1i ${at(5)}`,
        `cpu,host=a usage=5.0,n=7i ${at(61)}`,
        `cpu usage=7.5 ${at(62)}`,
        // far outside the lookback: must not show up
        `cpu,host=a usage=100.0,n=100i ${(base - 60n * MINUTE_NS).toString()}`,
      ].join('\n'));
      // an old row only: the table exists but has nothing in any lookback (a row at `now` could land in the
      // last complete minute when the test runs just after a minute boundary)
      await write('examples_ds_empty', 'other x=1i 1000');
    });

    it('averages every numeric field per minute and tag set with date_bin/avg', async () => {
      const r = await dryRun('schedule', { filename: 'downsampler.py', database: 'examples_ds', input_arguments: { source_table: 'cpu' } });
      expect(r.errors).to.deep.equal([]);
      expect(r.database_writes.examples_ds).to.have.members([
        `cpu_1m,host=a usage=1.5,n=3.0 ${at(0)}`,
        `cpu_1m,host=b usage=10.0,n=1.0 ${at(0)}`,
        `cpu_1m,host=a usage=5.0,n=7.0 ${at(60)}`,
        `cpu_1m usage=7.5 ${at(60)}`,
      ]);
      expect(r.database_writes.examples_ds).to.have.length(4);
      const logs = pluginLogs(r);
      expect(logs).to.have.length(1);
      expect(logs[0]).to.match(/^INFO: downsampler: wrote 4 row\(s\) to cpu_1m from 2 window\(s\) of cpu between \S+Z and \S+Z$/);
    });

    it('takes fields, tags, window, target_table and target_database from the arguments', async () => {
      const r = await dryRun('schedule', {
        filename: 'downsampler.py',
        database: 'examples_ds',
        input_arguments: { source_table: 'cpu', target_table: 'cpu_2m', fields: 'usage', tags: '', window: '2m', lookback: '30m', target_database: 'rollups' },
      });
      expect(r.errors).to.deep.equal([]);
      // 2-minute windows are aligned to the epoch: base (a minute boundary) starts one or is in the middle of one.
      const w0 = base - (base % (2n * MINUTE_NS));
      const expected = base === w0
        ? [`cpu_2m usage=5.1 ${w0}`] // (1 + 2 + 10 + 5 + 7.5) / 5
        : [`cpu_2m usage=4.333333333333333 ${w0}`, `cpu_2m usage=6.25 ${w0 + 2n * MINUTE_NS}`]; // 13/3, 12.5/2
      expect(r.database_writes).to.deep.equal({ rollups: expected });
    });

    it('starts after the newest window already in the target table', async () => {
      await write('examples_ds', `cpu_inc,host=a usage=1.5 ${at(0)}`);
      const r = await dryRun('schedule', { filename: 'downsampler.py', database: 'examples_ds', input_arguments: { source_table: 'cpu', target_table: 'cpu_inc', fields: 'usage' } });
      expect(r.errors).to.deep.equal([]);
      expect(r.database_writes.examples_ds).to.have.members([`cpu_inc,host=a usage=5.0 ${at(60)}`, `cpu_inc usage=7.5 ${at(60)}`]);
      expect(r.database_writes.examples_ds).to.have.length(2);

      // Once the target table reaches the current window, a run has nothing to do.
      const now = BigInt(Date.now()) * 1_000_000n;
      await write('examples_ds', `cpu_done,host=a usage=1.0 ${now - (now % MINUTE_NS)}`);
      const done = await dryRun('schedule', { filename: 'downsampler.py', database: 'examples_ds', input_arguments: { source_table: 'cpu', target_table: 'cpu_done' } });
      expect(done.database_writes).to.deep.equal({});
      expect(pluginLogs(done)).to.have.length(1);
      expect(pluginLogs(done)[0]).to.match(/^INFO: downsampler: cpu_done is up to date \(windows before \S+Z\)$/);
    });

    it('a missing source table is logged, not an error', async () => {
      const r = await dryRun('schedule', { filename: 'downsampler.py', database: 'examples_ds_empty', input_arguments: { source_table: 'cpu' } });
      expect(r.errors).to.deep.equal([]);
      expect(r.database_writes).to.deep.equal({});
      expect(pluginLogs(r)).to.deep.equal(['INFO: downsampler: source table cpu does not exist yet; nothing to do']);
    });

    it('a source table with no rows in the lookback is logged, not an error', async () => {
      const r = await dryRun('schedule', { filename: 'downsampler.py', database: 'examples_ds_empty', input_arguments: { source_table: 'other', lookback: '1m' } });
      expect(r.errors).to.deep.equal([]);
      expect(r.database_writes).to.deep.equal({});
      expect(pluginLogs(r)).to.have.length(1);
      expect(pluginLogs(r)[0]).to.match(/^INFO: downsampler: no rows in other between /);
    });

    it('bad arguments are logged as errors naming the argument', async () => {
      const cases: Array<[Record<string, string>, RegExp]> = [
        [{}, /source_table trigger argument is required/],
        [{ source_table: 'cpu', window: 'soon' }, /window='soon' is not a duration/],
        [{ source_table: 'cpu', fields: 'usage;nope' }, /no numeric field\(s\) \['nope'\]/],
        [{ source_table: 'cpu', fields: '' }, /no fields to average; numeric fields of cpu are \['usage', 'n'\]/],
        [{ source_table: 'cpu', tags: 'zone' }, /no tag\(s\) \['zone'\]; its tags are \['host'\]/],
      ];
      for (const [args, message] of cases) {
        const r = await dryRun('schedule', { filename: 'downsampler.py', database: 'examples_ds', input_arguments: args });
        expect(r.errors).to.deep.equal([]);
        expect(r.database_writes).to.deep.equal({});
        const logs = pluginLogs(r);
        expect(logs).to.have.length(1);
        expect(logs[0]).to.match(/^ERROR: downsampler: /).and.to.match(message);
      }
    });
  });

  describe('webhook.py (process_request in a Python harness)', () => {
    // There is no dry-run endpoint for request plugins: run process_request with the engine's LineBuilder
    // and a stand-in influxdb3_local that records writes and answers the schema query from `schema`.
    const HARNESS = `
import builtins, json, sys
from plugin_runner.line_builder import LineBuilder
builtins.LineBuilder = LineBuilder
class Local:
    def __init__(self, schema): self.schema, self.writes, self.logs = schema, [], []
    def info(self, *a): self.logs.append("INFO: " + " ".join(map(str, a)))
    def warn(self, *a): self.logs.append("WARN: " + " ".join(map(str, a)))
    def error(self, *a): self.logs.append("ERROR: " + " ".join(map(str, a)))
    def query(self, q, args=None, database=None):
        return [{"column_name": k, "data_type": v} for k, v in self.schema.get(args["table"], {}).items()]
    def write(self, line): self.writes.append(line.build())
    def write_to_db(self, db, line): self.writes.append(db + ": " + line.build())
case = json.load(sys.stdin)
ns = {}
exec(compile(open(sys.argv[1]).read(), "<string>", "exec"), ns)
local = Local(case.get("schema", {}))
result = ns["process_request"](local, {}, {"content-type": "application/json"}, case["body"].encode(), case.get("args"))
print(json.dumps({"result": result, "writes": local.writes, "logs": local.logs}))
`;
    const run = (body: unknown, extra: { schema?: Record<string, Record<string, string>>; args?: Record<string, string> } = {}) =>
      new Promise<{ result: any; writes: string[]; logs: string[] }>((resolve, reject) => {
        const child = execFile(python, ['-c', HARNESS, join(PLUGINS, 'webhook.py')], { env: { ...process.env, PYTHONPATH: join(ROOT, 'python-runner') } }, (err, stdout, stderr) => {
          if (err) reject(new Error(`${err.message}\n${stderr}`));
          else resolve(JSON.parse(stdout));
        });
        child.stdin!.end(JSON.stringify({ body: typeof body === 'string' ? body : JSON.stringify(body), ...extra }));
      });

    it('writes one object or a list, typing fields from JSON and from existing columns', async () => {
      const one = await run({ measurement: 'home', tags: { room: 'kitchen' }, fields: { temp: 21.5, hum: 40, ok: true, note: 'a "b"' }, time: 1735689600000000000 });
      expect(one.result).to.deep.equal({ written: 1 });
      expect(one.writes).to.deep.equal(['home,room=kitchen temp=21.5,hum=40i,ok=t,note="a \\"b\\"" 1735689600000000000']);
      const list = await run(
        [{ measurement: 'home', tags: { room: 'hall' }, fields: { temp: 21 } }, { measurement: 'door', fields: { open: false } }],
        { schema: { home: { room: 'Dictionary(Int32, Utf8)', temp: 'Float64', time: 'Timestamp(Nanosecond, None)' } }, args: { database: 'other' } },
      );
      expect(list.result).to.deep.equal({ written: 2 });
      expect(list.writes).to.deep.equal(['other: home,room=hall temp=21.0', 'other: door open=f']);
      expect(list.logs).to.deep.equal(['INFO: webhook: queued 2 point(s)']);
    });

    it('answers 400 naming the bad item, and writes nothing', async () => {
      const cases: Array<[unknown, string, number | undefined]> = [
        ['', 'empty body: send a JSON object or a list of objects', undefined],
        ['{not json', 'body is not valid JSON: ', undefined],
        [[], 'empty list: nothing to write', undefined],
        [[{ measurement: 'a', fields: { x: 1 } }, { measurement: 'a', fields: {} }], "item 1: 'fields' must be a non-empty object", 1],
        [[{ measurement: 'a', fields: { x: 1 } }, { measurement: 'a', fields: { x: 1.5 } }], "item 1: field 'x': 1.5 does not fit the column type Int64", 1],
        [{ fields: { x: 1 } }, "item 0: 'measurement' must be a non-empty string", 0],
        [{ measurement: 'a b', fields: { x: 1 } }, 'item 0: Measurement name cannot contain spaces', 0],
        [{ measurement: 'a', fields: { 'bad key': 1 } }, "item 0: field key 'bad key' cannot contain spaces", 0],
        [{ measurement: 'a', tags: { t: 'x\ny' }, fields: { x: 1 } }, "item 0: tag 't' value 'x\\ny' contains a control character", 0],
        [{ measurement: 'a', fields: { x: null } }, "item 0: field 'x' has unsupported type null", 0],
        [{ measurement: 'a', fields: { x: 1 }, time: 'now' }, "item 0: 'time' must be an integer (nanoseconds since the epoch)", 0],
        [{ measurement: 'a', fields: { x: 1 }, extra: 1 }, "item 0: unknown key(s) ['extra']", 0],
        [[{ measurement: 'a', fields: { x: 1 } }, 7], 'item 1: expected an object, got int', 1],
      ];
      for (const [body, message, item] of cases) {
        const r = await run(body);
        expect(r.result, JSON.stringify(body)).to.be.an('array').with.length(2);
        expect(r.result[1]).to.equal(400);
        expect(r.result[0].error).to.include(message);
        expect(r.result[0].item).to.equal(item);
        expect(r.writes).to.deep.equal([]);
      }
      const typed = await run({ measurement: 'home', fields: { temp: 'warm' } }, { schema: { home: { temp: 'Float64' } } });
      expect(typed.result).to.deep.equal([{ error: "item 0: field 'temp': 'warm' does not fit the column type Float64", item: 0 }, 400]);
      const tagAsField = await run({ measurement: 'home', fields: { room: 1 } }, { schema: { home: { room: 'Dictionary(Int32, Utf8)' } } });
      expect(tagAsField.result[0].error).to.equal("item 0: 'room' is a tag of this measurement, not a field");
    });
  });

  describe('live triggers', () => {
    it('wal_summary.py on all_tables: summary rows appear after a write, and its own writes never re-trigger it', async () => {
      const created = await post('/api/v3/configure/database', { db: 'live_wal' });
      expect(created.status, created.text).to.equal(200);
      await createTrigger('live_wal', 'summarise_writes', 'wal_summary.py', 'all_tables', null);
      await write('live_wal', 'cpu,host=a usage=1 300\ncpu,host=b usage=2 100\nmem free=3i 50');
      const sql = 'SELECT table_name, row_count, min_time, max_time FROM write_summary ORDER BY table_name';
      const rows = await pollQuery('live_wal', sql, (r) => r.length >= 2);
      expect(rows).to.deep.equal([
        { table_name: 'cpu', row_count: 2, min_time: 100, max_time: 300 },
        { table_name: 'mem', row_count: 1, min_time: 50, max_time: 50 },
      ]);
      // Two more flush intervals: the summary write reached the WAL and the plugin, which skipped it.
      await new Promise((r) => setTimeout(r, 2_500)); // the scenario: nothing more is written meanwhile
      expect(await query('live_wal', sql)).to.deep.equal(rows);
      const logs = await engineLogs('live_wal', 'summarise_writes');
      expect(logs.filter((l) => l.log_level === 'ERROR')).to.deep.equal([]);
      expect(logs.map((l) => l.log_text)).to.include('wal_summary: wrote 2 summary row(s) to write_summary');
      await deleteTrigger('live_wal', 'summarise_writes');
    });

    it('downsampler.py on every:1s (created with the CLI): averaged rows appear; a missing source table is only logged', async () => {
      const base = (BigInt(Date.now()) * 1_000_000n / MINUTE_NS - 3n) * MINUTE_NS;
      const at = (s: number) => (base + BigInt(s) * 1_000_000_000n).toString();
      await write('live_ds', [`cpu,host=a usage=1.0 ${at(1)}`, `cpu,host=a usage=3.0 ${at(10)}`, `cpu,host=b usage=10.0 ${at(5)}`].join('\n'));
      const cli = await runCli([
        'create', 'trigger', '-H', url, '-d', 'live_ds', '--trigger-spec', 'every:1s', '--path', 'downsampler.py',
        '--trigger-arguments', 'source_table=cpu,fields=usage,window=1m,lookback=10m', 'cpu_1m',
      ]);
      expect(cli.code, cli.stderr).to.equal(0);
      expect(cli.stdout).to.include('Trigger cpu_1m created successfully');
      await createTrigger('live_ds', 'ds_missing', 'downsampler.py', 'every:1s', { source_table: 'not_written_yet' });

      const rows = await pollQuery('live_ds', 'SELECT host, usage, time FROM cpu_1m ORDER BY host', (r) => r.length >= 2);
      const minute = new Date(Number(base / 1_000_000n)).toISOString().slice(0, 19);
      expect(rows).to.deep.equal([
        { host: 'a', usage: 2.0, time: minute },
        { host: 'b', usage: 10.0, time: minute },
      ]);
      const missing = await pollQuery(
        'live_ds',
        "SELECT log_level, log_text FROM system.processing_engine_logs WHERE trigger_name = 'ds_missing'",
        (r) => r.length >= 1,
      );
      expect(missing).to.deep.include({ log_level: 'INFO', log_text: 'downsampler: source table not_written_yet does not exist yet; nothing to do' });
      expect(missing.filter((l) => l.log_level === 'ERROR')).to.deep.equal([]);
      // Later runs find the window written and write nothing more (the start is read from cpu_1m): "up to date",
      // or "no rows" once the next (empty) minute is complete.
      const idle = await pollQuery(
        'live_ds',
        "SELECT log_text FROM system.processing_engine_logs WHERE trigger_name = 'cpu_1m' AND (log_text LIKE '%is up to date%' OR log_text LIKE '%no rows in cpu%')",
        (r) => r.length >= 2,
      );
      expect(idle).to.have.length.of.at.least(2);
      expect(await query('live_ds', 'SELECT host, usage, time FROM cpu_1m ORDER BY host')).to.deep.equal(rows);
      const logs = await engineLogs('live_ds', 'cpu_1m');
      expect(logs.filter((l) => l.log_level === 'ERROR')).to.deep.equal([]);
      await deleteTrigger('live_ds', 'cpu_1m');
      await deleteTrigger('live_ds', 'ds_missing');
    });

    it('webhook.py on request:ingest: JSON points are written; a bad item gives 400 naming it and writes nothing', async () => {
      await write('live_hook', 'home,room=attic temp=15.0 1');
      await createTrigger('live_hook', 'ingest', 'webhook.py', 'request:ingest', null);
      const send = (body: string) => fetch(`${url}/api/v3/engine/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

      const ok = await send(JSON.stringify([
        { measurement: 'home', tags: { room: 'kitchen' }, fields: { temp: 21, door_open: false }, time: 2000 },
        { measurement: 'home', tags: { room: 'hall' }, fields: { temp: 19.5 }, time: 3000 },
      ]));
      expect(ok.status).to.equal(200);
      expect(ok.headers.get('content-type')).to.match(/^application\/json/);
      expect(await ok.json()).to.deep.equal({ written: 2 });
      const sql = 'SELECT room, temp, door_open FROM home ORDER BY time';
      const rows = await pollQuery('live_hook', sql, (r) => r.length >= 3);
      // temp=21 went into the existing float column as 21.0
      expect(rows).to.deep.equal([
        { room: 'attic', temp: 15.0 },
        { room: 'kitchen', temp: 21.0, door_open: false },
        { room: 'hall', temp: 19.5 },
      ]);

      const bad = await send(JSON.stringify([{ measurement: 'home', fields: { temp: 20.0 } }, { measurement: 'home', fields: {} }]));
      expect(bad.status).to.equal(400);
      expect(await bad.json()).to.deep.equal({ error: "item 1: 'fields' must be a non-empty object", item: 1 });
      const notJson = await send('{oops');
      expect(notJson.status).to.equal(400);
      expect((await notJson.json()).error).to.match(/^body is not valid JSON: /);
      await new Promise((r) => setTimeout(r, 1_200)); // the scenario: the refused bodies wrote nothing over a flush interval
      expect(await query('live_hook', sql)).to.deep.equal(rows);
      await deleteTrigger('live_hook', 'ingest');
    });
  });
});
