import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UpstreamConfig } from '../../src/config/schema.js';
import { UpstreamHttp } from '../../src/upstream/upstream-http.js';
import type { UpstreamProfile } from '../../src/upstream/upstream-probe.js';
import { UpstreamWriter } from '../../src/upstream/upstream-writer.js';

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  body: string;
}

// A loopback upstream that records each request and answers with `answer`.
async function upstream(answer: (req: Seen, res: http.ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const s = { method: req.method!, url: req.url!, auth: req.headers.authorization, body };
      seen.push(s);
      answer(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const cfg: UpstreamConfig = { url, token: 'tok', databaseMap: {}, tlsCaFile: null, org: 'acme', writeApi: 'auto', queryApi: 'auto', maxBacklogBytes: 1 << 20, localRetentionMs: 3600_000 };
  const client = new UpstreamHttp(cfg);
  return {
    seen,
    writer: new UpstreamWriter(client, cfg.org),
    close: async () => {
      client.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const profile = (writeApi: UpstreamProfile['writeApi']): UpstreamProfile => ({ kind: 'configured', version: '', writeApi, queryApi: 'local', answersSql: false });

describe('upstream/upstream-writer: forwarded lines on the three write APIs', () => {
  it('v3, v2 and v1 paths, precision and auth schemes', async () => {
    const up = await upstream((_req, res) => res.writeHead(204).end());
    try {
      expect(await up.writer.send(profile('v3'), 'a b', 'm v=1 1')).to.deep.equal({ kind: 'stored' });
      expect(await up.writer.send(profile('v2'), 'a', 'm v=1 1')).to.deep.equal({ kind: 'stored' });
      expect(await up.writer.send(profile('v1'), 'a', 'm v=1 1')).to.deep.equal({ kind: 'stored' });
      expect(up.seen.map((s) => [s.url, s.auth, s.body])).to.deep.equal([
        ['/api/v3/write_lp?db=a%20b&precision=nanosecond', 'Bearer tok', 'm v=1 1'],
        ['/api/v2/write?bucket=a&precision=ns&org=acme', 'Token tok', 'm v=1 1'],
        ['/write?db=a&precision=n', 'Token tok', 'm v=1 1'],
      ]);
    } finally {
      await up.close();
    }
  });

  it('5xx, 429 and 401 are retried; other 4xx refuse for good with the upstream message', async () => {
    let status = 503;
    const up = await upstream((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `no (${status})` })));
    try {
      for (const s of [500, 503, 429, 401, 403]) {
        status = s;
        expect(await up.writer.send(profile('v3'), 'a', 'm v=1 1')).to.deep.equal({ kind: 'retry', message: `HTTP ${s}: no (${s})` });
      }
      status = 400;
      expect(await up.writer.send(profile('v3'), 'a', 'm v=1 1')).to.deep.equal({ kind: 'refused', status: 400, message: 'HTTP 400: no (400)' });
    } finally {
      await up.close();
    }
  });

  it('an unreachable upstream is retried, naming its URL', async () => {
    const up = await upstream((_req, res) => res.end());
    await up.close();
    const outcome = await up.writer.send(profile('v3'), 'a', 'm v=1 1');
    expect(outcome.kind).to.equal('retry');
    expect((outcome as { message: string }).message).to.match(/the upstream InfluxDB at http:\/\/127\.0\.0\.1:\d+ cannot be reached/);
  });

  it('v1: "database not found" creates the database once, then the write is sent again', async () => {
    const dbs = new Set<string>();
    const up = await upstream((req, res) => {
      if (req.url.startsWith('/query')) {
        dbs.add(/CREATE DATABASE "(.*)"/.exec(decodeURIComponent(req.url))![1]!);
        res.writeHead(200).end('{"results":[{}]}');
      } else if (!dbs.has('x "y"'.replace(/"/g, '\\"'))) res.writeHead(404).end('{"error":"database not found: \\"x\\""}');
      else res.writeHead(204).end();
    });
    try {
      expect(await up.writer.send(profile('v1'), 'x "y"', 'm v=1 1')).to.deep.equal({ kind: 'stored' });
      expect(up.seen.map((s) => `${s.method} ${decodeURIComponent(s.url)}`)).to.deep.equal([
        'POST /write?db=x "y"&precision=n',
        'POST /query?q=CREATE DATABASE "x \\"y\\""',
        'POST /write?db=x "y"&precision=n',
      ]);
    } finally {
      await up.close();
    }
  });
});
