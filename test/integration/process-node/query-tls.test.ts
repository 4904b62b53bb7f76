import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCerts } from '../../helpers/certs.js';
import { fetchAnswer, sendJson } from '../../helpers/http.js';
import { removeDir, startServer, type ServerHandle } from '../../helpers/server-process.js';

const PLUGIN = `
def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):
    try:
        rows = influxdb3_local.query("SELECT host, usage FROM cpu WHERE host = $h ORDER BY time", {"h": "a"})
    except Exception as e:
        return {"error": str(e)}
    return {"rows": [[r["host"], r["usage"], type(r["usage"]).__name__] for r in rows]}
`;

// Plugin queries reach an https:// upstream over Arrow Flight on TLS, trusting the CA given with --upstream-tls-ca.
describe('process node: plugin queries to an upstream on TLS', function () {
  this.timeout(90_000);
  let dir: string;
  let upstream: ServerHandle;
  const nodes: ServerHandle[] = [];
  let certs: { cert: string; key: string; ca: string };
  let upstreamUrl: string;

  const processNode = async (id: string, extra: string[], db = 'tlsdb'): Promise<ServerHandle> => {
    const node = await startServer({ args: ['--mode', 'process', '--plugin-dir', join(dir, 'plugins'), '--node-id', id, '--upstream-url', upstreamUrl, '--upstream-query-api', 'flight', '--upstream-write-api', 'v3', ...extra] });
    nodes.push(node);
    await sendJson(`${node.url}/api/v3/configure/database`, { db });
    const r = await sendJson(`${node.url}/api/v3/configure/processing_engine_trigger`, {
      db, plugin_filename: 'q.py', trigger_name: 'q', trigger_specification: 'request:q',
      trigger_settings: { run_async: false, error_behavior: 'log' }, trigger_arguments: null, disabled: false,
    });
    expect(r.status, r.text).to.equal(200);
    return node;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'process-tls-'));
    mkdirSync(join(dir, 'plugins'));
    writeFileSync(join(dir, 'plugins', 'q.py'), PLUGIN);
    certs = makeCerts(dir, 'upstream');
    upstream = await startServer({ args: ['--tls-cert', certs.cert, '--tls-key', certs.key] });
    upstreamUrl = `https://127.0.0.1:${upstream.port}`;
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request(`${upstreamUrl}/api/v3/write_lp?db=tlsdb`, { method: 'POST', ca: readFileSync(certs.ca) }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('cpu,host=a usage=1.0 1\ncpu,host=a usage=0.5 2\ncpu,host=b usage=9 3\n');
    });
    expect(status).to.equal(204);
  });

  after(async () => {
    for (const n of nodes) await n.stop();
    await upstream?.stop();
    if (dir) removeDir(dir);
  });

  it('queries over Flight on TLS with --upstream-tls-ca, through --upstream-database-map', async () => {
    const node = await processNode('tls-1', ['--upstream-tls-ca', certs.ca, '--upstream-database-map', 'metrics=tlsdb'], 'metrics');
    const r = await fetchAnswer(`${node.url}/api/v3/engine/q`);
    expect(r.json).to.deep.equal({ rows: [['a', 1.0, 'float'], ['a', 0.5, 'float']] });
  });

  it('fails the query, naming the upstream, when the CA is not trusted', async () => {
    const node = await processNode('tls-2', []);
    const r = await fetchAnswer(`${node.url}/api/v3/engine/q`);
    expect(r.json.error).to.include(`the upstream InfluxDB at ${upstreamUrl} cannot be reached`);
    expect(r.json.error).to.match(/certificate/);
  });
});
