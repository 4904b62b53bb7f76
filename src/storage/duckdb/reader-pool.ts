import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

// Queries run on their own connections so a long read never waits behind the appender, and vice versa; at most
// `size` run at once (--max-concurrent-queries), the others wait in order for a connection.
export class ReaderPool {
  private readonly idle: DuckDBConnection[] = [];
  private readonly all: DuckDBConnection[] = [];
  private readonly waiters: Array<{ resolve: (conn: DuckDBConnection) => void; reject: (err: Error) => void }> = [];
  private creating = 0;
  private inUse = 0;
  private closed = false;
  private drained: Array<() => void> = [];

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly size: number,
  ) {}

  async use<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = await this.acquire();
    this.inUse++;
    try {
      return await fn(conn);
    } finally {
      this.inUse--;
      this.release(conn);
    }
  }

  private async acquire(): Promise<DuckDBConnection> {
    if (this.closed) throw new Error('storage is closed');
    const ready = this.idle.pop();
    if (ready) return ready;
    if (this.all.length + this.creating < this.size) {
      this.creating++;
      try {
        const conn = await this.instance.connect();
        this.all.push(conn);
        return conn;
      } finally {
        this.creating--;
      }
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private release(conn: DuckDBConnection): void {
    const next = this.closed ? undefined : this.waiters.shift();
    if (next) next.resolve(conn);
    else this.idle.push(conn);
    if (this.inUse === 0) for (const done of this.drained.splice(0)) done();
  }

  // Refuses new work, waits for running queries, then closes every connection.
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter.reject(new Error('storage is closed'));
    if (this.inUse > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
    for (const conn of this.all) conn.closeSync();
    this.all.length = 0;
    this.idle.length = 0;
  }
}
