import { virtualColumns, type SystemTableProvider } from '../storage/query/system-tables.js';
import type { ForwardStatus } from './forwarder.js';

export const FORWARDING_SYSTEM_TABLES = ['upstream_forwarding'] as const;

const COLUMNS = virtualColumns(
  ['upstream_url', 'Utf8'],
  ['write_api', 'Utf8'],
  ['state', 'Utf8'],
  ['acked_seq', 'UInt64'],
  ['forwarded_seq', 'UInt64'],
  ['backlog_bytes', 'UInt64'],
  ['backlog_records', 'UInt64'],
  ['oldest_unforwarded_time', 'Timestamp(Nanosecond, None)'],
  ['oldest_unforwarded_age_seconds', 'Float64'],
  ['forwarded_total', 'UInt64'],
  ['forwarded_lines_total', 'UInt64'],
  ['refused_total', 'UInt64'],
  ['refused_lines_total', 'UInt64'],
  ['last_error', 'Utf8'],
  ['last_error_time', 'Timestamp(Nanosecond, None)'],
);

// system.upstream_forwarding, in every database: one row, the node's write gateway. Computed from memory, so
// reading it never waits on the upstream.
export function forwardingSystemTable(status: () => ForwardStatus, nowNs: () => bigint): SystemTableProvider {
  return (_db, table) => {
    if (table !== 'upstream_forwarding') return undefined;
    const s = status();
    const age = s.oldestUnforwardedNs === null ? null : Math.max(0, Number(nowNs() - s.oldestUnforwardedNs) / 1e9);
    return {
      columns: COLUMNS,
      rows: [
        [
          s.upstreamUrl, s.writeApi, s.state, s.ackedSeq, s.forwardedSeq, s.backlogBytes, s.backlogRecords, s.oldestUnforwardedNs, age,
          s.forwardedRecords, s.forwardedLines, s.refusedRecords, s.refusedLines, s.lastError, s.lastErrorTimeNs,
        ],
      ],
    };
  };
}
