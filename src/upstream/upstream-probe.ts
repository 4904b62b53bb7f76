import { AppError } from '../shared/app-error.js';
import type { UpstreamConfig } from '../config/schema.js';
import { upstreamErrorText, type UpstreamHttp } from './upstream-http.js';

// What the upstream is, from its /ping: InfluxDB 3 (Core/Enterprise answer JSON), 2.x or 1.x (204 with
// X-Influxdb-Version), or an InfluxDB Cloud product (X-Influxdb-Build: Cloud …).
export type UpstreamKind = 'influxdb3' | 'influxdb2' | 'influxdb1' | 'cloud' | 'configured';

export interface UpstreamProfile {
  kind: UpstreamKind;
  version: string;
  // How forwarded writes go: v3 /api/v3/write_lp, v2 /api/v2/write, v1 /write.
  writeApi: 'v3' | 'v2' | 'v1';
  // How plugin queries go: Arrow Flight, /api/v3/query_sql|query_influxql, v1 /query (InfluxQL only), or the
  // node's local window only.
  queryApi: 'flight' | 'http' | 'v1' | 'local';
  // Whether the upstream answers SQL itself (else the node keeps a local window of what it forwarded).
  answersSql: boolean;
}

// The upstream answered, but not as any InfluxDB this node knows (or refused the token).
export class UpstreamProbeError extends AppError {
  constructor(message: string) {
    super('upstream_probe', message, { status: 502 });
  }
}

const DEFAULTS: Record<Exclude<UpstreamKind, 'configured'>, Pick<UpstreamProfile, 'writeApi' | 'queryApi'>> = {
  influxdb3: { writeApi: 'v3', queryApi: 'flight' },
  cloud: { writeApi: 'v2', queryApi: 'flight' },
  influxdb2: { writeApi: 'v2', queryApi: 'v1' },
  influxdb1: { writeApi: 'v1', queryApi: 'v1' },
};

// Reads the upstream's /ping once and decides the write and query APIs (an explicit setting wins over the probe).
// Throws UpstreamUnreachableError while it cannot be reached (callers retry) and UpstreamProbeError for an answer
// that names no InfluxDB.
export async function probeUpstream(client: UpstreamHttp, cfg: Pick<UpstreamConfig, 'writeApi' | 'queryApi' | 'url'>): Promise<UpstreamProfile> {
  // Both APIs chosen by the operator: nothing to ask (some hosted products answer no /ping).
  if (cfg.writeApi !== 'auto' && cfg.queryApi !== 'auto') {
    return { kind: 'configured', version: '', writeApi: cfg.writeApi, queryApi: cfg.queryApi, answersSql: cfg.queryApi === 'flight' || cfg.queryApi === 'http' };
  }
  const res = await client.request('GET', '/ping', { timeoutMs: 10_000 });
  if (res.status === 401 || res.status === 403) {
    throw new UpstreamProbeError(`the upstream InfluxDB at ${cfg.url} refused the token on /ping (HTTP ${res.status}: ${upstreamErrorText(res)}); check --upstream-token-file`);
  }
  const header = (name: string): string => String(res.headers[name] ?? '');
  let kind: UpstreamKind | null = null;
  let version = header('x-influxdb-version');
  const build = header('x-influxdb-build').toLowerCase();
  if (res.status === 200 && /json/.test(header('content-type'))) {
    try {
      const doc = JSON.parse(res.body.toString('utf8')) as { version?: unknown };
      if (typeof doc.version === 'string') {
        version = doc.version;
        kind = 'influxdb3';
      }
    } catch {
      // not JSON after all
    }
  }
  if (kind === null && (res.status === 204 || res.status === 200)) {
    if (build.includes('cloud')) kind = 'cloud';
    else if (/^v?1\./.test(version)) kind = 'influxdb1';
    else if (/^v?2\./.test(version)) kind = 'influxdb2';
    else if (/^v?3\./.test(version)) kind = 'influxdb3';
  }
  if (kind === null) {
    throw new UpstreamProbeError(
      `the upstream at ${cfg.url} answered /ping with HTTP ${res.status}${version ? ` (version '${version}')` : ''}, which names no InfluxDB this node knows: ` +
        'set --upstream-write-api and --upstream-query-api to choose the APIs yourself',
    );
  }
  const chosen = DEFAULTS[kind];
  const writeApi = cfg.writeApi === 'auto' ? chosen.writeApi : cfg.writeApi;
  const queryApi = cfg.queryApi === 'auto' ? chosen.queryApi : cfg.queryApi;
  return { kind, version, writeApi, queryApi, answersSql: queryApi === 'flight' || queryApi === 'http' };
}
