import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from '../../src/cli/cli.js';

// One request as the fake server saw it.
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: string;
}

// What the fake server answers; a string body is sent as is, anything else as JSON.
export interface FakeReply {
  status?: number;
  body?: unknown;
  contentType?: string;
}

// A loopback HTTP server that records every request, for testing the CLI layer without the real server.
export interface RecordingServer {
  url: string;
  requests: RecordedRequest[];
  reply: (req: RecordedRequest) => FakeReply;
  close(): Promise<void>;
}

// Starts the recorder on 127.0.0.1 port 0; by default every request gets 200 with an empty body.
export async function startRecorder(reply: (req: RecordedRequest) => FakeReply = () => ({})): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const handle: Partial<RecordingServer> = { requests, reply };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const out = handle.reply!(recorded);
      const text = out.body === undefined ? '' : typeof out.body === 'string' ? out.body : JSON.stringify(out.body);
      res.writeHead(out.status ?? 200, { 'content-type': out.contentType ?? (typeof out.body === 'string' ? 'text/plain' : 'application/json') });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  handle.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  handle.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return handle as RecordingServer;
}

// Runs the CLI in this process (argv without `node influxdb3`), capturing what it prints and its exit code.
export async function runCliCaptured(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const previousCode = process.exitCode;
  process.exitCode = undefined;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  let code: number;
  try {
    await runCli(['node', 'influxdb3', ...args]);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    code = Number(process.exitCode ?? 0);
    process.exitCode = previousCode;
  }
  return { code, stdout, stderr };
}
