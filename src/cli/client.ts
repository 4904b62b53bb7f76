import { gzipSync } from 'node:zlib';

export interface ClientOptions {
  host: string;
  token?: string;
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
    if (Array.isArray(json.data) && json.data.length > 0) {
      const lines = (json.data as Array<{ line_number?: number; error_message?: string; original_line?: string }>).map(
        (d) => `  line ${d.line_number}: ${d.error_message}${d.original_line ? ` (${d.original_line})` : ''}`,
      );
      return `${main}\n${lines.join('\n')}`;
    }
    return main;
  } catch {
    return text || `HTTP ${status}`;
  }
}

// A thin HTTP client over fetch for the CLI commands.
export class Client {
  constructor(private readonly opts: ClientOptions) {}

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
      res = await fetch(url, { method, headers, body: body as BodyInit | undefined });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`cannot reach the server at ${this.opts.host}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
    if (!res.ok) {
      const text = await res.text();
      throw new ServerError(res.status, describeError(res.status, text), text);
    }
    return res;
  }
}
