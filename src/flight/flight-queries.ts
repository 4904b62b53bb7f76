import { forbidden } from '../auth/errors.js';
import { allowsDatabase } from '../auth/permissions.js';
import type { StorageEngine } from '../storage/storage-engine.js';
import { flattenResult, runInfluxql, singleStatement } from '../storage/query/influxql/influxql-engine.js';
import { storageHost } from '../storage/query/influxql/storage-host.js';
import type { QueryColumn } from '../storage/query/query-result.js';
import { ArrowEncoder, type IpcMessage } from './arrow-encoding.js';
import type { ApiToken } from '../storage/catalog/catalog-resources.js';
import type { QueryTicket } from './tickets.js';

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

  async run(caller: ApiToken | null, ticket: QueryTicket, send: Send, signal: AbortSignal): Promise<void> {
    if (caller !== null && !allowsDatabase(caller.permissions, ticket.database, 'read')) {
      throw forbidden(`this needs read permission on database '${ticket.database}'`);
    }
    if (ticket.language === 'influxql') {
      const results = await runInfluxql(this.host, ticket.query, { db: ticket.database, params: ticket.params, throwErrors: true });
      const result = flattenResult(singleStatement(results));
      const sender = new BatchSender(result.columns, send, this.deps.batchRows, signal);
      await sender.start();
      await sender.rows(result.rows);
      return;
    }
    await this.deps.storage.queryRows(ticket.database, ticket.query, ticket.params, async (source) => {
      const sender = new BatchSender(source.columns, send, this.deps.batchRows, signal);
      await sender.start();
      for (let rows = await source.next(); rows !== null; rows = await source.next()) await sender.rows(rows);
    });
  }
}

// Cuts rows into batches; stops (throws the abort reason) once the call is cancelled.
class BatchSender {
  private readonly encoder: ArrowEncoder;

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
    for (let i = 0; i < rows.length; i += this.batchRows) {
      this.signal.throwIfAborted();
      const slice = i === 0 && rows.length <= this.batchRows ? rows : rows.slice(i, i + this.batchRows);
      for (const message of this.encoder.batchMessages(slice)) await this.send(message);
    }
  }
}
