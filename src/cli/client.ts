import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { request as httpsRequest, type RequestOptions } from 'node:https';

export interface ClientOptions {
  host: string;
  token?: string;
  // PEM file of the CA that signed the server's certificate (https:// hosts).
  tlsCa?: string;
  // Accept any server certificate (testing only).
  tlsNoVerify?: boolean;
}

// The server answered with an error status; the message is the server's own text.
export class ServerError extends Error {
  constructor(readonly status: number, message: string, readonly body: string) {
    super(message);
  }
}

function describeError(status: number, text: string): string {
  try {
    const json = JSON.parse(text) as { error?: string; message?: string; data?: unknown };
    const main = json.error ?? json.message ?? text;
    // `data` lists the refused lines, or (accept_partial=false, as upstream) is the first refused line's object.
    const items: unknown[] = Array.isArray(json.data) ? json.data : json.data === undefined ? [] : [json.data];
    const data = items.filter((d): d is { line_number: number; error_message?: string; original_line?: string } => typeof (d as { line_number?: unknown } | null)?.line_number === 'number');
    if (data.length > 0) {
      const lines = data.map(
        (d) => `  line ${d.line_number}: ${d.error_message}${d.original_line ? ` (${d.original_line})` : ''}`,
      );
      return `${main}\n${lines.join('\n')}`;
    }
    return main;
  } catch {
    return text || `HTTP ${status}`;
  }
}

// `--host` must be an http(s) URL; anything else is named with the form expected.
export function parseHost(host: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(host);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw new Error(`invalid --host '${host}': expected http://HOST[:PORT] or https://HOST[:PORT], e.g. http://127.0.0.1:8181 (set with --host or INFLUXDB3_HOST_URL)`);
  }
  return url;
}

const TOKEN_HINT = 'pass --token <token> or set INFLUXDB3_AUTH_TOKEN';

// A thin HTTP client over fetch for the CLI commands.
export class Client {
  constructor(private readonly opts: ClientOptions) {
    parseHost(opts.host);
  }

  async request(method: string, path: string, init: { query?: Record<string, string | undefined>; json?: unknown; body?: Buffer | string; gzip?: boolean; headers?: Record<string, string> } = {}): Promise<Response> {
    const url = new URL(path, this.opts.host.endsWith('/') ? this.opts.host : `${this.opts.host}/`);
    for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string> = { ...init.headers };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    let body: Buffer | string | undefined = init.body;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    if (init.gzip && body !== undefined) {
      body = gzipSync(body);
      headers['content-encoding'] = 'gzip';
    }
    let res: Response;
    try {
      res = url.protocol === 'https:'
        ? await this.httpsFetch(url, method, headers, body)
        : await fetch(url, { method, headers, body: body as BodyInit | undefined });
    } catch (err) {
      throw new Error(this.unreachable(url, err));
    }
    if (!res.ok) {
      const text = await res.text();
      if (res.status === 400 && text.startsWith('this server speaks TLS on this port')) {
        throw new ServerError(res.status, `the server at ${this.opts.host} speaks TLS: use https://`, text);
      }
      throw new ServerError(res.status, this.explain(res, text, url), text);
    }
    return res;
  }

  // The server's own words, with what to do when the cause is on the client's side.
  private explain(res: Response, text: string, url: URL): string {
    const message = describeError(res.status, text);
    if (res.status === 401) {
      return this.opts.token ? `${message}: the server rejected the token (check --token / INFLUXDB3_AUTH_TOKEN)` : `${message}: this server needs a token: ${TOKEN_HINT}`;
    }
    if (res.status === 404 && !(res.headers.get('content-type') ?? '').includes('json')) {
      return `${message}: the server at ${this.opts.host} has no ${url.pathname}; is --host (or INFLUXDB3_HOST_URL) an influxdb3 server?`;
    }
    return message;
  }

  private unreachable(url: URL, err: unknown): string {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause ?? (err as { code?: string; message?: string });
    const detail = cause?.code ?? cause?.message ?? (err as Error).message;
    if (url.protocol === 'https:' && ['ECONNRESET', 'EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER'].includes(String(cause?.code))) {
      return `cannot reach the server at ${this.opts.host}: it does not speak TLS (${detail}); for a plain HTTP server use http://`;
    }
    if (url.protocol === 'https:' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT/.test(String(cause?.code))) {
      return `cannot reach the server at ${this.opts.host}: its certificate is not trusted (${detail}); pass --tls-ca <file> with the CA that signed it, or --tls-no-verify`;
    }
    const code = String(cause?.code);
    const where = 'set the address with --host or INFLUXDB3_HOST_URL';
    if (code === 'ECONNREFUSED') return `cannot reach the server at ${this.opts.host}: connection refused; is \`influxdb3 serve\` running there? ${where}`;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot reach the server at ${this.opts.host}: host name '${url.hostname}' not found (${code}); check the name, or ${where}`;
    if (url.protocol === 'http:' && ['ECONNRESET', 'UND_ERR_SOCKET', 'HPE_INVALID_CONSTANT'].includes(code)) {
      return `cannot reach the server at ${this.opts.host}: the connection was closed (${detail}); if the server uses TLS, use https://`;
    }
    return `cannot reach the server at ${this.opts.host}: ${detail}; ${where}`;
  }

  // Node's fetch takes no CA or verification setting without undici's Agent, so https goes through node:https.
  private httpsFetch(url: URL, method: string, headers: Record<string, string>, body: Buffer | string | undefined): Promise<Response> {
    const options: RequestOptions = { method, headers, rejectUnauthorized: !this.opts.tlsNoVerify };
    if (this.opts.tlsCa) {
      try {
        options.ca = readFileSync(this.opts.tlsCa);
      } catch (err) {
        return Promise.reject(Object.assign(new Error(`cannot read the CA file '${this.opts.tlsCa}' (--tls-ca): ${(err as Error).message}`), { code: 'TLS_CA' }));
      }
    }
    return new Promise((resolve, reject) => {
      // The body streams (a progress stream's lines arrive as the server sends them).
      const req = httpsRequest(url, options, (res) => {
        const responseHeaders = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) responseHeaders.set(k, Array.isArray(v) ? v.join(', ') : v);
        const status = res.statusCode ?? 500;
        const noBody = status === 204 || status === 304;
        if (noBody) res.resume();
        resolve(new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, headers: responseHeaders }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}
