import type { WriteRow } from '../types.js';

// Newest distinct row times kept per series: enough for `ORDER BY time DESC LIMIT n` up to this n.
export const NEWEST_TIMES = 10;

// The times the index knows of one series (one tag set of a table).
export interface SeriesTimes {
  // Tag name → value, only the tags the series has.
  tags: Map<string, string>;
  // Newest distinct row times, newest first, at most NEWEST_TIMES.
  newest: bigint[];
  // Per field: [newest, oldest] time at which it has a value; oldest is null once a retention cut made it unknown.
  fields: Map<string, [bigint, bigint | null]>;
}

// The key of a row's series: its tags by name (rows usually carry them sorted already).
export function seriesKey(tags: ReadonlyArray<readonly [string, string]>): string {
  let sorted = true;
  for (let i = 1; i < tags.length; i++) if (tags[i - 1]![0] > tags[i]![0]) sorted = false;
  const list = sorted ? tags : [...tags].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  let key = '';
  for (const [k, v] of list) key += `${k}\u0000${v}\u0001`;
  return key;
}

export function newSeries(tags: Iterable<readonly [string, string]>): SeriesTimes {
  return { tags: new Map(tags), newest: [], fields: new Map() };
}

// Adds `time` to a newest-first list of distinct times capped at NEWEST_TIMES.
export function addNewest(list: bigint[], time: bigint): void {
  if (list.length === 0 || time > list[0]!) {
    list.unshift(time);
    if (list.length > NEWEST_TIMES) list.pop();
    return;
  }
  let i = 0;
  while (i < list.length && list[i]! > time) i++;
  if (i >= NEWEST_TIMES || list[i] === time) return;
  list.splice(i, 0, time);
  if (list.length > NEWEST_TIMES) list.pop();
}

// Records a field value at `time`.
export function addField(s: SeriesTimes, field: string, time: bigint): void {
  const e = s.fields.get(field);
  if (!e) s.fields.set(field, [time, time]);
  else {
    if (time > e[0]) e[0] = time;
    if (e[1] !== null && time < e[1]) e[1] = time;
  }
}

export function addRow(s: SeriesTimes, row: WriteRow): void {
  addNewest(s.newest, row.time);
  for (const f of row.fields) addField(s, f.key, row.time);
}

// Retention removed every row before `cutoffNs`: drops the times that went; false when an oldest time became unknown.
export function cutBefore(s: SeriesTimes, cutoffNs: bigint): boolean {
  let known = true;
  while (s.newest.length > 0 && s.newest[s.newest.length - 1]! < cutoffNs) s.newest.pop();
  for (const [name, e] of s.fields) {
    if (e[0] < cutoffNs) s.fields.delete(name);
    else if (e[1] !== null && e[1] < cutoffNs) {
      e[1] = null;
      known = false;
    }
  }
  return known;
}
