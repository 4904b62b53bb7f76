import { errorMessage } from '../shared/app-error.js';
import { UpstreamUnreachableError, upstreamErrorText, type UpstreamHttp, type UpstreamResponse } from './upstream-http.js';
import type { UpstreamProfile } from './upstream-probe.js';

// What the upstream made of one request of forwarded lines: stored; not now (retry later: unreachable, 5xx, 429,
// a refused token); or never (a 4xx about the data itself, e.g. a field type conflict or a missing bucket).
export type SendOutcome = { kind: 'stored' } | { kind: 'retry'; message: string } | { kind: 'refused'; status: number; message: string };

const WRITE_TIMEOUT_MS = 60_000;

// Sends line protocol with nanosecond timestamps to the upstream's write API (v3 /api/v3/write_lp, v2
// /api/v2/write, v1 /write). InfluxDB 1.x does not create a database on write: on its "database not found" the
// database is created once (CREATE DATABASE) and the request sent again.
export class UpstreamWriter {
  private readonly created = new Set<string>();

  constructor(private readonly http: UpstreamHttp, private readonly org: string | null) {}

  async send(profile: UpstreamProfile, remoteDb: string, body: string): Promise<SendOutcome> {
    let res = await this.post(profile, remoteDb, body);
    if (res === null) return this.unreachable;
    if (profile.writeApi === 'v1' && res.status === 404 && /database not found/i.test(upstreamErrorText(res)) && !this.created.has(remoteDb)) {
      this.created.add(remoteDb);
      const made = await this.createV1Database(remoteDb);
      if (made.kind !== 'stored') return made;
      res = await this.post(profile, remoteDb, body);
      if (res === null) return this.unreachable;
    }
    return classify(res);
  }

  private unreachable: SendOutcome = { kind: 'retry', message: '' };

  // null: unreachable (the reason is kept in `unreachable`).
  private async post(profile: UpstreamProfile, remoteDb: string, body: string): Promise<UpstreamResponse | null> {
    const db = encodeURIComponent(remoteDb);
    const path =
      profile.writeApi === 'v3'
        ? `/api/v3/write_lp?db=${db}&precision=nanosecond`
        : profile.writeApi === 'v2'
          ? `/api/v2/write?bucket=${db}&precision=ns${this.org ? `&org=${encodeURIComponent(this.org)}` : ''}`
          : `/write?db=${db}&precision=n`;
    try {
      return await this.http.request('POST', path, {
        body,
        auth: profile.writeApi === 'v3' ? 'bearer' : 'token',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        timeoutMs: WRITE_TIMEOUT_MS,
      });
    } catch (err) {
      if (!(err instanceof UpstreamUnreachableError)) throw err;
      this.unreachable = { kind: 'retry', message: errorMessage(err) };
      return null;
    }
  }

  private async createV1Database(remoteDb: string): Promise<SendOutcome> {
    const q = encodeURIComponent(`CREATE DATABASE "${remoteDb.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
    try {
      const res = await this.http.request('POST', `/query?q=${q}`, { auth: 'token', timeoutMs: WRITE_TIMEOUT_MS });
      if (res.status >= 200 && res.status < 300) return { kind: 'stored' };
      this.created.delete(remoteDb);
      const outcome = classify(res);
      return outcome.kind === 'refused' ? { ...outcome, message: `creating database '${remoteDb}' upstream failed: ${outcome.message}` } : outcome;
    } catch (err) {
      this.created.delete(remoteDb);
      if (!(err instanceof UpstreamUnreachableError)) throw err;
      return { kind: 'retry', message: errorMessage(err) };
    }
  }
}

// 2xx stored; 5xx, 408, 429, 401 and 403 (a token problem is the operator's to fix, never a reason to drop data)
// are retried; other 4xx refuse the batch for good.
function classify(res: UpstreamResponse): SendOutcome {
  if (res.status >= 200 && res.status < 300) return { kind: 'stored' };
  const message = `HTTP ${res.status}: ${upstreamErrorText(res)}`;
  if (res.status >= 500 || [401, 403, 408, 429].includes(res.status) || res.status < 200) return { kind: 'retry', message };
  return { kind: 'refused', status: res.status, message };
}
