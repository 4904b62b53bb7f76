// A trigger's specification in the words a user types (`every:1s`, `table:cpu`, `cron:…`, `request:path`,
// `all_tables`), from the serde JSON the engine's system table shows. Anything else is shown as it is.

function durationWords(secs: number, nanos: number): string {
  if (nanos === 0) {
    for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) {
      if (secs > 0 && secs % size === 0) return `${secs / size}${unit}`;
    }
    return `${secs}s`;
  }
  const ns = secs * 1e9 + nanos;
  return ns % 1e6 === 0 ? `${ns / 1e6}ms` : ns % 1e3 === 0 ? `${ns / 1e3}us` : `${ns}ns`;
}

export function specWords(serde: string): string {
  let spec: unknown;
  try {
    spec = JSON.parse(serde);
  } catch {
    return serde;
  }
  if (spec === 'all_tables_wal_write') return 'all_tables';
  if (spec === null || typeof spec !== 'object') return serde;
  const s = spec as Record<string, any>;
  if (typeof s.single_table_wal_write?.table_name === 'string') return `table:${s.single_table_wal_write.table_name}`;
  if (typeof s.schedule?.schedule === 'string') return `cron:${s.schedule.schedule}`;
  if (typeof s.request_path?.path === 'string') return `request:${s.request_path.path}`;
  const d = s.every?.duration;
  if (typeof d?.secs === 'number' && typeof d?.nanos === 'number') return `every:${durationWords(d.secs, d.nanos)}`;
  return serde;
}
