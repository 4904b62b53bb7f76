import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

// One HTTP exchange as tests look at it: status, headers, the body as text, and the body parsed as JSON
// (undefined when it is not JSON).
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function fetchAnswer(url: string, init: RequestInit = {}): Promise<HttpAnswer> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

// `body` sent as JSON (POST unless `method` says otherwise).
export function sendJson(url: string, body: unknown, method = 'POST'): Promise<HttpAnswer> {
  return fetchAnswer(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

// A request listener (a koa app's callback) served on a free loopback port, for route tests.
export interface Served {
  url: string;
  close(): Promise<void>;
}

export async function serveOnLoopback(listener: RequestListener): Promise<Served> {
  const server = createServer(listener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
