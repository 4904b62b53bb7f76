import { crc32 } from './crc32.js';

// [u32 BE length][u32 BE crc32(seq bytes + payload)][u64 BE seq][payload]
export const RECORD_HEADER_BYTES = 16;

// The length field is a u32.
export const MAX_PAYLOAD_BYTES = 0xffff_ffff;

// The header is built apart from the payload so large payloads go to writev without being copied.
export function encodeRecordHeader(seq: bigint, payload: Uint8Array): Buffer {
  const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
  header.writeBigUInt64BE(seq, 8);
  header.writeUInt32BE(payload.length, 0);
  header.writeUInt32BE(crc32(payload, crc32(header.subarray(8, 16))), 4);
  return header;
}

// A replayed record; `payload` is a view into the segment's bytes, not a copy.
export interface DecodedRecord {
  seq: bigint;
  payload: Buffer;
}

// Where and why a segment stopped being trustworthy.
export interface ScanProblem {
  offset: number;
  reason: string;
}

// The outcome of one pass over a segment: the good prefix and, if any, what ended it.
export interface SegmentScan {
  records: DecodedRecord[];
  validBytes: number;
  problem: ScanProblem | null;
}

// Replay trusts a record only if it is whole, its checksum matches and its seq follows the previous one.
export function scanSegment(buf: Buffer, firstSeq: bigint): SegmentScan {
  const records: DecodedRecord[] = [];
  let offset = 0;
  let expected = firstSeq;
  const stop = (reason: string): SegmentScan => ({ records, validBytes: offset, problem: { offset, reason } });
  while (offset < buf.length) {
    const left = buf.length - offset;
    if (left < RECORD_HEADER_BYTES) return stop(`partial header (${left} of ${RECORD_HEADER_BYTES} bytes)`);
    const length = buf.readUInt32BE(offset);
    const end = offset + RECORD_HEADER_BYTES + length;
    if (end > buf.length) return stop(`record length ${length} runs past end of file by ${end - buf.length} bytes`);
    const stored = buf.readUInt32BE(offset + 4);
    const seqBytes = buf.subarray(offset + 8, offset + RECORD_HEADER_BYTES);
    const payload = buf.subarray(offset + RECORD_HEADER_BYTES, end);
    const actual = crc32(payload, crc32(seqBytes));
    if (actual !== stored) return stop(`checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)})`);
    const seq = seqBytes.readBigUInt64BE(0);
    if (seq !== expected) return stop(`sequence out of order (expected ${expected}, found ${seq})`);
    records.push({ seq, payload });
    expected = seq + 1n;
    offset = end;
  }
  return { records, validBytes: offset, problem: null };
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
