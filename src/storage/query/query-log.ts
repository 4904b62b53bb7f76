import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../../shared/clock.js';

// How a query arrived: the v3/v1 SQL and InfluxQL APIs, or Flight SQL (upstream's query_type values).
export type QueryType = 'sql' | 'influxql' | 'flightsql';

// Upstream's phases: received → permit (a reader connection) → planned → success | fail | cancel.
export type QueryPhase = 'received' | 'permit' | 'planned' | 'success' | 'fail' | 'cancel';

export interface QueryInfo {
  type: QueryType;
  text: string;
  database: string;
  // The name of the token that issued it (never the token itself); null without auth.
  tokenName: string | null;
}

// One entry of system.queries. Durations are milliseconds from issueTime (null until the phase is reached).
export interface QueryLogEntry extends QueryInfo {
  readonly id: string;
  readonly issueTimeNs: bigint;
  phase: QueryPhase;
  permitMs: number | null;
  planMs: number | null;
  executeMs: number | null;
  end2endMs: number | null;
  rows: number | null;
  error: string | null;
}

// Told of every phase a query enters and of its end (the /metrics query-log series).
export interface QueryLogObserver {
  entered(phase: QueryPhase): void;
  ended(entry: QueryLogEntry): void;
}

const current = new AsyncLocalStorage<TrackedQuery>();

// A query being run: the storage marks its phases (through the async context), the edge its rows and outcome.
export class TrackedQuery {
  private readonly started = performance.now();
  private permitAt: number | null = null;
  private planAt: number | null = null;

  constructor(
    readonly entry: QueryLogEntry,
    private readonly observer: QueryLogObserver | null = null,
  ) {
    observer?.entered('received');
  }

  // The reader connection was granted (first time only: an InfluxQL statement may run several SQL queries).
  permitted(): void {
    if (this.permitAt !== null) return;
    this.permitAt = performance.now();
    this.entry.permitMs = this.permitAt - this.started;
    this.entry.phase = 'permit';
    this.observer?.entered('permit');
  }

  planned(): void {
    if (this.planAt !== null) return;
    this.planAt = performance.now();
    this.entry.planMs = this.planAt - (this.permitAt ?? this.started);
    this.entry.phase = 'planned';
    this.observer?.entered('planned');
  }

  addRows(n: number): void {
    this.entry.rows = (this.entry.rows ?? 0) + n;
  }

  end(phase: 'success' | 'fail' | 'cancel', error: string | null = null): void {
    const now = performance.now();
    this.entry.phase = phase;
    this.entry.error = error;
    this.entry.end2endMs = now - this.started;
    this.entry.executeMs = now - (this.planAt ?? this.permitAt ?? this.started);
    this.observer?.entered(phase);
    this.observer?.ended(this.entry);
  }
}

// The query log: the last `capacity` queries (--query-log-size), running ones included, in issue order.
export class QueryLog {
  private readonly ring: QueryLogEntry[] = [];
  private next = 0;

  constructor(
    private readonly capacity: number,
    private readonly clock: Clock = systemClock,
    private readonly observer: QueryLogObserver | null = null,
  ) {}

  // The query the current async context runs for, if an edge is tracking one.
  static current(): TrackedQuery | undefined {
    return current.getStore();
  }

  // Runs `fn` as a logged query. Its outcome is success, or cancel when `signal` aborted (a client that went away,
  // a deadline), or fail with the error's message. `rowsOf` counts the rows of a materialised result.
  async track<T>(info: QueryInfo, fn: (query: TrackedQuery) => Promise<T>, options: { signal?: AbortSignal; rowsOf?: (result: T) => number } = {}): Promise<T> {
    const query = new TrackedQuery(this.add(info), this.observer);
    try {
      const result = await current.run(query, () => fn(query));
      if (options.rowsOf) query.addRows(options.rowsOf(result));
      query.end('success');
      return result;
    } catch (err) {
      if (options.signal?.aborted) query.end('cancel', messageOf(options.signal.reason));
      else query.end('fail', messageOf(err));
      throw err;
    }
  }

  entries(): QueryLogEntry[] {
    return this.ring.length < this.capacity ? [...this.ring] : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }

  private add(info: QueryInfo): QueryLogEntry {
    const entry: QueryLogEntry = {
      ...info,
      id: randomUUID(),
      issueTimeNs: this.clock.nowNs(),
      phase: 'received',
      permitMs: null,
      planMs: null,
      executeMs: null,
      end2endMs: null,
      rows: null,
      error: null,
    };
    if (this.capacity <= 0) return entry;
    if (this.ring.length < this.capacity) this.ring.push(entry);
    else {
      this.ring[this.next] = entry;
      this.next = (this.next + 1) % this.capacity;
    }
    return entry;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
