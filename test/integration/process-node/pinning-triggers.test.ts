import { expect } from 'chai';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchAnswer, sendJson } from '../../helpers/http.js';
import { removeDir, runCli, startServer, type ServerHandle } from '../../helpers/server-process.js';

const PLUGIN = `
def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):
    return {"ran": True}
`;

// Several process nodes share the triggers of one catalog shape without a coordinator: each runs only the triggers
// pinned to its --node-id (or to all nodes).
describe('process node: triggers pinned to nodes (node_spec)', function () {
  this.timeout(90_000);
  let dir: string;
  let upstream: ServerHandle;
  let node: ServerHandle | null = null;

  const startNode = (): Promise<ServerHandle> =>
    startServer({ dataDir: join(dir, 'node-data'), args: ['--mode', 'process', '--plugin-dir', join(dir, 'plugins'), '--node-id', 'proc-1', '--upstream-url', upstream.url] });
  const triggers = async (): Promise<Array<{ trigger_name: string; state: string; node_spec: string; disabled_reason: string | null }>> => {
    const r = await sendJson(`${node!.url}/api/v3/query_sql`, { db: 'sensors', q: 'SELECT trigger_name, state, node_spec, disabled_reason FROM system.processing_engine_triggers ORDER BY trigger_name', format: 'json' });
    expect(r.status, r.text).to.equal(200);
    return r.json;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'process-pinning-'));
    const plugins = join(dir, 'plugins');
    mkdirSync(plugins);
    writeFileSync(join(plugins, 'hello.py'), PLUGIN);
    upstream = await startServer();
    node = await startNode();
    expect((await sendJson(`${node.url}/api/v3/configure/database`, { db: 'sensors' })).status).to.be.oneOf([200, 201, 204]);
  });

  after(async () => {
    await node?.stop();
    await upstream?.stop();
    if (dir) removeDir(dir);
  });

  it('runs a trigger pinned to this node, stores and shows one pinned elsewhere without starting it', async () => {
    // The API field, in the catalog's shape.
    const mine = await sendJson(`${node!.url}/api/v3/configure/processing_engine_trigger`, {
      db: 'sensors', plugin_filename: 'hello.py', trigger_name: 'mine', trigger_specification: 'request:mine',
      trigger_settings: { run_async: false, error_behavior: 'log' }, trigger_arguments: null, disabled: false, node_spec: { nodes: ['proc-1', 'proc-9'] },
    });
    expect(mine.status, mine.text).to.equal(200);
    // The CLI flag.
    const cli = await runCli(['create', 'trigger', '-H', node!.url, '-d', 'sensors', '--path', 'hello.py', '--trigger-spec', 'request:theirs', '--node-spec', 'nodes:proc-2', 'theirs']);
    expect(cli.code, cli.stderr).to.equal(0);

    expect((await fetchAnswer(`${node!.url}/api/v3/engine/mine`)).json).to.deep.equal({ ran: true });
    const theirs = await fetchAnswer(`${node!.url}/api/v3/engine/theirs`);
    expect(theirs.status).to.equal(404);
    expect(theirs.text).to.include("request trigger 'theirs' runs on nodes:proc-2, not on this node ('proc-1')");

    expect(await triggers()).to.deep.equal([
      { trigger_name: 'mine', state: 'running', node_spec: 'nodes:proc-1,proc-9' },
      { trigger_name: 'theirs', state: 'other-node', node_spec: 'nodes:proc-2', disabled_reason: "pinned to nodes:proc-2; this node is 'proc-1'" },
    ]);
    const why = node!.logs.filter((l) => l.includes('trigger not started'));
    expect(why).to.have.length(1);
    expect(why[0]).to.include('"level":30').and.include("pinned to nodes:proc-2; this node is 'proc-1'");
  });

  it('keeps the pinning across a restart', async () => {
    await node!.stop();
    node = await startNode();
    expect((await fetchAnswer(`${node.url}/api/v3/engine/mine`)).json).to.deep.equal({ ran: true });
    expect((await fetchAnswer(`${node.url}/api/v3/engine/theirs`)).status).to.equal(404);
    expect((await triggers()).map((t) => [t.trigger_name, t.state])).to.deep.equal([['mine', 'running'], ['theirs', 'other-node']]);
    expect(node.logs.filter((l) => l.includes('trigger not started'))).to.have.length(1);
  });
});
