import { Packr } from 'msgpackr';
import type { Precision } from '../types.js';

// One acknowledged write as the WAL keeps it: the request body itself (cheap to write) plus what re-derives the same
// rows on replay.
export interface WalWrite {
  database: string;
  body: string;
  precision: Precision;
  defaultTimeNs: bigint;
  // Line numbers that were refused when the write was acknowledged.
  refusedLines: number[];
}

// The persisted shape (msgpack map); WAL segments written by every earlier version use these keys.
interface PersistedWalWrite {
  db: string;
  body: string;
  precision: Precision;
  defaultTimeNs: bigint | number;
  refused: number[];
}

const packr = new Packr({ useRecords: false, int64AsType: 'bigint' });

export function encodeWalWrite(write: WalWrite): Buffer {
  const record: PersistedWalWrite = {
    db: write.database,
    body: write.body,
    precision: write.precision,
    defaultTimeNs: write.defaultTimeNs,
    refused: write.refusedLines,
  };
  return packr.pack(record);
}

export function decodeWalWrite(payload: Uint8Array): WalWrite {
  const r = packr.unpack(payload) as PersistedWalWrite;
  return { database: r.db, body: r.body, precision: r.precision, defaultTimeNs: BigInt(r.defaultTimeNs), refusedLines: r.refused };
}
