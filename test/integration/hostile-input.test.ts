import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createGzip } from 'node:zlib';
import { removeDir, startServer, type ServerHandle } from '../helpers/server-process.js';

// The hardened HTTP surface: oversized bodies, gzip bombs, deep JSON, invalid UTF-8, slow clients and many
// connections. The server answers 4xx or closes the connection, stays responsive, and loses no acknowledged write.
const LIMIT = 1024 * 1024;
const DB = 'hostile';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

// `size` bytes of zeros, gzipped without holding them in memory (about 1000:1).
async function gzipBomb(size: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((r) => gz.on('end', r));
  const chunk = Buffer.alloc(1024 * 1024);
  for (let written = 0; written < size; written += chunk.length) {
    if (!gz.write(chunk)) await new Promise((r) => gz.once('drain', r));
  }
  gz.end();
  await done;
  return Buffer.concat(out);
}

// A raw connection, for requests fetch cannot make (slow, half-sent, unterminated).
function rawSocket(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('error', () => undefined);
    const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - started)));
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
    socket.once('error', reject);
  });
}

describe('integration: hostile input', function () {
  this.timeout(180_000);
  let s: ServerHandle;
  let url: string;

  const post = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
  const count = async (table: string): Promise<number> => {
    const r = await fetch(`${url}/api/v3/query_sql?db=${DB}&q=${encodeURIComponent(`SELECT count(*) AS n FROM ${table}`)}`);
    const rows = (await r.json()) as Array<{ n: number }>;
    return rows[0]?.n ?? 0;
  };

  before(async () => {
    s = await startServer({
      args: ['--max-http-request-size', String(LIMIT), '--http-headers-timeout', '1s', '--http-request-timeout', '3s'],
    });
    url = s.url;
    expect((await post(`/api/v3/write_lp?db=${DB}`, 'seed v=1 1')).status).to.equal(204);
  });
  after(async () => {
    await s?.stop();
    if (s) removeDir(s.dataDir);
  });

  describe('oversized bodies', () => {
    it('a declared Content-Length over the limit is 413 at once', async () => {
      const r = await post(`/api/v3/write_lp?db=${DB}`, Buffer.alloc(LIMIT + 1, 'a'));
      expect(r.status).to.equal(413);
      expect(((await r.json()) as { error: string }).error).to.equal(`request body exceeds the maximum size of ${LIMIT} bytes`);
    });

    it('a chunked body that grows past the limit is 413 (write, JSON and request-trigger endpoints)', async () => {
      for (const path of [`/api/v3/write_lp?db=${DB}`, '/api/v3/query_sql', '/api/v3/configure/database']) {
        const chunks = (async function* () {
          for (let i = 0; i < 40; i++) yield Buffer.alloc(64 * 1024, 'b');
        })();
        const r = await post(path, chunks as unknown as BodyInit, { 'content-type': 'application/json' });
        expect(r.status, path).to.equal(413);
      }
    });
  });

  describe('gzip bombs', () => {
    it('512 MiB of zeros in a small gzip body: 413, with server memory bounded', async () => {
      const bomb = await gzipBomb(512 * 1024 * 1024);
      expect(bomb.length).to.be.lessThan(LIMIT);
      const before = rssBytes(s.child.pid!);
      const replies = await Promise.all(
        [0, 1, 2, 3].map(() => post(`/api/v3/write_lp?db=${DB}`, bomb as unknown as BodyInit, { 'content-encoding': 'gzip' }).then((r) => r.status)),
      );
      expect(replies).to.deep.equal([413, 413, 413, 413]);
      const json = await post('/api/v3/query_sql', bomb as unknown as BodyInit, { 'content-encoding': 'gzip', 'content-type': 'application/json' });
      expect(json.status).to.equal(413);
      const grown = rssBytes(s.child.pid!) - before;
      expect(grown, `RSS grew by ${Math.round(grown / 1e6)} MB`).to.be.lessThan(150 * 1024 * 1024);
    });

    it('a corrupt gzip body is 400', async () => {
      const r = await post(`/api/v3/write_lp?db=${DB}`, Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' });
      expect(r.status).to.equal(400);
    });
  });

  describe('deeply nested JSON', () => {
    const deepArray = (n: number) => `{"db": ${'['.repeat(n)}${']'.repeat(n)}, "q": "SELECT 1"}`;
    const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
    const cases: Array<[string, string]> = [
      ['/api/v3/query_sql', deepArray(200_000)],
      ['/api/v3/query_sql', deepObject(200_000)],
      ['/api/v3/configure/database', `{"db": ${deepObject(100_000)}}`],
      ['/api/v3/configure/processing_engine_trigger', `{"db":"x","trigger_name":"t","plugin_filename":"p.py","trigger_specification":"request:x","trigger_arguments":${deepObject(100_000)}}`],
      ['/api/v3/plugin_test/wal', `{"filename":"p.py","database":"x","input_lp":"m v=1","input_arguments":${deepObject(100_000)}}`],
      ['/api/v3/configure/table', `{"db":"x","table":"t","tags":[],"fields":${deepArray(100_000)}}`],
    ];
    for (const [path, body] of cases) {
      it(`${path}: ${body.slice(0, 24)}… (${body.length} bytes) is a 4xx, and the server lives`, async () => {
        const r = await post(path, body, { 'content-type': 'application/json' });
        expect(r.status, await r.text()).to.be.within(400, 499);
        expect((await fetch(`${url}/health`)).status).to.equal(200);
      });
    }
  });

  describe('invalid UTF-8', () => {
    it('in line protocol: 400 and nothing written', async () => {
      const lp = Buffer.concat([Buffer.from('badutf,host='), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' v=1 1')]);
      for (const path of [`/api/v3/write_lp?db=${DB}`, `/api/v2/write?bucket=${DB}`, `/write?db=${DB}`]) {
        const r = await post(path, lp);
        expect(r.status, path).to.equal(400);
        expect(await r.text()).to.include('body content is not valid utf8');
      }
      const tables = await fetch(`${url}/api/v3/query_sql?db=${DB}&q=${encodeURIComponent("SELECT table_name FROM information_schema.tables WHERE table_name = 'badutf'")}`);
      expect(await tables.json()).to.deep.equal([]);
    });

    it('in a JSON body: 400', async () => {
      const body = Buffer.concat([Buffer.from('{"db": "'), Buffer.from([0xc0, 0xaf]), Buffer.from('", "q": "SELECT 1"}')]);
      const r = await post('/api/v3/query_sql', body, { 'content-type': 'application/json' });
      expect(r.status).to.equal(400);
      expect(await r.text()).to.include('not valid utf8');
    });
  });

  describe('slow clients', () => {
    it('headers that never finish: 408 and closed after --http-headers-timeout', async () => {
      const c = await rawSocket(s.port);
      c.socket.write(`POST /api/v3/write_lp?db=${DB} HTTP/1.1\r\nHost: x\r\n`);
      const ms = await c.closed;
      expect(ms).to.be.within(800, 6_000);
      expect(c.received()).to.match(/^HTTP\/1\.1 408/);
    });

    it('headers trickled a byte at a time are cut off too', async () => {
      const c = await rawSocket(s.port);
      const request = `GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(100)}\r\n\r\n`;
      let i = 0;
      const timer = setInterval(() => {
        if (!c.socket.destroyed && i < request.length) c.socket.write(request[i++]!);
      }, 100);
      const ms = await c.closed;
      clearInterval(timer);
      expect(ms).to.be.lessThan(6_000);
      expect(i).to.be.lessThan(request.length);
    });

    it('a body that never finishes: closed after --http-request-timeout, and nothing written', async () => {
      const c = await rawSocket(s.port);
      c.socket.write(`POST /api/v3/write_lp?db=${DB} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nslowbody v=1 1\n`);
      const timer = setInterval(() => {
        if (!c.socket.destroyed) c.socket.write('#');
      }, 500);
      const ms = await c.closed;
      clearInterval(timer);
      expect(ms).to.be.within(2_000, 10_000);
      expect(await count('slowbody').catch(() => 0)).to.equal(0);
    });

    it('a connection that sends nothing is closed', async () => {
      const c = await rawSocket(s.port);
      expect(await c.closed).to.be.lessThan(6_000);
    });
  });

  describe('many concurrent connections', () => {
    it('500 hostile sockets: normal clients keep being served and every acknowledged write is kept', async () => {
      const sockets: Array<Awaited<ReturnType<typeof rawSocket>>> = [];
      for (let i = 0; i < 500; i++) {
        const c = await rawSocket(s.port);
        if (i % 3 === 1) c.socket.write(`POST /api/v3/write_lp?db=${DB} HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nattack v=1 `);
        else if (i % 3 === 2) c.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
        sockets.push(c);
      }
      let acknowledged = 0;
      const latencies: number[] = [];
      const deadline = Date.now() + 2_500;
      for (let n = 0; Date.now() < deadline; n++) {
        const t0 = Date.now();
        const w = await post(`/api/v3/write_lp?db=${DB}`, `acked,n=${n} v=${n} ${1_000_000 + n}`);
        if (w.status === 204) acknowledged++;
        expect((await fetch(`${url}/health`)).status).to.equal(200);
        latencies.push(Date.now() - t0);
      }
      expect(acknowledged).to.be.greaterThan(10);
      expect(Math.max(...latencies), 'a normal request pair took too long').to.be.lessThan(2_000);
      const closes = await Promise.all(sockets.map((c) => Promise.race([c.closed, sleep(12_000).then(() => -1)])));
      expect(closes.filter((ms) => ms < 0), 'sockets the server never closed').to.have.length(0);
      for (const c of sockets) {
        const head = c.received();
        if (head !== '') expect(head, head.slice(0, 60)).to.match(/^HTTP\/1\.1 4\d\d/);
      }
      expect(await count('acked')).to.equal(acknowledged);
      expect(await count('attack').catch(() => 0)).to.equal(0);
    });

    it('the acknowledged writes survive a restart', async () => {
      const before = await count('acked');
      await s.stop();
      s = await startServer({ dataDir: s.dataDir, args: ['--max-http-request-size', String(LIMIT)] });
      url = s.url;
      expect(await count('acked')).to.equal(before);
    });
  });
});
