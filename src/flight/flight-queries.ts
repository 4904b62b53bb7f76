import { forbidden } from '../auth/errors.js';
import { allowsDatabase } from '../auth/permissions.js';
import type { StorageEngine } from '../storage/storage-engine.js';
import { flattenResult, runInfluxql, singleStatement } from '../storage/query/influxql/influxql-engine.js';
import { storageHost } from '../storage/query/influxql/storage-host.js';
import type { QueryColumn } from '../storage/query/query-result.js';
import { QueryLog } from '../storage/query/query-log.js';
import { ArrowEncoder, type ArrowColumn, type IpcMessage } from './arrow-encoding.js';
import type { ApiToken } from '../storage/catalog/catalog-resources.js';
import type { QueryTicket, TicketParams } from './tickets.js';

interface Deps {
  storage: StorageEngine;
  batchRows: number;
}

type Send = (message: IpcMessage) => Promise<void>;

// Runs a ticket's query with the HTTP API's rules (read permission on the database, the same errors) and sends the
// result as Arrow: the schema, then record batches of at most `batchRows` rows as the rows arrive.
export class FlightQueries {
  private readonly host;

  constructor(private readonly deps: Deps) {
    this.host = storageHost(deps.storage);
  }

  // The result schema of a SQL query (Flight SQL's GetFlightInfo), as an encapsulated IPC message.
  // Placeholders without a bound value read as NULL, so a prepared statement's schema is known before DoPut binds them.
  async sqlSchema(caller: ApiToken | null, database: string, sql: string, params?: TicketParams): Promise<Uint8Array> {
    checkRead(caller, database);
    const lenient = new Proxy({ ...params }, { get: (target, key) => (typeof key === 'string' && key in target ? target[key] : null) }) as TicketParams;
    const columns = await this.deps.storage.queryRows(database, sql, lenient, async (source) => source.columns);
    return new ArrowEncoder(columns).encapsulatedSchema();
  }

  // A prepared statement's parameter schema: each placeholder (`$1`, `$host`) with the type its use implies.
  async parameterSchema(caller: ApiToken | null, database: string, sql: string): Promise<Uint8Array> {
    checkRead(caller, database);
    return new ArrowEncoder(await this.deps.storage.queryParameters(database, sql), false).encapsulatedSchema();
  }

  checkRead(caller: ApiToken | null, database: string): void {
    checkRead(caller, database);
  }

  // A small materialised result (Flight SQL metadata) sent as Arrow without InfluxDB's column roles.
  async sendRows(columns: ArrowColumn[], rows: unknown[][], send: Send): Promise<void> {
    const encoder = new ArrowEncoder(columns, false);
    await send(encoder.schemaMessage());
    if (rows.length > 0) for (const message of encoder.batchMessages(rows)) await send(message);
  }

  // Rows of a SQL query on the database, materialised (catalog queries for Flight SQL metadata).
  async rowsOf(caller: ApiToken | null, database: string, sql: string): Promise<unknown[][]> {
    checkRead(caller, database);
    return (await this.deps.storage.query(database, sql)).rows;
  }

  // Runs a ticket's query as an entry of the query log: `flightsql` for Flight SQL statements, else the ticket's
  // language. A client that goes away or a deadline that passes ends it as cancelled.
  async run(caller: ApiToken | null, ticket: QueryTicket, send: Send, signal: AbortSignal, flightSql = false): Promise<void> {
    checkRead(caller, ticket.database);
    const info = { type: flightSql ? 'flightsql' : ticket.language, text: ticket.query, database: ticket.database, tokenName: caller?.name ?? null } as const;
    await this.deps.storage.queryLog.track(info, () => this.execute(ticket, send, signal), { signal });
  }

  private async execute(ticket: QueryTicket, send: Send, signal: AbortSignal): Promise<void> {
    if (ticket.language === 'influxql') {
      const results = await runInfluxql(this.host, ticket.query, { db: ticket.database, params: ticket.params, throwErrors: true });
      const result = flattenResult(singleStatement(results));
      const sender = new BatchSender(result.columns, send, this.deps.batchRows, signal);
      await sender.start();
      await sender.rows(result.rows);
      await sender.end();
      return;
    }
    await this.deps.storage.queryRows(ticket.database, ticket.query, ticket.params, async (source) => {
      const sender = new BatchSender(source.columns, send, this.deps.batchRows, signal);
      await sender.start();
      for (let rows = await source.next(); rows !== null; rows = await source.next()) await sender.rows(rows);
      await sender.end();
    });
  }
}

function checkRead(caller: ApiToken | null, database: string): void {
  if (caller !== null && !allowsDatabase(caller.permissions, database, 'read')) {
    throw forbidden(`this needs read permission on database '${database}'`);
  }
}

// Gathers rows into record batches of up to `batchRows` (the first chunk goes out at once, for a quick first batch);
// stops (throws the abort reason) once the call is cancelled.
class BatchSender {
  private readonly encoder: ArrowEncoder;
  private pending: unknown[][] = [];
  private sentBatch = false;

  constructor(
    columns: QueryColumn[],
    private readonly send: Send,
    private readonly batchRows: number,
    private readonly signal: AbortSignal,
  ) {
    this.encoder = new ArrowEncoder(columns);
  }

  async start(): Promise<void> {
    this.signal.throwIfAborted();
    await this.send(this.encoder.schemaMessage());
  }

  async rows(rows: unknown[][]): Promise<void> {
    // A cancelled call stops before converting more (a flush may be a whole batch away).
    this.signal.throwIfAborted();
    for (let i = 0; i < rows.length; i += this.batchRows) {
      const slice = i === 0 && rows.length <= this.batchRows ? rows : rows.slice(i, i + this.batchRows);
      if (this.pending.length === 0) this.pending = slice;
      else for (const r of slice) this.pending.push(r);
      if (!this.sentBatch || this.pending.length >= this.batchRows) await this.flush();
    }
  }

  async end(): Promise<void> {
    if (this.pending.length > 0) await this.flush();
  }

  private async flush(): Promise<void> {
    this.signal.throwIfAborted();
    const rows = this.pending.length > this.batchRows ? this.pending.splice(0, this.batchRows) : this.pending;
    if (rows === this.pending) this.pending = [];
    this.sentBatch = true;
    for (const message of this.encoder.batchMessages(rows)) await this.send(message);
    QueryLog.current()?.addRows(rows.length);
    if (this.pending.length >= this.batchRows) await this.flush();
  }
}
