// Turns query rows into chart series: x = `time`, one line per numeric column and tag set (the string columns of
// the row). Pure, so it is tested without a browser (console/test/series.test.ts).
import type { Row } from './api.js';

export interface ChartData {
  // Seconds since the epoch, ascending (uPlot's x axis).
  xs: number[];
  series: Array<{ label: string; values: Array<number | null> }>;
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
export function toChartData(rows: readonly Row[], maxSeries = 50): ChartData | null {
  if (rows.length === 0) return null;
  const columns = columnsOf(rows);
  if (!columns.includes('time')) return null;
  const numeric = columns.filter((c) => c !== 'time' && rows.some((r) => typeof r[c] === 'number'));
  if (numeric.length === 0) return null;
  const tags = columns.filter((c) => c !== 'time' && !numeric.includes(c) && rows.some((r) => typeof r[c] === 'string'));
  const xsSet = new Set<number>();
  const points = new Map<string, Map<number, number>>();
  for (const r of rows) {
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
  const xs = [...xsSet].sort((a, b) => a - b);
  const series = [...points.entries()].map(([label, line]) => ({ label, values: xs.map((x) => line.get(x) ?? null) }));
  return { xs, series };
}

export function formatCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
