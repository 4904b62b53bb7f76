import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pluginLogs, startPluginServer, waitForNoRunners, type PluginServer } from '../fixtures/plugins/plugin-server.js';

// Plugin errors as upstream reports them, multi-file plugins (via dry runs) and the plugin path rules.
describe('integration: plugin errors, multi-file plugins and plugin paths', function () {
  this.timeout(30_000);
  let s: PluginServer;
  before(async () => {
    s = await startPluginServer();
    await s.write('foo', 'cpu,host=a usage=1');
  });
  after(async () => {
    const left = await waitForNoRunners(s.pluginDir);
    await s.stop();
    expect(left, 'temporary runners left behind').to.deep.equal([]);
  });

  const wal = (filename: string) => s.wal({ filename, database: 'foo', input_lp: 'cpu,host=a usage=2' });
  const schedule = (filename: string) => s.schedule({ filename, database: 'foo' });

  describe('each failure gives upstream\'s exact errors[0]', () => {
    const table: Array<[string, string]> = [
      ['errors/invalid_python.py', 'error executing plugin: IndentationError: unexpected indent (<string>, line 2)'],
      ['errors/no_entry_point.py', 'error executing plugin: the process_writes function is not present in the plugin. Should be defined as: process_writes(influxdb3_local, table_batches, args=None)'],
      ['errors/two_args.py', 'error executing plugin: TypeError: process_writes() takes 2 positional arguments but 3 were given'],
      ['errors/args_keyword.py', 'error executing plugin: TypeError: process_writes() takes from 1 to 2 positional arguments but 3 were given'],
      ['errors/batches_keyword.py', 'error executing plugin: TypeError: process_writes() takes from 1 to 2 positional arguments but 3 were given'],
      ['errors/no_fields.py', 'error executing plugin: InvalidLineError: At least one field is required: some_table'],
      ['errors/missing_table.py', "error executing plugin: QueryError: error: error while planning query: Error during planning: table 'public.iox.not_here' not found executing query on foo: SELECT foo FROM not_here"],
    ];
    for (const [file, expected] of table) {
      it(file, async () => {
        const r = await wal(file);
        expect(r.errors).to.deep.equal([expected]);
        expect(r.log_lines).to.deep.equal([]);
        expect(r.database_writes).to.deep.equal({});
      });
    }

    it('beyond upstream: error_details carries the traceback (real file, line) and the lines logged before the failure', async () => {
      const r = await wal('errors/no_fields.py');
      const [detail] = r.error_details;
      expect(detail.type).to.equal('InvalidLineError');
      expect(detail.log_lines).to.deep.equal(['INFO: before the bad line']);
      expect(detail.traceback).to.include(join(s.pluginDir, 'errors', 'no_fields.py')).and.include('line 3');
    });
  });

  describe('multi-file plugins (which upstream cannot dry-run)', () => {
    it('a package with a relative import runs, for WAL and schedule', async () => {
      expect(pluginLogs(await schedule('packages/good_pkg'))).to.deep.equal(['INFO: double: 42']);
      expect(pluginLogs(await wal('packages/good_pkg'))).to.deep.equal(['INFO: rows doubled: 2']);
    });

    it('a missing dependency surfaces its name', async () => {
      const [error] = (await schedule('packages/missing_dep')).errors;
      expect(error).to.include("Failed to import plugin module 'missing_dep'").and.include('nonexistent_dependency_xyz');
    });

    it('a module-level AttributeError surfaces the attribute', async () => {
      expect((await schedule('packages/bad_attr')).errors[0]).to.include('AttributeError').and.include('no_such_attribute_xyz');
    });

    it('a syntax error surfaces SyntaxError, not the "not present" message', async () => {
      const [error] = (await schedule('packages/syntax_err')).errors;
      expect(error).to.include('SyntaxError').and.not.include('not present');
    });

    it('a package without the function gives the generic message', async () => {
      expect((await schedule('packages/no_func')).errors).to.deep.equal([
        'error executing plugin: the process_scheduled_call function is not present in the plugin. Should be defined as: process_scheduled_call(influxdb3_local, call_time, args=None)',
      ]);
    });

    it('a failing import runs top-level code exactly once', async () => {
      expect((await schedule('packages/runs_once')).errors[0]).to.include('nonexistent_dependency_once');
      expect(readFileSync(join(s.root, 'runs_once.log'), 'utf8')).to.equal('ran\n');
    });

    it('12 concurrent runs of same-named packages from different directories all succeed', async () => {
      for (let i = 0; i < 12; i++) {
        s.writePlugin(`many/d${i}/pkg/__init__.py`, `def process_scheduled_call(influxdb3_local, call_time, args=None):\n    influxdb3_local.info("pkg ${i}")\n`);
      }
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => schedule(`many/d${i}/pkg`)));
      results.forEach((r, i) => expect(pluginLogs(r)).to.deep.equal([`INFO: pkg ${i}`]));
    });

    it('a package added after the first run loads without a restart', async () => {
      expect(existsSync(join(s.pluginDir, 'late_pkg'))).to.equal(false);
      s.writePlugin('late_pkg/__init__.py', 'def process_scheduled_call(influxdb3_local, call_time, args=None):\n    influxdb3_local.info("late")\n');
      expect(pluginLogs(await schedule('late_pkg'))).to.deep.equal(['INFO: late']);
    });
  });

  describe('plugin paths', () => {
    it('a missing plugin is a 500 naming the absolute path', async () => {
      const r = await s.post('/api/v3/plugin_test/wal', { filename: 'nope.py', database: 'foo', input_lp: 'a b=1' });
      expect(r.status).to.equal(500);
      expect(r.json).to.deep.equal({ error: `reading plugin file: Plugin not found: ${join(s.pluginDir, 'nope.py')}` });
    });

    it('paths leaving the plugin directory are rejected as path traversal', async () => {
      for (const filename of ['../evil.py', '/etc/passwd', 'subdir/../../evil.py']) {
        const r = await s.post('/api/v3/plugin_test/schedule', { filename, database: 'foo' });
        expect(r.status, filename).to.equal(500);
        expect(r.json.error).to.equal(`Path traversal detected: plugin filename '${filename}' attempts to access files outside the plugin directory`);
      }
    });

    it('a bad request body is a 400', async () => {
      expect((await s.post('/api/v3/plugin_test/wal', { filename: 'wal_basic.py', database: 'foo' })).status).to.equal(400);
      expect((await s.post('/api/v3/plugin_test/schedule', { database: 'foo' })).status).to.equal(400);
    });
  });
});
