import { connect, type Socket } from 'node:net';

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  // Per-request latency (request written → whole response read), ms, sorted ascending.
  latencies: number[];
  // The body of the first response (to check what was served).
  firstBody: string;
}

export interface LoadOptions {
  port: number;
  path: string;
  connections: number;
  requests: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const LAST_CHUNK = Buffer.from('\r\n0\r\n\r\n');

// Length of the complete response at the start of `buf` (headers + body), or 0 while it is incomplete.
function responseLength(buf: Buffer): { total: number; status: number; bodyStart: number } | null {
  const end = buf.indexOf(HEADER_END);
  if (end < 0) return null;
  const head = buf.toString('latin1', 0, end);
  const status = Number(head.slice(9, 12));
  const bodyStart = end + 4;
  const len = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
  if (len) {
    const total = bodyStart + Number(len[1]);
    return buf.length >= total ? { total, status, bodyStart } : null;
  }
  if (/\r\ntransfer-encoding:[ \t]*chunked/i.test(head)) {
    const last = buf.indexOf(LAST_CHUNK, bodyStart - 2);
    return last < 0 ? null : { total: last + LAST_CHUNK.length, status, bodyStart };
  }
  return { total: bodyStart, status, bodyStart };
}

// A closed-loop HTTP/1.1 load generator over raw keep-alive loopback sockets: each of `connections` sockets sends
// a GET, reads the whole answer, and sends the next, until `requests` answers were read. Any status but 200 fails.
export async function httpLoad(opts: LoadOptions): Promise<LoadResult> {
  const request = Buffer.from(`GET ${opts.path} HTTP/1.1\r\nHost: 127.0.0.1:${opts.port}\r\nConnection: keep-alive\r\n\r\n`, 'latin1');
  const latencies = new Array<number>(opts.requests);
  let sent = 0;
  let done = 0;
  let firstBody: string | null = null;
  const sockets: Socket[] = [];
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      for (const s of sockets) s.destroy();
      reject(err);
    };
    for (let c = 0; c < Math.min(opts.connections, opts.requests); c++) {
      const socket = connect({ host: '127.0.0.1', port: opts.port, noDelay: true });
      sockets.push(socket);
      let pending: Buffer = Buffer.alloc(0);
      let t0 = 0;
      const next = (): void => {
        if (sent >= opts.requests) {
          socket.end();
          return;
        }
        sent++;
        t0 = performance.now();
        socket.write(request);
      };
      socket.once('connect', next);
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        const r = responseLength(pending);
        if (!r) return;
        latencies[done++] = performance.now() - t0;
        if (r.status !== 200) return fail(new Error(`GET ${opts.path} answered ${r.status}: ${pending.toString('utf8', r.bodyStart, r.total)}`));
        firstBody ??= pending.toString('utf8', r.bodyStart, r.total);
        pending = pending.subarray(r.total);
        if (done === opts.requests) resolve();
        else next();
      });
      socket.on('error', fail);
      socket.on('close', () => {
        if (sent < opts.requests && !failed) fail(new Error(`connection closed by the server after ${done} answers`));
      });
    }
  });
  const seconds = (performance.now() - started) / 1000;
  for (const s of sockets) s.destroy();
  return { requests: opts.requests, seconds, rps: opts.requests / seconds, latencies: latencies.sort((a, b) => a - b), firstBody: firstBody ?? '' };
}
