import { expect } from 'chai';
import { SHOW_PLUGINS_SQL } from '../../../src/cli/commands/plugin-commands.js';
import { runCliCaptured, startRecorder, type RecordedRequest, type RecordingServer } from '../cli-harness.js';

// Echoes the query and format it was sent, so the test sees what was asked and that it is printed like `query`.
function echo(req: RecordedRequest): { body: string } {
  const body = JSON.parse(req.body) as { db: string; q: string; format: string };
  return { body: `[${body.db} ${body.format}] ${body.q}` };
}

describe('cli/commands/plugin-commands', () => {
  let server: RecordingServer;
  beforeEach(async () => {
    server = await startRecorder(echo);
  });
  afterEach(async () => {
    await server.close();
  });

  it('show plugins queries system.plugins in _internal and prints the answer like `query`', async () => {
    const r = await runCliCaptured(['show', 'plugins', '-H', server.url]);
    expect(r).to.deep.equal({ code: 0, stdout: `[_internal pretty] ${SHOW_PLUGINS_SQL}\n`, stderr: '' });
    expect(SHOW_PLUGINS_SQL).to.match(/FROM system\.plugins\b/);
    expect(server.requests.map((x) => [x.method, x.path])).to.deep.equal([['POST', '/api/v3/query_sql']]);
    expect(JSON.parse(server.requests[0]!.body)).to.deep.equal({ db: '_internal', q: SHOW_PLUGINS_SQL, format: 'pretty' });
  });

  it('passes --format and the token on', async () => {
    for (const format of ['json', 'jsonl', 'csv']) {
      const r = await runCliCaptured(['show', 'plugins', '-H', server.url, '--token', 'tok', '--format', format]);
      expect(r.stdout).to.equal(`[_internal ${format}] ${SHOW_PLUGINS_SQL}\n`);
    }
    expect(server.requests.map((x) => x.headers.authorization)).to.deep.equal(['Bearer tok', 'Bearer tok', 'Bearer tok']);
  });

  it('reports a server error as `Error: <message>` and exit code 1', async () => {
    server.reply = () => ({ status: 404, body: 'database not found: _internal' });
    const r = await runCliCaptured(['show', 'plugins', '-H', server.url]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/database not found: _internal/);
  });
});
