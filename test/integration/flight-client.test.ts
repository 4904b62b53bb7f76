import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startServer, type ServerHandle } from '../helpers/server-process.js';
import { makeCerts } from '../helpers/certs.js';

// The official @influxdata/influxdb3-client against the real server on its one port: writes over HTTP, queries over
// gRPC Arrow Flight (h2c without TLS, ALPN h2 with TLS). The client runs in its own Node process, because grpc-js
// reads the CA bundle it trusts (GRPC_DEFAULT_SSL_ROOTS_FILE_PATH) once, when it is loaded.
const CLIENT = join(ROOT, 'test', 'fixtures', 'flight', 'client.mjs');

interface Step {
  database: string;
  token?: string;
  write?: string;
  sql?: string;
  type?: 'sql' | 'influxql';
  params?: Record<string, string | number>;
  points?: string;
  measurement?: string;
}
type Outcome = { ok: true; rows: Array<Record<string, unknown> | string> } | { ok: false; error: string; code: unknown };

function runClient(input: { host: string; token: string; ca?: string; steps: Step[] }): Promise<Outcome[]> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (input.ca) env.GRPC_DEFAULT_SSL_ROOTS_FILE_PATH = input.ca;
    const child = spawn(process.execPath, [CLIENT, JSON.stringify(input)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(stdout) as Outcome[]);
      } catch {
        reject(new Error(`client exited ${code}: ${stderr || stdout}`));
      }
    });
  });
}

async function call(url: string, path: string, init: { method?: string; token?: string; body?: unknown; ca?: string } = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}) },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

const LINES = ['cpu,host=a usage=1.5,count=3i 1700000000000000000', 'cpu,host=b usage=2.5,count=4i 1700000001000000000'].join('\n');

describe('integration: the InfluxDB 3 client library over Arrow Flight on the API port', function () {
  this.timeout(120_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'influxdb3-flight-client-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const tls of [false, true]) {
    describe(tls ? 'with TLS (ALPN h2, the client given the CA)' : 'without TLS (h2c on the HTTP port)', () => {
      let server: ServerHandle;
      let host: string;
      let admin: string;
      let ca: string | undefined;

      before(async () => {
        let args: string[] = [];
        if (tls) {
          const certs = makeCerts(dir, 'server');
          ca = certs.ca;
          args = ['--tls-cert', certs.cert, '--tls-key', certs.key];
        }
        server = await startServer({ withoutAuth: false, args });
        host = `${tls ? 'https' : 'http'}://127.0.0.1:${server.port}`;
        if (!tls) {
          const created = await call(host, '/api/v3/configure/token/admin', { method: 'POST' });
          expect(created.status).to.equal(201);
          admin = created.json.token as string;
        }
      });
      after(async () => {
        await server?.stop();
      });

      it('writes, then queries SQL, InfluxQL, with params, and as points; refuses a wrong token and an unknown database', async function () {
        if (tls) {
          // fetch in this process does not trust the test CA, so the admin token comes through the client process's
          // own HTTPS (Node's https with the CA): create it with openssl-free plain Node.
          const token = execFileSync(process.execPath, ['-e', `
            const https = require('node:https'); const fs = require('node:fs');
            const req = https.request({ host: '127.0.0.1', port: ${server.port}, path: '/api/v3/configure/token/admin', method: 'POST', ca: fs.readFileSync(${JSON.stringify(ca)}) }, (res) => {
              let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => process.stdout.write(JSON.parse(b).token));
            });
            req.end();`], { encoding: 'utf8' });
          admin = token;
        }
        const results = await runClient({
          host,
          token: admin,
          ca,
          steps: [
            { database: 'fdb', write: LINES, sql: 'SELECT host, usage, count FROM cpu ORDER BY time' },
            { database: 'fdb', sql: 'SELECT mean(usage) FROM cpu', type: 'influxql' },
            { database: 'fdb', sql: 'SELECT usage FROM cpu WHERE host = $host', params: { host: 'b' } },
            { database: 'fdb', points: 'SELECT * FROM cpu ORDER BY time', measurement: 'cpu' },
            { database: 'fdb', token: 'apiv3_not-a-token', sql: 'SELECT 1' },
            { database: 'nodb', sql: 'SELECT * FROM cpu' },
            { database: 'fdb', sql: 'SELEC nonsense' },
          ],
        });
        const [sql, influxql, params, points, wrongToken, unknownDb, badSql] = results as [Outcome, Outcome, Outcome, Outcome, Outcome, Outcome, Outcome];
        expect(sql, JSON.stringify(sql)).to.deep.include({ ok: true });
        expect((sql as { rows: unknown[] }).rows).to.deep.equal([
          { host: 'a', usage: 1.5, count: 3 },
          { host: 'b', usage: 2.5, count: 4 },
        ]);
        expect(influxql.ok, JSON.stringify(influxql)).to.equal(true);
        const mean = (influxql as { rows: Array<Record<string, unknown>> }).rows[0]!;
        expect(mean['iox::measurement']).to.equal('cpu');
        expect(mean.mean).to.equal(2);
        expect((params as { rows: unknown[] }).rows, JSON.stringify(params)).to.deep.equal([{ usage: 2.5 }]);
        // Tags and typed fields come from the columns' iox::column::type metadata; apache-arrow (in the client) reads
        // Timestamp(Nanosecond) values as epoch milliseconds, as it does against upstream.
        expect((points as { rows: string[] }).rows, JSON.stringify(points)).to.deep.equal([
          'cpu,host=a count=3i,usage=1.5 1700000000000',
          'cpu,host=b count=4i,usage=2.5 1700000001000',
        ]);
        // The client's RpcError carries the gRPC status name as its code and grpc-message as its message.
        expect(wrongToken, JSON.stringify(wrongToken)).to.deep.include({ ok: false, code: 'UNAUTHENTICATED' });
        expect(unknownDb, JSON.stringify(unknownDb)).to.deep.include({ ok: false, code: 'NOT_FOUND' });
        expect((unknownDb as { error: string }).error).to.include('nodb');
        expect(badSql, JSON.stringify(badSql)).to.deep.include({ ok: false, code: 'INVALID_ARGUMENT' });
        if (tls) return;
        // Flight queries are in the query log, as HTTP queries are, with the issuing token's name.
        const logged = await call(host, '/api/v3/query_sql', {
          method: 'POST',
          token: admin,
          body: { db: 'fdb', q: "SELECT query_type, query_text, phase, success, rows, token_name, error FROM system.queries WHERE query_text NOT LIKE '%system.queries%' ORDER BY issue_time" },
        });
        expect(logged.status, JSON.stringify(logged.json)).to.equal(200);
        const entries = logged.json as Array<Record<string, unknown>>;
        expect(entries.map((e) => [e.query_type, e.query_text, e.phase, e.rows])).to.deep.equal([
          ['sql', 'SELECT host, usage, count FROM cpu ORDER BY time', 'success', 2],
          ['influxql', 'SELECT mean(usage) FROM cpu', 'success', 1],
          ['sql', 'SELECT usage FROM cpu WHERE host = $host', 'success', 1],
          ['sql', 'SELECT * FROM cpu ORDER BY time', 'success', 2],
          ['sql', 'SELEC nonsense', 'fail', undefined], // JSON rows omit nulls, as upstream's do
        ]);
        expect(entries.every((e) => e.token_name === '_admin')).to.equal(true);
        expect(entries[4]!.error).to.match(/syntax|SELEC/i);
      });
    });
  }
});
