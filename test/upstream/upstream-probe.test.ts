import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UpstreamConfig } from '../../src/config/schema.js';
import { UpstreamHttp, UpstreamUnreachableError } from '../../src/upstream/upstream-http.js';
import { UpstreamProbeError, probeUpstream } from '../../src/upstream/upstream-probe.js';

// A loopback server answering /ping as one kind of InfluxDB does.
async function pingServer(answer: (res: http.ServerResponse, auth: string | undefined) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => answer(res, req.headers.authorization));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

function config(url: string, over: Partial<UpstreamConfig> = {}): UpstreamConfig {
  return { url, token: 'tok', databaseMap: {}, tlsCaFile: null, org: null, writeApi: 'auto', queryApi: 'auto', maxBacklogBytes: 1 << 20, localRetentionMs: 3600_000, ...over };
}

async function probe(answer: (res: http.ServerResponse, auth: string | undefined) => void, over: Partial<UpstreamConfig> = {}) {
  const s = await pingServer(answer);
  const client = new UpstreamHttp(config(s.url, over));
  try {
    return await probeUpstream(client, config(s.url, over));
  } finally {
    client.close();
    await s.close();
  }
}

describe('upstream: the /ping probe of a process node', () => {
  it('knows InfluxDB 3 by its JSON answer and sends the token as Bearer', async () => {
    let seen: string | undefined;
    const p = await probe((res, auth) => {
      seen = auth;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ version: '3.10.0', revision: 'abc', process_id: 'x' }));
    });
    expect(p).to.deep.equal({ kind: 'influxdb3', version: '3.10.0', writeApi: 'v3', queryApi: 'flight', answersSql: true });
    expect(seen).to.equal('Bearer tok');
  });

  it('knows 1.x and 2.x by X-Influxdb-Version, and InfluxDB Cloud by X-Influxdb-Build', async () => {
    const headers = (h: Record<string, string>) => (res: http.ServerResponse) => {
      for (const [k, v] of Object.entries(h)) res.setHeader(k, v);
      res.statusCode = 204;
      res.end();
    };
    expect(await probe(headers({ 'X-Influxdb-Version': '1.6.7~rc0', 'X-Influxdb-Build': 'OSS' }))).to.deep.equal({ kind: 'influxdb1', version: '1.6.7~rc0', writeApi: 'v1', queryApi: 'v1', answersSql: false });
    expect(await probe(headers({ 'X-Influxdb-Version': 'v2.7.11', 'X-Influxdb-Build': 'OSS' }))).to.include({ kind: 'influxdb2', writeApi: 'v2', queryApi: 'v1' });
    expect(await probe(headers({ 'X-Influxdb-Version': 'v3', 'X-Influxdb-Build': 'Cloud' }))).to.include({ kind: 'cloud', writeApi: 'v2', queryApi: 'flight' });
  });

  it('lets the operator\'s choice win, and skips the probe when both APIs are chosen', async () => {
    const json = (res: http.ServerResponse) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"version":"3.1.0"}');
    };
    expect(await probe(json, { queryApi: 'http' })).to.include({ writeApi: 'v3', queryApi: 'http', answersSql: true });
    let asked = false;
    const p = await probe((res) => ((asked = true), res.end()), { writeApi: 'v2', queryApi: 'local' });
    expect(asked).to.equal(false);
    expect(p).to.deep.equal({ kind: 'configured', version: '', writeApi: 'v2', queryApi: 'local', answersSql: false });
  });

  it('names a refused token and an answer that is no InfluxDB', async () => {
    let err: unknown = null;
    await probe((res) => ((res.statusCode = 401), res.end('{"error":"invalid token"}'))).catch((e) => (err = e));
    expect(err).to.be.instanceOf(UpstreamProbeError);
    expect((err as Error).message).to.match(/refused the token on \/ping \(HTTP 401: invalid token\)/);
    err = null;
    await probe((res) => res.end('hello')).catch((e) => (err = e));
    expect((err as Error).message).to.match(/names no InfluxDB this node knows: set --upstream-write-api and --upstream-query-api/);
  });

  it('reports an unreachable upstream as such (the link retries it)', async () => {
    const s = await pingServer((res) => res.end());
    await s.close();
    const client = new UpstreamHttp(config(s.url));
    const err = await probeUpstream(client, config(s.url)).catch((e: unknown) => e);
    client.close();
    expect(err).to.be.instanceOf(UpstreamUnreachableError);
    expect((err as Error).message).to.include(`the upstream InfluxDB at ${s.url} cannot be reached`);
  });
});
