import { expect } from 'chai';
import { createServer as createHttpsServer } from 'node:https';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCaptured, startRecorder, type RecordingServer } from './cli-harness.js';
import { makeCerts } from '../helpers/certs.js';

// A loopback port nothing listens on: bound, then closed.
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('cli/client: errors say what to do', () => {
  let server: RecordingServer;
  beforeEach(async () => {
    server = await startRecorder();
  });
  afterEach(() => server.close());

  it('connection refused: is `influxdb3 serve` running, and how to set the address', async () => {
    const host = `http://127.0.0.1:${await closedPort()}`;
    const r = await runCliCaptured(['query', '-H', host, '-d', 'db', 'SELECT 1']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal(`Error: cannot reach the server at ${host}: connection refused; is \`influxdb3 serve\` running there? set the address with --host or INFLUXDB3_HOST_URL\n`);
  });

  it('an unknown host name is named', async () => {
    const r = await runCliCaptured(['show', 'databases', '-H', 'http://no-such-host.invalid:8181']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^Error: cannot reach the server at http:\/\/no-such-host\.invalid:8181: host name 'no-such-host\.invalid' not found \((ENOTFOUND|EAI_AGAIN)\); check the name, or set the address with --host or INFLUXDB3_HOST_URL\n$/);
  });

  it('a bad --host names the value and the form, before any request', async () => {
    for (const bad of ['127.0.0.1:8181', 'localhost', 'ftp://127.0.0.1:8181']) {
      const r = await runCliCaptured(['show', 'databases', '-H', bad]);
      expect(r.code, bad).to.equal(1);
      expect(r.stderr, bad).to.equal(`Error: invalid --host '${bad}': expected http://HOST[:PORT] or https://HOST[:PORT], e.g. http://127.0.0.1:8181 (set with --host or INFLUXDB3_HOST_URL)\n`);
    }
  });

  it('TLS mismatch: https:// to a plain server and http:// to a TLS server each say which scheme to use', async () => {
    const plain = server.url.replace('http://', 'https://');
    let r = await runCliCaptured(['show', 'databases', '-H', plain]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include(`cannot reach the server at ${plain}: it does not speak TLS`);
    expect(r.stderr).to.include('use http://');

    const dir = mkdtempSync(join(tmpdir(), 'cli-tls-'));
    const certs = makeCerts(dir, 'srv');
    const tls = createHttpsServer({ cert: readFileSync(certs.cert), key: readFileSync(certs.key) }, (_req, res) => res.end('[]'));
    await new Promise<void>((res) => tls.listen(0, '127.0.0.1', res));
    try {
      const host = `http://127.0.0.1:${(tls.address() as AddressInfo).port}`;
      r = await runCliCaptured(['show', 'databases', '-H', host]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include(`cannot reach the server at ${host}: the connection was closed`);
      expect(r.stderr).to.include('if the server uses TLS, use https://');
    } finally {
      tls.closeAllConnections();
      await new Promise<void>((res) => tls.close(() => res()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('401 without a token names --token and INFLUXDB3_AUTH_TOKEN; with one, says it was rejected', async () => {
    server.reply = () => ({ status: 401, body: { error: 'the request was not authenticated' } });
    const saved = process.env.INFLUXDB3_AUTH_TOKEN;
    delete process.env.INFLUXDB3_AUTH_TOKEN;
    try {
      let r = await runCliCaptured(['show', 'databases', '-H', server.url]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal('Error: the request was not authenticated: this server needs a token: pass --token <token> or set INFLUXDB3_AUTH_TOKEN\n');
      r = await runCliCaptured(['show', 'databases', '-H', server.url, '--token', 'wrong']);
      expect(r.stderr).to.equal('Error: the request was not authenticated: the server rejected the token (check --token / INFLUXDB3_AUTH_TOKEN)\n');
    } finally {
      if (saved !== undefined) process.env.INFLUXDB3_AUTH_TOKEN = saved;
    }
  });

  it('a 404 that is not an influxdb3 answer asks whether --host is an influxdb3 server', async () => {
    server.reply = () => ({ status: 404, body: 'Not Found' });
    const r = await runCliCaptured(['show', 'databases', '-H', server.url]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal(`Error: Not Found: the server at ${server.url} has no /api/v3/configure/database; is --host (or INFLUXDB3_HOST_URL) an influxdb3 server?\n`);
    // The server's own 404s (a missing database) pass through unchanged.
    server.reply = () => ({ status: 404, body: { error: 'database not found: nope' } });
    const own = await runCliCaptured(['query', '-H', server.url, '-d', 'nope', 'SELECT 1']);
    expect(own.stderr).to.equal('Error: database not found: nope\n');
  });
});
