import type { FillMode } from './ast.js';
import { influxqlError } from './errors.js';
import type { Transform } from './select-plan.js';

// A result row: time in nanoseconds first, then one value per output column.
export type Row = [bigint, ...unknown[]];

// The most windows one series may span; past this the query is refused instead of exhausting memory.
export const MAX_WINDOWS = 1_000_000;

function interpolate(a: unknown, b: unknown, num: bigint, den: bigint): unknown {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a + ((b - a) * num) / den;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    return Number(a) + ((Number(b) - Number(a)) * Number(num)) / Number(den);
  }
  return null;
}

/**
 * Every window from `start` to `end` (window starts, inclusive) for one series, with fill applied
 * per column as InfluxQL does: null (count reads 0), a number, the previous value, or linear
 * interpolation between the neighbouring non-null windows. fill(none) keeps only windows with data.
 */
export function fillWindows(rows: Row[], start: bigint, end: bigint, step: bigint, fill: FillMode, countCols: boolean[]): Row[] {
  if (fill.mode === 'none') return rows;
  if (end < start) return rows;
  const count = (end - start) / step + 1n;
  if (count > BigInt(MAX_WINDOWS)) {
    throw influxqlError(`InfluxQL: GROUP BY time() over this time range gives ${count} windows (at most ${MAX_WINDOWS}); use a larger interval or a narrower time range`);
  }
  const byTime = new Map<bigint, Row>();
  for (const r of rows) byTime.set(r[0], r);
  const width = countCols.length;
  const out: Row[] = [];
  for (let t = start; t <= end; t += step) {
    const r = byTime.get(t);
    out.push(r ? ([...r] as Row) : ([t, ...new Array<unknown>(width).fill(null)] as Row));
  }
  for (let c = 1; c <= width; c++) {
    const isInt = out.some((r) => typeof r[c] === 'bigint');
    if (fill.mode === 'null') {
      if (countCols[c - 1]) for (const r of out) if (r[c] === null) r[c] = 0n;
    } else if (fill.mode === 'value') {
      const v = fill.integer && isInt ? BigInt(fill.value) : fill.value;
      for (const r of out) if (r[c] === null) r[c] = v;
    } else if (fill.mode === 'previous') {
      let prev: unknown = null;
      for (const r of out) {
        if (r[c] === null) r[c] = prev;
        else prev = r[c];
      }
    } else if (fill.mode === 'linear') {
      let last = -1;
      for (let i = 0; i < out.length; i++) {
        if (out[i]![c] === null) continue;
        if (last >= 0 && i - last > 1) {
          const a = out[last]!;
          const b = out[i]!;
          for (let k = last + 1; k < i; k++) out[k]![c] = interpolate(a[c], b[c], out[k]![0] - a[0], b[0] - a[0]);
        }
        last = i;
      }
    }
  }
  return out;
}

function num(v: unknown, fn: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw influxqlError(`unsupported ${fn} iterator type: ${typeof v === 'string' ? 'string' : 'boolean'}`);
}

/** A transformation over one series' non-null points in time order; returns the points it emits. */
export function applyTransform(points: Array<[bigint, unknown]>, t: Transform): Array<[bigint, unknown]> {
  const out: Array<[bigint, unknown]> = [];
  switch (t.name) {
    case 'derivative':
    case 'non_negative_derivative':
      for (let i = 1; i < points.length; i++) {
        const [t0, v0] = points[i - 1]!;
        const [t1, v1] = points[i]!;
        if (t1 === t0) continue;
        const d = (num(v1, t.name) - num(v0, t.name)) / (Number(t1 - t0) / Number(t.unitNs));
        if (t.name === 'non_negative_derivative' && d < 0) continue;
        out.push([t1, d]);
      }
      return out;
    case 'difference':
    case 'non_negative_difference':
      for (let i = 1; i < points.length; i++) {
        const a = points[i - 1]![1];
        const b = points[i]![1];
        const d = typeof a === 'bigint' && typeof b === 'bigint' ? b - a : num(b, t.name) - num(a, t.name);
        if (t.name === 'non_negative_difference' && d < 0) continue;
        out.push([points[i]![0], d]);
      }
      return out;
    case 'cumulative_sum': {
      let sum: number | bigint | undefined;
      for (const [time, v] of points) {
        if (typeof v === 'bigint' && (sum === undefined || typeof sum === 'bigint')) sum = (sum ?? 0n) + v;
        else sum = Number(sum ?? 0) + num(v, t.name);
        out.push([time, sum]);
      }
      return out;
    }
    case 'moving_average': {
      let acc = 0;
      for (let i = 0; i < points.length; i++) {
        acc += num(points[i]![1], t.name);
        if (i >= t.n) acc -= num(points[i - t.n]![1], t.name);
        if (i >= t.n - 1) out.push([points[i]![0], acc / t.n]);
      }
      return out;
    }
  }
}

/**
 * Replaces transform columns by their output (null where a transform emits nothing); when every
 * column is a transform, rows without any output are dropped, as InfluxQL emits only computed points.
 */
export function applyTransforms(rows: Row[], transforms: Array<Transform | undefined>): Row[] {
  if (!transforms.some((t) => t)) return rows;
  transforms.forEach((t, i) => {
    if (!t) return;
    const c = i + 1;
    const points = rows.filter((r) => r[c] !== null && r[c] !== undefined).map((r) => [r[0], r[c]] as [bigint, unknown]);
    const result = new Map(applyTransform(points, t));
    for (const r of rows) r[c] = result.has(r[0]) ? result.get(r[0]) : null;
  });
  if (transforms.every((t) => t)) return rows.filter((r) => r.slice(1).some((v) => v !== null));
  return rows;
}
