import { AppError, errorMessage } from '../../shared/app-error.js';

// Callers (the write path, the HTTP error mapper) tell WAL failures apart by code, never by message.
export type WalErrorCode =
  | 'wal_not_open'
  | 'wal_already_open'
  | 'wal_closed'
  | 'wal_failed'
  | 'wal_io'
  | 'wal_invalid_payload'
  | 'wal_invalid_option';

// Every WAL error is a server-side 500: the client's write was fine, our disk was not.
export class WalError extends AppError {
  declare readonly code: WalErrorCode;

  constructor(code: WalErrorCode, message: string, cause?: unknown, details?: unknown) {
    super(code, message, { status: 500, expose: false, cause, details });
    this.name = 'WalError';
  }
}

// Appending before open() finished is a wiring bug in the caller.
export const walNotOpen = (dir: string): WalError => new WalError('wal_not_open', `wal '${dir}' is not open`);

// Appends racing a shutdown must fail loudly rather than be silently lost.
export const walClosed = (dir: string): WalError => new WalError('wal_closed', `wal '${dir}' is closed`);

// A failed write or fsync leaves the file in an unknown state (fsync errors cannot be retried), so the log stops.
export const walFailed = (dir: string, cause: unknown): WalError =>
  new WalError(
    'wal_failed',
    `wal '${dir}' stopped after an i/o error and refuses further appends (restart to replay): ${errorMessage(cause)}`,
    cause,
  );

// Filesystem errors outside the append path (open, replay, truncation) keep the path and operation.
export const walIo = (op: string, path: string, cause: unknown): WalError =>
  new WalError('wal_io', `wal ${op} failed for '${path}': ${errorMessage(cause)}`, cause, { op, path });

// A non-buffer or oversized payload is the caller's bug; refuse it before it can poison the log.
export const walInvalidPayload = (problem: string): WalError =>
  new WalError('wal_invalid_payload', `invalid wal record payload: ${problem}`);

// Bad construction options are a configuration bug; fail at start-up, not on the first append.
export const walInvalidOption = (name: string, value: unknown): WalError =>
  new WalError('wal_invalid_option', `invalid wal option ${name}: ${String(value)}`);

// open() replays and may truncate files; doing that twice (or after close) would race the live writer.
export const walAlreadyOpened = (dir: string): WalError =>
  new WalError('wal_already_open', `wal '${dir}' can only be opened once`);
