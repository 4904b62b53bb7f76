import { RecordBatchReader } from 'apache-arrow';
import type { RowSource } from '../storage/query/query-engine.js';
import { rowSourceOf } from '../storage/query/query-engine.js';
import type { QueryParams, QueryResult } from '../storage/query/query-result.js';
import { rowSourceOfArrow } from './arrow-row-source.js';
import { rowsOfJsonl } from './jsonl-rows.js';
import { readsOnlyLocalTables } from './query-routing.js';
import { UpstreamFlight, UpstreamQueryError } from './upstream-flight.js';
import { UpstreamUnreachableError, upstreamErrorText } from './upstream-http.js';
import type { UpstreamLink } from './upstream-link.js';

// Where a query's rows come from: storage, or the upstream (the engine's plugin queries take either).
export interface RowsSource {
  queryRows<T>(database: string, sql: string, params: QueryParams | undefined, consume: (source: RowSource) => Promise<T>): Promise<T>;
}

export interface UpstreamQueryOptions {
  // How long a query waits for the first answer of a still unprobed upstream.
  probeWaitMs?: number;
  // The longest silence of the upstream within one query.
  idleTimeoutMs?: number;
}

// A heavy query may plan for a while before its first batch; a silent upstream still fails the query in bounded time.
const DEFAULT_IDLE_TIMEOUT_MS = 120_000;

const EMPTY: RowSource = { columns: [], next: async () => null };

// Plugin queries on a process node: the node's own system tables are answered locally; every other query goes to
// the upstream as its profile says: Arrow Flight DoGet (a batch at a time), /api/v3/query_sql (jsonl), or, for an
// upstream that cannot answer SQL (1.x, 2.x), the node's local window of the data it forwarded.
export class UpstreamQuerySource implements RowsSource {
  private readonly flight: UpstreamFlight;

  constructor(
    private readonly link: UpstreamLink,
    private readonly local: RowsSource,
    private readonly options: UpstreamQueryOptions = {},
  ) {
    this.flight = new UpstreamFlight(link.http.url, link.http.token, link.http.ca);
  }

  async queryRows<T>(database: string, sql: string, params: QueryParams | undefined, consume: (source: RowSource) => Promise<T>): Promise<T> {
    if (readsOnlyLocalTables(sql)) return this.local.queryRows(database, sql, params, consume);
    const api = (await this.profile()).queryApi;
    if (api === 'flight') return this.viaFlight(database, sql, params, consume);
    if (api === 'http') return this.viaHttp(database, sql, params, consume);
    return this.local.queryRows(database, sql, params, consume);
  }

  // The node's /api/v3/query_sql: a query of the upstream's tables as a whole result, or null when the node
  // answers it itself (its own system tables, or an upstream that cannot answer SQL).
  remoteQuery(database: string, sql: string, params: QueryParams | undefined): (() => Promise<QueryResult>) | null {
    if (readsOnlyLocalTables(sql)) return null;
    const api = this.link.current?.queryApi;
    if (api === 'v1' || api === 'local') return null;
    return () =>
      this.queryRows(database, sql, params, async (source) => {
        const rows: unknown[][] = [];
        for (let chunk = await source.next(); chunk; chunk = await source.next()) for (const row of chunk) rows.push(row);
        return { columns: source.columns, rows };
      });
  }

  stop(): void {
    this.flight.close();
  }

  private async profile(): Promise<{ queryApi: string }> {
    const now = this.link.current;
    if (now) return now;
    const waitMs = this.options.probeWaitMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new UpstreamUnreachableError(this.link.config.url, new Error(this.link.error ?? `no answer to /ping within ${waitMs} ms`))), waitMs);
    });
    try {
      return await Promise.race([this.link.profile(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async viaFlight<T>(database: string, sql: string, params: QueryParams | undefined, consume: (source: RowSource) => Promise<T>): Promise<T> {
    // InfluxDB 3's JSON ticket, as its v3 client libraries send it; parameters travel beside the query.
    const ticket: Record<string, unknown> = { database: this.link.remoteDatabase(database), sql_query: sql, query_type: 'sql' };
    if (params && Object.keys(params).length > 0) ticket.params = params;
    const { ipc, cancel } = await this.flight.doGet(Buffer.from(JSON.stringify(ticket)), { idleTimeoutMs: this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS });
    try {
      const reader = await RecordBatchReader.from(ipc);
      await reader.open();
      const source = reader.schema ? rowSourceOfArrow(reader) : EMPTY;
      return await consume(source);
    } finally {
      cancel();
    }
  }

  // /api/v3/query_sql answers in one body (no typed streaming format apache-arrow reads): fine for the result sizes
  // plugins page through on InfluxDB 3 without Flight; Flight is the default.
  private async viaHttp<T>(database: string, sql: string, params: QueryParams | undefined, consume: (source: RowSource) => Promise<T>): Promise<T> {
    const body: Record<string, unknown> = { db: this.link.remoteDatabase(database), q: sql, format: 'jsonl' };
    if (params && Object.keys(params).length > 0) body.params = params;
    const res = await this.link.http.request('POST', '/api/v3/query_sql', {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
      timeoutMs: this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    });
    if (res.status !== 200) throw new UpstreamQueryError(upstreamErrorText(res));
    return consume(rowSourceOf(rowsOfJsonl(res.body.toString('utf8'))));
  }
}
