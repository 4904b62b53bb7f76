import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, copyFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect as h2connect, type IncomingHttpHeaders } from 'node:http2';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startServer, type ServerHandle } from '../helpers/server-process.js';
import { pollFor } from '../helpers/poll.js';
import { makeCerts } from '../helpers/certs.js';

function https(port: number, path: string, opts: { ca?: string; method?: string; body?: string; maxVersion?: 'TLSv1.2' | 'TLSv1.3' } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', ca: opts.ca ? execFileSync('cat', [opts.ca]) : undefined, maxVersion: opts.maxVersion, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fp);
    });
    socket.on('error', reject);
  });
}

function h2request(url: string, headers: Record<string, string>, options: { ca?: string } = {}): Promise<IncomingHttpHeaders & { body: string }> {
  return new Promise((resolve, reject) => {
    const session = h2connect(url, options.ca ? { ca: execFileSync('cat', [options.ca]) } : {});
    session.on('error', reject);
    const req = session.request(headers);
    let answer: IncomingHttpHeaders = {};
    let body = '';
    req.on('response', (h) => (answer = h));
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      session.close();
      resolve({ ...answer, body });
    });
    req.on('error', reject);
    req.end(headers['content-type']?.startsWith('application/grpc') ? Buffer.alloc(5) : undefined);
  });
}

describe('integration: TLS and one port for HTTP/1.1 and HTTP/2', function () {
  this.timeout(60_000);
  let dir: string;
  let certs: { cert: string; key: string };
  let ca: string;
  let server: ServerHandle;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'influxdb3-tls-'));
    certs = makeCerts(dir, 'one');
    ca = join(dir, 'one-ca.pem');
    const served = { cert: join(dir, 'served.pem'), key: join(dir, 'served.key') };
    copyFileSync(certs.cert, served.cert);
    copyFileSync(certs.key, served.key);
    server = await startServer({ args: ['--tls-cert', served.cert, '--tls-key', served.key] });
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes and queries over HTTPS with the CA', async () => {
    const w = await https(server.port, '/api/v3/write_lp?db=tlsdb', { ca, method: 'POST', body: 'cpu,host=a usage=1 1\n' });
    expect(w.status).to.equal(204);
    const q = await https(server.port, '/api/v3/query_sql?db=tlsdb&q=SELECT%20usage%20FROM%20cpu', { ca });
    expect(q.status).to.equal(200);
    expect(JSON.parse(q.body)).to.deep.equal([{ usage: 1 }]);
  });

  it('answers a plaintext client on the TLS port with a clear error, and the CLI says to use https://', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/ping`);
    expect(res.status).to.equal(400);
    expect(await res.text()).to.contain('use https://');
    const cli = await runCli(['query', '-H', `http://127.0.0.1:${server.port}`, '-d', 'tlsdb', 'SELECT 1']);
    expect(cli.code).to.not.equal(0);
    expect(cli.stderr).to.contain('speaks TLS: use https://');
  });

  it('the CLI talks HTTPS with --tls-ca and with --tls-no-verify, and explains an untrusted certificate', async () => {
    const host = `https://127.0.0.1:${server.port}`;
    const withCa = await runCli(['query', '-H', host, '--tls-ca', ca, '-d', 'tlsdb', '--format', 'json', 'SELECT usage FROM cpu']);
    expect(withCa.stderr).to.equal('');
    expect(JSON.parse(withCa.stdout)).to.deep.equal([{ usage: 1 }]);
    const noVerify = await runCli(['write', '-H', host, '--tls-no-verify', '-d', 'tlsdb', 'cpu,host=b usage=2 2']);
    expect(noVerify.code, noVerify.stderr).to.equal(0);
    const fromEnv = await runCli(['query', '-H', host, '-d', 'tlsdb', 'SELECT 1'], undefined, { INFLUXDB3_TLS_NO_VERIFY: 'true' });
    expect(fromEnv.code, fromEnv.stderr).to.equal(0);
    const untrusted = await runCli(['query', '-H', host, '-d', 'tlsdb', 'SELECT 1'], undefined, { INFLUXDB3_TLS_NO_VERIFY: 'false' });
    expect(untrusted.code).to.not.equal(0);
    expect(untrusted.stderr).to.contain('--tls-ca');
  });

  it('serves gRPC over ALPN h2 on the TLS port: the Flight service answers (an empty ticket is INVALID_ARGUMENT, ListFlights UNIMPLEMENTED)', async () => {
    const answer = await h2request(`https://localhost:${server.port}`, { ':method': 'POST', ':path': '/arrow.flight.protocol.FlightService/DoGet', 'content-type': 'application/grpc' }, { ca });
    expect(answer[':status']).to.equal(200);
    expect(answer['grpc-status']).to.equal('3');
    const list = await h2request(`https://localhost:${server.port}`, { ':method': 'POST', ':path': '/arrow.flight.protocol.FlightService/ListFlights', 'content-type': 'application/grpc' }, { ca });
    expect(list['grpc-status']).to.equal('12');
  });

  it('reloads a new certificate on SIGHUP, and keeps the old one when the new files are bad', async () => {
    const before = await servedFingerprint(server.port);
    const two = makeCerts(dir, 'two');
    copyFileSync(two.cert, join(dir, 'served.pem'));
    copyFileSync(two.key, join(dir, 'served.key'));
    server.child.kill('SIGHUP');
    const after = await pollFor(() => servedFingerprint(server.port), (fp) => fp !== before);
    expect(after).to.not.equal(before);
    copyFileSync(certs.key, join(dir, 'served.key'));
    server.child.kill('SIGHUP');
    const logged = await pollFor(() => server.logs.join('\n'), (text) => text.includes('not reloaded'));
    expect(logged).to.contain('does not match').and.contain('served.key');
    expect(await servedFingerprint(server.port)).to.equal(after);
  });

  it('with --tls-minimum-version tls-1.3 refuses a TLS 1.2 client', async () => {
    const strict = await startServer({ args: ['--tls-cert', certs.cert, '--tls-key', certs.key, '--tls-minimum-version', 'tls-1.3'] });
    try {
      expect((await https(strict.port, '/health', { ca, maxVersion: 'TLSv1.3' })).status).to.equal(200);
      let error: Error | null = null;
      await https(strict.port, '/health', { ca, maxVersion: 'TLSv1.2' }).catch((err: Error) => (error = err));
      expect(String(error)).to.match(/version|alert/i);
    } finally {
      await strict.stop();
    }
  });

  it('a certificate without a key, or a key that does not match, stops the start naming the file', async () => {
    const noKey = await startServer({ args: ['--tls-cert', certs.cert] }).then(() => 'started', (err: Error) => err.message);
    expect(noKey).to.contain(certs.cert).and.contain('--tls-key');
    const other = makeCerts(dir, 'other');
    const mismatch = await startServer({ args: ['--tls-cert', certs.cert, '--tls-key', other.key] }).then(() => 'started', (err: Error) => err.message);
    expect(mismatch).to.contain(other.key).and.contain('does not match');
  });

  it('on a plain port answers HTTP/2 prior knowledge promptly: 415 for non-gRPC, the Flight service for gRPC', async () => {
    const plain = await startServer();
    try {
      const notGrpc = await h2request(plain.url, { ':path': '/ping' });
      expect(notGrpc[':status']).to.equal(415);
      expect(notGrpc.body).to.contain('gRPC');
      const grpc = await h2request(plain.url, { ':method': 'POST', ':path': '/arrow.flight.protocol.FlightService/ListFlights', 'content-type': 'application/grpc' });
      expect(grpc['grpc-status']).to.equal('12');
      expect((await fetch(`${plain.url}/ping`)).status).to.equal(200);
      const httpsCli = await runCli(['query', '-H', `https://127.0.0.1:${plain.port}`, '-d', 'x', 'SELECT 1']);
      expect(httpsCli.stderr).to.contain('does not speak TLS');
    } finally {
      await plain.stop();
    }
  });
});
