import { PreEncoded, QueryPageEncoder } from '../../ipc/index.js';
import { errorMessage } from '../../shared/app-error.js';
import type { RowSource } from '../../storage/query/query-engine.js';
import type { QueryParams } from '../../storage/query/query-result.js';

// Where plugin queries are answered: storage on a standalone node; on a process node, app.ts injects one that sends
// them to the upstream InfluxDB (and keeps the node's own system tables local).
export interface PluginQuerySource {
  queryRows<T>(database: string, sql: string, params: QueryParams | undefined, consume: (source: RowSource) => Promise<T>): Promise<T>;
}

// A page of a plugin's query result is cut once its encoding passes this size (a frame stays far below the cap).
export const QUERY_PAGE_BYTES = 4 * 1024 * 1024;

// The QueryError text upstream gives: `error: <engine message> executing query on <db>: <sql>`.
export function queryErrorText(err: unknown, database: string, sql: string): string {
  return `error: ${errorMessage(err)} executing query on ${database}: ${sql}`;
}

// One plugin query read page by page (python-runner/PROTOCOL.md, `query`): the result streams out of DuckDB a
// chunk at a time while the plugin asks for the next page, so neither the host nor a frame ever holds all of it.
// The read connection is held until the last page or close().
export class QueryCursor {
  private source: RowSource | null = null;
  private release!: () => void;
  private readonly released = new Promise<void>((resolve) => (this.release = resolve));
  private pending: unknown[][] | null = null;
  private ended = false;
  private pages = 0;
  // Settles once the storage side let go of the query (after close() or the last page).
  finished: Promise<void> = Promise.resolve();

  private constructor(
    readonly database: string,
    readonly sql: string,
    private readonly pageBytes: number,
  ) {}

  // Starts the query; resolves once its columns are known (rejects with the QueryError text on failure).
  static open(storage: PluginQuerySource, database: string, sql: string, args: Record<string, string> | null, pageBytes = QUERY_PAGE_BYTES): Promise<QueryCursor> {
    const cursor = new QueryCursor(database, sql, pageBytes);
    return new Promise((resolve, reject) => {
      let opened = false;
      cursor.finished = storage
        .queryRows(database, sql, args ?? undefined, (source) => {
          cursor.source = source;
          opened = true;
          resolve(cursor);
          return cursor.released;
        })
        .catch((err: unknown) => {
          if (!opened) reject(new Error(queryErrorText(err, database, sql)));
        });
    });
  }

  get done(): boolean {
    return this.ended;
  }

  // The next page as `{columns?, rows, cursor?}` bytes: `columns` on the first page; `cursorId` is written while
  // rows remain. After the last page the query is released.
  async nextPage(cursorId: number): Promise<PreEncoded> {
    const source = this.source;
    if (!source || this.ended) throw new Error('the query cursor is closed');
    const page = new QueryPageEncoder(source.columns);
    try {
      while (page.size < this.pageBytes) {
        const rows = this.pending ?? (await source.next());
        this.pending = null;
        if (!rows) {
          this.ended = true;
          break;
        }
        page.add(rows);
      }
      if (!this.ended) {
        // Look one chunk ahead so the last full page does not announce an empty one.
        this.pending = await source.next();
        if (!this.pending) this.ended = true;
      }
    } catch (err) {
      this.close();
      throw new Error(queryErrorText(err, this.database, this.sql));
    }
    const first = this.pages++ === 0;
    if (this.ended) this.close();
    return new PreEncoded(page.finish(first, this.ended ? null : cursorId));
  }

  close(): void {
    this.ended = true;
    this.pending = null;
    this.release();
  }
}
