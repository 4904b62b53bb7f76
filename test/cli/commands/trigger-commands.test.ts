import { expect } from 'chai';
import { Command } from 'commander';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCreateTriggerBody, collectPackageFiles, updateTriggerCommand } from '../../../src/cli/commands/trigger-commands.js';
import { runCliCaptured, startRecorder, type RecordingServer } from '../cli-harness.js';

// `update trigger` through a program of its own (the same wiring cli.ts gives it), capturing output as runCli does.
async function runUpdate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command('influxdb3');
  updateTriggerCommand(program.command('update'));
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    stdout += chunk;
    return true;
  }) as typeof process.stdout.write;
  let code = 0;
  try {
    await program.parseAsync(['node', 'influxdb3', 'update', 'trigger', ...args]);
  } catch (err) {
    stderr += `Error: ${(err as Error).message}\n`;
    code = 1;
  } finally {
    process.stdout.write = out;
  }
  return { code, stdout, stderr };
}

// A local package: __init__.py, utils.py, models/{__init__,m}.py, plus files that are never uploaded.
async function makePackage(root: string, name = 'my_pkg'): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, 'models'), { recursive: true });
  await mkdir(join(dir, '__pycache__'));
  await writeFile(join(dir, '__init__.py'), 'from .utils import helper\n');
  await writeFile(join(dir, 'utils.py'), 'def helper(): return 1\n');
  await writeFile(join(dir, 'models', '__init__.py'), '');
  await writeFile(join(dir, 'models', 'm.py'), 'M = 1\n');
  await writeFile(join(dir, '__pycache__', 'utils.cpython-311.py'), 'cached');
  await writeFile(join(dir, 'README.md'), 'docs');
  await writeFile(join(root, 'elsewhere.py'), 'not part of the package');
  await symlink(join(root, 'elsewhere.py'), join(dir, 'linked.py'));
  return dir;
}

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

    it('sends --node-spec in the catalog shape, and refuses a bad one naming the flag', () => {
      expect(buildCreateTriggerBody('db1', 't', { triggerSpec: 'every:1m', path: 'p.py', nodeSpec: 'nodes:proc-1,proc-2' }).node_spec).to.deep.equal({ nodes: ['proc-1', 'proc-2'] });
      expect(buildCreateTriggerBody('db1', 't', { triggerSpec: 'every:1m', path: 'p.py', nodeSpec: 'all' }).node_spec).to.equal('all');
      expect(() => buildCreateTriggerBody('db1', 't', { triggerSpec: 'every:1m', path: 'p.py', nodeSpec: 'proc-1' })).to.throw(/invalid --node-spec: invalid node_spec "proc-1"/);
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

  describe('create trigger --upload', () => {
    let local: string;
    beforeEach(async () => {
      local = await mkdtemp(join(tmpdir(), 'cli-upload-'));
    });
    afterEach(() => rm(local, { recursive: true, force: true }));
    const sent = () => server.requests.map((q) => [q.method, q.path, q.query, JSON.parse(q.body)]);

    it('uploads a file under its basename (directory parts and .. dropped) and creates the trigger on that name', async () => {
      await mkdir(join(local, 'subdir'));
      await writeFile(join(local, 'escape_test.py'), 'def process_writes(a, b, c): pass\n');
      const path = join(local, 'subdir', '..', 'escape_test.py');
      const r = await cli('create', 'trigger', '-d', 'foo', '--trigger-spec', 'all_tables', '--path', path, '--upload', 't');
      expect(r).to.deep.equal({ code: 0, stdout: 'Trigger t created successfully\n', stderr: '' });
      const [upload, create] = sent();
      expect(upload).to.deep.equal([
        'POST', '/api/v3/plugins/files', { db: 'foo' }, { plugin_name: 'escape_test.py', content: 'def process_writes(a, b, c): pass\n' },
      ]);
      expect(create![1]).to.equal('/api/v3/configure/processing_engine_trigger');
      expect((create![3] as { plugin_filename: string }).plugin_filename).to.equal('escape_test.py');
      expect(server.requests).to.have.length(2);
    });

    it('uploads every .py of a package as <dirname>/<rel> (no __pycache__, no symlinks) and names the plugin <dirname>', async () => {
      const dir = await makePackage(local);
      const r = await cli('create', 'trigger', '-d', 'foo', '--trigger-spec', 'every:10s', '--plugin-filename', `${dir}/`, '--upload', 't');
      expect(r.code, r.stderr).to.equal(0);
      const reqs = sent();
      expect(reqs.slice(0, -1).map((q) => (q[3] as { plugin_name: string }).plugin_name)).to.deep.equal([
        'my_pkg/__init__.py', 'my_pkg/models/__init__.py', 'my_pkg/models/m.py', 'my_pkg/utils.py',
      ]);
      expect(reqs.slice(0, -1).every((q) => q[0] === 'POST' && q[1] === '/api/v3/plugins/files')).to.equal(true);
      expect(reqs[0]![3]).to.deep.equal({ plugin_name: 'my_pkg/__init__.py', content: 'from .utils import helper\n' });
      expect((reqs.at(-1)![3] as { plugin_filename: string }).plugin_filename).to.equal('my_pkg');
    });

    it('refuses a package without __init__.py, a missing path and a bad spec before sending anything', async () => {
      await mkdir(join(local, 'nopkg'));
      await writeFile(join(local, 'nopkg', 'utils.py'), '');
      const noInit = await cli('create', 'trigger', '-d', 'foo', '--trigger-spec', 'all_tables', '--path', join(local, 'nopkg'), '--upload', 't');
      expect(noInit).to.deep.equal({ code: 1, stdout: '', stderr: `Error: Multi-file plugin directory must contain __init__.py: ${join(local, 'nopkg')}\n` });
      const missing = await cli('create', 'trigger', '-d', 'foo', '--trigger-spec', 'all_tables', '--path', join(local, 'nope.py'), '--upload', 't');
      expect(missing.stderr).to.equal(`Error: File not found: ${join(local, 'nope.py')}\n`);
      await writeFile(join(local, 'p.py'), '');
      const spec = await cli('create', 'trigger', '-d', 'foo', '--trigger-spec', 'sometimes', '--path', join(local, 'p.py'), '--upload', 't');
      expect(spec.stderr).to.match(/^Error: failed to parse trigger from sometimes/);
      expect(server.requests).to.have.length(0);
    });

    it('stops at a refused upload and prints the server text; the trigger is not created', async () => {
      await writeFile(join(local, 'p.py'), '');
      server.reply = () => ({ status: 500, body: { error: 'Node not configured with plugin directory: No plugin directory configured' } });
      const r = await cli('create', 'trigger', '-d', 'foo', '--trigger-spec', 'all_tables', '--path', join(local, 'p.py'), '--upload', 't');
      expect(r).to.deep.equal({ code: 1, stdout: '', stderr: 'Error: Node not configured with plugin directory: No plugin directory configured\n' });
      expect(server.requests.map((q) => q.path)).to.deep.equal(['/api/v3/plugins/files']);
    });
  });

  describe('update trigger', () => {
    let local: string;
    beforeEach(async () => {
      local = await mkdtemp(join(tmpdir(), 'cli-update-'));
    });
    afterEach(() => rm(local, { recursive: true, force: true }));

    it('a file: PUT /api/v3/plugins/files with the trigger name and ?db=, then the upstream line', async () => {
      await writeFile(join(local, 'new_init.py'), 'NEW = True\n');
      const r = await runUpdate(['-H', server.url, '-d', 'foo', '-t', 'my_trigger', '-p', join(local, 'new_init.py')]);
      expect(r).to.deep.equal({ code: 0, stdout: "Trigger 'my_trigger' updated successfully\n", stderr: '' });
      const q = server.requests[0]!;
      expect([q.method, q.path, q.query, JSON.parse(q.body)]).to.deep.equal([
        'PUT', '/api/v3/plugins/files', { db: 'foo' }, { plugin_name: 'my_trigger', content: 'NEW = True\n' },
      ]);
    });

    it('a directory: PUT /api/v3/plugins/directory with every .py file relative to it', async () => {
      const dir = await makePackage(local);
      const r = await runUpdate(['-H', server.url, '-d', 'foo', '--trigger-name', 'my_trigger', '--path', dir]);
      expect(r.stdout).to.equal("Trigger 'my_trigger' updated successfully\n");
      const q = server.requests[0]!;
      expect([q.method, q.path, q.query]).to.deep.equal(['PUT', '/api/v3/plugins/directory', { db: 'foo' }]);
      expect(JSON.parse(q.body)).to.deep.equal({
        plugin_name: 'my_trigger',
        files: [
          { relative_path: '__init__.py', content: 'from .utils import helper\n' },
          { relative_path: 'models/__init__.py', content: '' },
          { relative_path: 'models/m.py', content: 'M = 1\n' },
          { relative_path: 'utils.py', content: 'def helper(): return 1\n' },
        ],
      });
    });

    it('refuses a missing path and a directory without __init__.py; prints a server refusal', async () => {
      const missing = await runUpdate(['-H', server.url, '-d', 'foo', '-t', 'x', '-p', join(local, 'gone.py')]);
      expect(missing).to.deep.equal({ code: 1, stdout: '', stderr: `Error: Path does not exist: ${join(local, 'gone.py')}\n` });
      const noInit = await runUpdate(['-H', server.url, '-d', 'foo', '-t', 'x', '-p', local]);
      expect(noInit.stderr).to.equal(`Error: Multi-file plugin directory must contain __init__.py: ${local}\n`);
      expect(server.requests).to.have.length(0);
      await writeFile(join(local, 'p.py'), '');
      server.reply = () => ({ status: 500, body: { error: 'Plugin not found: x' } });
      const unknown = await runUpdate(['-H', server.url, '-d', 'foo', '-t', 'x', '-p', join(local, 'p.py')]);
      expect(unknown).to.deep.equal({ code: 1, stdout: '', stderr: 'Error: Plugin not found: x\n' });
    });

    it('collectPackageFiles sorts, skips __pycache__, non-.py files and symlinks', async () => {
      const dir = await makePackage(local);
      expect((await collectPackageFiles(dir)).map((f) => f.relativePath)).to.deep.equal([
        '__init__.py', 'models/__init__.py', 'models/m.py', 'utils.py',
      ]);
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
