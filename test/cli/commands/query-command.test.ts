import { expect } from 'chai';
import { runCliCaptured, startRecorder, type RecordingServer } from '../cli-harness.js';
import { runCli } from '../../helpers/server-process.js';

describe('cli/commands/data-commands: query', () => {
  let server: RecordingServer;
  beforeEach(async () => {
    server = await startRecorder(() => ({ body: '[{"x":1}]' }));
  });
  afterEach(() => server.close());

  it('`q` is query, and reads the query piped on stdin', async () => {
    const r = await runCli(['q', '-H', server.url, '-d', 'db1', '--format', 'json'], 'SELECT 1 AS x\n');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('[{"x":1}]\n');
    expect(JSON.parse(server.requests[0]!.body)).to.deep.equal({ db: 'db1', q: 'SELECT 1 AS x\n', format: 'json' });
  });

  it('with no query anywhere, says the three ways to give one', async () => {
    const r = await runCli(['query', '-H', server.url, '-d', 'db1'], '');
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal('Error: no query given: pass it as an argument, with -f FILE, or on stdin (echo "SELECT 1" | influxdb3 query -d DB)\n');
    const missing = await runCliCaptured(['query', '-H', server.url, '-d', 'db1', '-f', '/nonexistent/q.sql']);
    expect(missing.stderr).to.include("cannot read file '/nonexistent/q.sql' (-f/--file)");
    expect(server.requests).to.have.length(0);
  });
});
