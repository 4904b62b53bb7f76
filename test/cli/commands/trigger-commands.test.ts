import { expect } from 'chai';
import { buildCreateTriggerBody } from '../../../src/cli/commands/trigger-commands.js';
import { runCliCaptured, startRecorder, type RecordingServer } from '../cli-harness.js';

describe('cli/commands/trigger-commands', () => {
  let server: RecordingServer;
  beforeEach(async () => {
    server = await startRecorder();
  });
  afterEach(async () => {
    await server.close();
  });
  const cli = (...args: string[]) => runCliCaptured([...args.slice(0, 2), '-H', server.url, ...args.slice(2)]);

  describe('buildCreateTriggerBody', () => {
    it('fills upstream defaults: log, sequential, enabled, no arguments', () => {
      expect(buildCreateTriggerBody('db1', 't', { triggerSpec: ' all_tables ', path: 'p.py' })).to.deep.equal({
        db: 'db1',
        plugin_filename: 'p.py',
        trigger_name: 't',
        trigger_specification: 'all_tables',
        trigger_settings: { run_async: false, error_behavior: 'log' },
        trigger_arguments: null,
        disabled: false,
      });
    });

    it('re-renders every: specs and timeouts the humantime way', () => {
      const body = buildCreateTriggerBody('db1', 't', { triggerSpec: 'every:90s', pluginFilename: 'p.py', timeout: '90s' });
      expect(body.trigger_specification).to.equal('every:1m 30s');
      expect(body.trigger_settings.timeout).to.equal('1m 30s');
    });

    it('keeps an explicit empty argument list as {}', () => {
      expect(buildCreateTriggerBody('db1', 't', { triggerSpec: 'all_tables', path: 'p.py', triggerArguments: '' }).trigger_arguments).to.deep.equal({});
    });

    it('rejects a zero or unparsable timeout', () => {
      expect(() => buildCreateTriggerBody('d', 't', { triggerSpec: 'all_tables', path: 'p.py', timeout: '0s' })).to.throw(
        "invalid --timeout '0s': the timeout must be greater than zero",
      );
      expect(() => buildCreateTriggerBody('d', 't', { triggerSpec: 'all_tables', path: 'p.py', timeout: 'soon' })).to.throw(
        "invalid --timeout: invalid duration 'soon'",
      );
    });
  });

  describe('create trigger', () => {
    it('POSTs the JSON body and prints the upstream success line', async () => {
      const r = await cli(
        'create', 'trigger', '-d', 'foo', '--trigger-spec', 'every:90s', '--path', 'plugin.py',
        '--trigger-arguments', 'query_path=/metrics?format=json,whatever=hello', '--disabled', '--run-asynchronous',
        '--error-behavior', 'Retry', '--timeout', '2m', 'my_trigger',
      );
      expect(r).to.deep.equal({ code: 0, stdout: 'Trigger my_trigger created successfully\n', stderr: '' });
      expect(server.requests).to.have.length(1);
      const req = server.requests[0]!;
      expect(req.method).to.equal('POST');
      expect(req.path).to.equal('/api/v3/configure/processing_engine_trigger');
      expect(req.headers['content-type']).to.equal('application/json');
      expect(JSON.parse(req.body)).to.deep.equal({
        db: 'foo',
        plugin_filename: 'plugin.py',
        trigger_name: 'my_trigger',
        trigger_specification: 'every:1m 30s',
        trigger_settings: { run_async: true, error_behavior: 'retry', timeout: '2m' },
        trigger_arguments: { query_path: '/metrics?format=json', whatever: 'hello' },
        disabled: true,
      });
    });

    it('sends null arguments and default settings when the flags are left out; --plugin-filename works', async () => {
      const r = await cli('create', 'trigger', '-d', 'foo', '--trigger-spec', 'request:/hook', '--plugin-filename', 'gh:examples/x.py', 't2');
      expect(r.code).to.equal(0);
      const body = JSON.parse(server.requests[0]!.body) as Record<string, unknown>;
      expect(body.trigger_specification).to.equal('request:hook');
      expect(body.plugin_filename).to.equal('gh:examples/x.py');
      expect(body.trigger_arguments).to.equal(null);
      expect(body.trigger_settings).to.deep.equal({ run_async: false, error_behavior: 'log' });
      expect(body.disabled).to.equal(false);
    });

    it('prints a bad spec as the parser words it and sends nothing', async () => {
      const r = await cli('create', 'trigger', '-d', 'foo', '--trigger-spec', 'cron:0 0 6 * * 0', '--path', 'p.py', 't');
      expect(r.code).to.equal(1);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.match(/^Error: failed to parse trigger from cron:0 0 6 \* \* 0: invalid cron syntax: day-of-week value 0 .+\n$/);
      const bad = await cli('create', 'trigger', '-d', 'foo', '--trigger-spec', 'sometimes', '--path', 'p.py', 't');
      expect(bad.stderr).to.equal(
        "Error: failed to parse trigger from sometimes: expect one of the following forms: 'table:<TABLE_NAME>', 'all_tables', " +
          "'cron:<CRON_EXPRESSION>', 'every:<DURATION>', or 'request:<PATH>'\n",
      );
      expect(server.requests).to.have.length(0);
    });

    it('refuses a bad argument list, error behaviour or plugin choice before sending', async () => {
      const args = await cli('create', 'trigger', '-d', 'foo', '--trigger-spec', 'all_tables', '--path', 'p.py', '--trigger-arguments', 'a=1,b', 't');
      expect(args).to.include({ code: 1, stderr: "Error: invalid trigger argument 'b': expected key=value, but it has no '='\n" });
      const eb = await cli('create', 'trigger', '-d', 'foo', '--trigger-spec', 'all_tables', '--path', 'p.py', '--error-behavior', 'explode', 't');
      expect(eb.stderr).to.equal("Error: invalid error behavior 'explode': expected one of log, retry, disable\n");
      const none = await cli('create', 'trigger', '-d', 'foo', '--trigger-spec', 'all_tables', 't');
      expect(none.stderr).to.equal('Error: Either --path or --plugin-filename must be provided\n');
      const both = await cli('create', 'trigger', '-d', 'foo', '--trigger-spec', 'all_tables', '--path', 'a.py', '--plugin-filename', 'b.py', 't');
      expect(both.stderr).to.match(/^Error: --path and --plugin-filename cannot be used together/);
      const timeout = await cli('create', 'trigger', '-d', 'foo', '--trigger-spec', 'all_tables', '--path', 'a.py', '--timeout', '5 parsecs', 't');
      expect(timeout.stderr).to.match(/^Error: invalid --timeout: invalid duration '5 parsecs': unknown time unit 'parsecs'/);
      expect(server.requests).to.have.length(0);
    });

    it('needs a database', async () => {
      const saved = process.env.INFLUXDB3_DATABASE_NAME;
      delete process.env.INFLUXDB3_DATABASE_NAME;
      try {
        const r = await cli('create', 'trigger', '--trigger-spec', 'all_tables', '--path', 'p.py', 't');
        expect(r.code).to.equal(1);
        expect(r.stderr).to.match(/^Error: a database is required/);
      } finally {
        if (saved !== undefined) process.env.INFLUXDB3_DATABASE_NAME = saved;
      }
    });

    it('prints the server error text for a 4xx or 5xx answer', async () => {
      server.reply = () => ({ status: 409, body: { error: 'attempted to create a resource that already exists' } });
      const dup = await cli('create', 'trigger', '-d', 'foo', '--trigger-spec', 'all_tables', '--path', 'p.py', 't');
      expect(dup).to.deep.equal({ code: 1, stdout: '', stderr: 'Error: attempted to create a resource that already exists\n' });
      server.reply = () => ({ status: 500, body: 'error fetching plugin from repository: 404 Not Found' });
      const gh = await cli('create', 'trigger', '-d', 'foo', '--trigger-spec', 'all_tables', '--path', 'gh:not_a_file.py', 't');
      expect(gh.stderr).to.equal('Error: error fetching plugin from repository: 404 Not Found\n');
    });
  });

  describe('delete trigger', () => {
    it('sends db, trigger_name and force as JSON', async () => {
      const r = await cli('delete', 'trigger', '-d', 'foo', 'test_trigger');
      expect(r).to.deep.equal({ code: 0, stdout: 'Trigger test_trigger deleted successfully\n', stderr: '' });
      const forced = await cli('delete', 'trigger', '-d', 'foo', '--force', 'test_trigger');
      expect(forced.code).to.equal(0);
      expect(server.requests.map((q) => [q.method, q.path, JSON.parse(q.body)])).to.deep.equal([
        ['DELETE', '/api/v3/configure/processing_engine_trigger', { db: 'foo', trigger_name: 'test_trigger', force: false }],
        ['DELETE', '/api/v3/configure/processing_engine_trigger', { db: 'foo', trigger_name: 'test_trigger', force: true }],
      ]);
    });

    it('prints the refusal to delete a running trigger', async () => {
      server.reply = () => ({ status: 500, body: { error: 'Cannot delete running plugin test_trigger. Disable it first or use --force.' } });
      const r = await cli('delete', 'trigger', '-d', 'foo', 'test_trigger');
      expect(r).to.deep.equal({ code: 1, stdout: '', stderr: 'Error: Cannot delete running plugin test_trigger. Disable it first or use --force.\n' });
    });
  });

  describe('enable / disable trigger', () => {
    it('POST with the query string only and print the upstream lines', async () => {
      const on = await cli('enable', 'trigger', '-d', 'foo', 'test_trigger');
      const off = await cli('disable', 'trigger', '-d', 'foo', 'test_trigger');
      expect(on).to.deep.equal({ code: 0, stdout: 'Trigger test_trigger enabled successfully\n', stderr: '' });
      expect(off).to.deep.equal({ code: 0, stdout: 'Trigger test_trigger disabled successfully\n', stderr: '' });
      expect(server.requests.map((q) => [q.method, q.path, q.query, q.body])).to.deep.equal([
        ['POST', '/api/v3/configure/processing_engine_trigger/enable', { db: 'foo', trigger_name: 'test_trigger' }, ''],
        ['POST', '/api/v3/configure/processing_engine_trigger/disable', { db: 'foo', trigger_name: 'test_trigger' }, ''],
      ]);
    });

    it('sends the token and prints a 404 as an error', async () => {
      server.reply = () => ({ status: 404, body: { error: 'the requested resource was not found: nope' } });
      const r = await runCliCaptured(['enable', 'trigger', '-H', server.url, '--token', 'sekrit', '-d', 'foo', 'nope']);
      expect(r).to.deep.equal({ code: 1, stdout: '', stderr: 'Error: the requested resource was not found: nope\n' });
      expect(server.requests[0]!.headers.authorization).to.equal('Bearer sekrit');
    });
  });
});
