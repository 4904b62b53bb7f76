import { readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { AppError } from '../shared/app-error.js';
import type { UpstreamConfig } from '../config/schema.js';

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface UpstreamRequest {
  body?: Buffer | string;
  headers?: Record<string, string>;
  // InfluxDB 3 takes `Bearer`, 2.x and 1.x (v1 compatibility) take `Token`.
  auth?: 'bearer' | 'token' | 'none';
  timeoutMs?: number;
}

// The upstream could not be reached or did not answer in time (as opposed to an answer with an error status).
export class UpstreamUnreachableError extends AppError {
  constructor(url: string, cause: unknown) {
    super('upstream_unreachable', `the upstream InfluxDB at ${url} cannot be reached: ${(cause as Error)?.message ?? String(cause)}`, { status: 503, expose: true, cause });
  }
}

const DEFAULT_TIMEOUT_MS = 30_000;

// The one HTTP client of a process node's upstream: its base URL, token and CA, keep-alive connections, and
// timeouts. Callers build paths and bodies; errors name the upstream URL.
export class UpstreamHttp {
  readonly url: URL;
  private readonly agent: http.Agent;
  readonly ca: Buffer | null;

  constructor(private readonly cfg: UpstreamConfig) {
    this.url = new URL(cfg.url);
    this.ca = cfg.tlsCaFile ? readCa(cfg.tlsCaFile) : null;
    this.agent = this.url.protocol === 'https:'
      ? new https.Agent({ keepAlive: true, maxSockets: 16, ...(this.ca ? { ca: this.ca } : {}) })
      : new http.Agent({ keepAlive: true, maxSockets: 16 });
  }

  get token(): string | null {
    return this.cfg.token;
  }

  // `path` holds the path and query string, e.g. `/api/v3/write_lp?db=a&precision=nanosecond`.
  request(method: string, path: string, req: UpstreamRequest = {}): Promise<UpstreamResponse> {
    const target = new URL(this.url.pathname.replace(/\/$/, '') + path, this.url);
    const headers: Record<string, string> = { ...req.headers };
    const auth = req.auth ?? 'bearer';
    if (this.cfg.token && auth !== 'none') headers.authorization = `${auth === 'bearer' ? 'Bearer' : 'Token'} ${this.cfg.token}`;
    const body = req.body === undefined ? null : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
    if (body) headers['content-length'] = String(body.length);
    const lib = target.protocol === 'https:' ? https : http;
    const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const r = lib.request(target, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', (err) => reject(new UpstreamUnreachableError(this.cfg.url, err)));
      });
      r.setTimeout(timeoutMs, () => r.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      r.on('error', (err) => reject(new UpstreamUnreachableError(this.cfg.url, err)));
      r.end(body ?? undefined);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new AppError('config', `cannot read the upstream CA file '${file}' (--upstream-tls-ca): ${(err as Error).message}`);
  }
}

// An error answer's message as the upstream wrote it: InfluxDB 3's `{"error": …}`, 1.x/2.x's `{"error"|"message": …}`,
// or the text itself.
export function upstreamErrorText(res: UpstreamResponse): string {
  const text = res.body.toString('utf8').trim();
  try {
    const doc = JSON.parse(text) as { error?: unknown; message?: unknown };
    const msg = doc.error ?? doc.message;
    if (typeof msg === 'string' && msg !== '') return msg;
  } catch {
    // not JSON
  }
  return text.slice(0, 2000) || `HTTP ${res.status}`;
}
