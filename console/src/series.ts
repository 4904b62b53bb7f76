// Turns query rows into chart series: x = `time`, one line per numeric column and tag set (the string columns of
// the row). Pure, so it is tested without a browser (console/test/series.test.ts).
import type { Row } from './api.js';
import { TimeSlicer } from './slice.js';

export interface ChartData {
  // Seconds since the epoch, ascending (uPlot's x axis).
  xs: number[];
  series: Array<{ label: string; values: Array<number | null> }>;
  // True when more rows than maxPoints were reduced to the min and max of each interval.
  decimated: boolean;
}

export function columnsOf(rows: readonly Row[]): string[] {
  const seen = new Set<string>();
  for (const r of rows.slice(0, 1000)) for (const k of Object.keys(r)) seen.add(k);
  for (const r of rows.length > 1000 ? [rows[rows.length - 1]!] : []) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

function seconds(v: unknown): number | null {
  if (typeof v === 'number') return v / 1e9;
  if (typeof v !== 'string') return null;
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
  if (Number.isNaN(ms)) return null;
  // Keep sub-millisecond digits, which Date.parse drops.
  const frac = /\.(\d{4,9})/.exec(v);
  return frac ? Math.floor(ms / 1000) + Number(`0.${frac[1]}`) : ms / 1000;
}

// null when the rows cannot be charted: no `time` column or no numeric column.
export async function toChartData(rows: readonly Row[], maxSeries = 50, maxPoints = 4000): Promise<ChartData | null> {
  if (rows.length === 0) return null;
  const columns = columnsOf(rows);
  if (!columns.includes('time')) return null;
  const numeric = columns.filter((c) => c !== 'time' && rows.some((r) => typeof r[c] === 'number'));
  if (numeric.length === 0) return null;
  const tags = columns.filter((c) => c !== 'time' && !numeric.includes(c) && rows.some((r) => typeof r[c] === 'string'));
  const slicer = new TimeSlicer();
  const xsSet = new Set<number>();
  const points = new Map<string, Map<number, number>>();
  for (const r of rows) {
    if (slicer.due) await slicer.pause();
    const x = seconds(r.time);
    if (x === null) continue;
    xsSet.add(x);
    const tagSet = tags.filter((t) => r[t] !== undefined && r[t] !== null).map((t) => `${t}=${String(r[t])}`).join(',');
    for (const c of numeric) {
      const v = r[c];
      if (typeof v !== 'number') continue;
      const label = tagSet ? `${c} {${tagSet}}` : c;
      let line = points.get(label);
      if (!line) {
        if (points.size >= maxSeries) continue;
        line = new Map();
        points.set(label, line);
      }
      line.set(x, v);
    }
  }
  if (points.size === 0) return null;
  // A typed array sorts numbers natively, many times faster than Array.prototype.sort with a comparator.
  const xs = Array.from(Float64Array.from(xsSet).sort());
  if (slicer.due) await slicer.pause();
  const series: ChartData['series'] = [];
  for (const [label, line] of points) {
    const values: Array<number | null> = new Array(xs.length);
    for (let i = 0; i < xs.length; i++) {
      values[i] = line.get(xs[i]!) ?? null;
      if (slicer.due) await slicer.pause();
    }
    series.push({ label, values });
  }
  return xs.length > maxPoints ? decimate({ xs, series, decimated: true }, maxPoints, slicer) : { xs, series, decimated: false };
}

// A chart a few thousand pixels wide cannot show more points: each of maxPoints/2 intervals keeps its first and last
// time with the minimum and the maximum of each series there, so peaks and troughs stay visible.
export async function decimate(data: ChartData, maxPoints: number, slicer = new TimeSlicer()): Promise<ChartData> {
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const n = data.xs.length;
  const xs: number[] = [];
  const series = data.series.map((s) => ({ label: s.label, values: [] as Array<number | null> }));
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    if (to <= from) continue;
    if (slicer.due) await slicer.pause();
    xs.push(data.xs[from]!);
    if (to - 1 > from) xs.push(data.xs[to - 1]!);
    data.series.forEach((s, i) => {
      let min: number | null = null;
      let max: number | null = null;
      for (let k = from; k < to; k++) {
        const v = s.values[k];
        if (v === null || v === undefined) continue;
        if (min === null || v < min) min = v;
        if (max === null || v > max) max = v;
      }
      series[i]!.values.push(min);
      if (to - 1 > from) series[i]!.values.push(max);
    });
  }
  return { xs, series, decimated: true };
}

export function formatCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
