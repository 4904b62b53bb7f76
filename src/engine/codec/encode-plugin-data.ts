import type { QueryResult } from '../../storage/query/query-result.js';
import type { TableBatch } from '../../storage/types.js';
import { PluginValueWriter, type NumberKind } from './plugin-value-writer.js';

// One writer per process: batches are encoded one at a time on the event loop.
const writer = new PluginValueWriter(1024 * 1024);

// A WAL flush as `process_writes` expects it (reference §2.1), encoded once so every trigger of the database can
// be handed the same bytes: ints/uints are bigint → int, floats are number → float (2.0 stays a float), time int ns.
export function encodeTableBatches(batches: readonly TableBatch[]): Buffer {
  writer.arrayHeader(batches.length);
  for (const batch of batches) {
    writer.mapHeader(2);
    writer.key('table_name');
    writer.str(batch.table_name);
    writer.key('rows');
    writer.arrayHeader(batch.rows.length);
    for (const row of batch.rows) {
      const keys = Object.keys(row);
      writer.mapHeader(keys.length);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        writer.key(k, i);
        writer.value(row[k]);
      }
    }
  }
  return writer.finish();
}

const INTEGER_TYPE = /^U?Int(8|16|32|64)$|^Decimal\d*\(\s*\d+\s*,\s*0\s*\)$|^Timestamp|^Duration/;

// How a result column's JS numbers must travel: integer Arrow types as ints, everything else as floats.
export function numberKindFor(arrowType: string): NumberKind {
  const inner = /^Dictionary\(\s*\w+\s*,\s*(.+)\)$/.exec(arrowType)?.[1] ?? arrowType;
  return INTEGER_TYPE.test(inner.trim()) ? 'int' : 'float';
}

// A query result in the protocol's columnar form `{columns, rows}` (PROTOCOL.md §4 `query`): every column kept,
// NULL → None, timestamps as int nanoseconds (storage hands them over as bigint).
export function encodeQueryResult(result: QueryResult): Buffer {
  const kinds = result.columns.map((c) => numberKindFor(c.type));
  writer.mapHeader(2);
  writer.key('columns');
  writer.arrayHeader(result.columns.length);
  for (const c of result.columns) writer.str(c.name);
  writer.key('rows');
  writer.arrayHeader(result.rows.length);
  for (const row of result.rows) {
    writer.arrayHeader(row.length);
    for (let i = 0; i < row.length; i++) writer.value(row[i], kinds[i]);
  }
  return writer.finish();
}
