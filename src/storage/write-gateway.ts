import type { WriteRow } from './types.js';

// One write the moment it was acknowledged (its WAL record fsynced): what a process node forwards.
export interface AcknowledgedWrite {
  seq: bigint;
  database: string;
  rows: WriteRow[];
  // The WAL record's payload size and the write's ack time (also the time of its lines without a timestamp).
  bytes: number;
  ackTimeNs: bigint;
}

// Set by app.ts on a process node (the write gateway in src/upstream): storage calls it on the write path and at
// checkpoints, and knows nothing of the upstream.
export interface WriteGateway {
  // Before a write is parsed: throws (an AppError, e.g. 503) to refuse it.
  admit(database: string): void;
  // After the WAL append, in seq order.
  acknowledged(write: AcknowledgedWrite): void;
  // Whether rows go into the local DuckDB tables (false: only the applied seq advances).
  keepsTableData(): boolean;
  // The WAL seq forwarded through, as recorded on disk: later records are kept whatever --plugin-wal-backlog-max says.
  forwardedSeq(): bigint;
}
