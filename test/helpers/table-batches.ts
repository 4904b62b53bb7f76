import { Packr } from 'msgpackr';

// What a plugin's `table_batches` holds for encoded WAL bytes, as python-runner's table_batches.from_wire builds it:
// a `bin` is unwrapped, `{table_name, columns, rows: [[value]]}` fragments become row maps, adjacent fragments of one
// table are joined. Integers come back as numbers (bigint beyond 2^53).
export function pluginTableBatches(bytes: Uint8Array): Array<{ table_name: string; rows: Array<Record<string, unknown>> }> {
  const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'auto' as 'bigint' });
  let wire = packr.unpack(bytes) as unknown;
  if (wire instanceof Uint8Array) wire = packr.unpack(wire);
  return joinFragments(wire as WireFragment[]);
}

export interface WireFragment {
  table_name: string;
  columns?: string[];
  rows: unknown[];
}

export function joinFragments(fragments: readonly WireFragment[]): Array<{ table_name: string; rows: Array<Record<string, unknown>> }> {
  const out: Array<{ table_name: string; rows: Array<Record<string, unknown>> }> = [];
  for (const f of fragments) {
    const cols = f.columns;
    const rows = cols ? f.rows.map((v) => Object.fromEntries(cols.map((c, i) => [c, (v as unknown[])[i]]))) : (f.rows as Array<Record<string, unknown>>);
    const last = out[out.length - 1];
    if (last && last.table_name === f.table_name) last.rows.push(...rows);
    else out.push({ table_name: f.table_name, rows });
  }
  return out;
}
