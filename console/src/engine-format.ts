// How the Processing Engine pages show what the system tables hold: times, durations, bytes, a trigger's state in
// words, and the sparkline geometry. Pure, tested in console/test/engine-format.test.ts.
import { formatBytes } from './metrics.js';

// The query API prints timestamps as UTC without a zone (`2026-12-07T20:50:01.123456789`); epoch ms, or null.
export function parseTimestamp(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value === '') return null;
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$/.exec(value.trim());
  if (!m) return null;
  const ms = Date.parse(`${m[1]}${m[2] ? `.${m[2].slice(0, 3).padEnd(3, '0')}` : ''}${m[3] ?? 'Z'}`);
  return Number.isNaN(ms) ? null : ms;
}

// `HH:MM:SS.mmm` of a UTC instant, for log lines.
export function clockText(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return ms >= 10 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(2)} ms`;
}

export const formatRss = (bytes: number | null): string => (bytes === null ? '—' : formatBytes(bytes));

export type StateTone = 'ok' | 'off' | 'wait' | 'bad';

// The engine's states (running, starting, idle, disabled, failed, waiting-for-environment, engine-disabled) as the
// list shows them: running / disabled / waiting / error, with the reason when there is one; a running trigger whose
// calls fail (recentErrors: errors in its last minutes) is `running, failing`.
export function stateView(state: string, reason: string | null, recentErrors = false): { label: string; tone: StateTone; reason: string | null } {
  switch (state) {
    case 'running':
    case 'idle':
      return recentErrors ? { label: `${state}, failing`, tone: 'bad', reason: null } : { label: state, tone: 'ok', reason: null };
    case 'starting':
      return { label: 'starting', tone: 'wait', reason: null };
    case 'disabled':
    case 'engine-disabled':
      return { label: 'disabled', tone: 'off', reason: reason ?? (state === 'engine-disabled' ? 'the server runs without a plugin directory' : null) };
    case 'waiting-for-environment':
      return { label: 'waiting', tone: 'wait', reason };
    case 'failed':
      return { label: 'error', tone: 'bad', reason };
    default:
      return { label: state, tone: 'wait', reason };
  }
}

// Whether the last `minutes` minutes of activity hold an error.
export function hasRecentErrors(points: ReadonlyArray<{ errors: number }>, minutes = 2): boolean {
  return points.slice(-minutes).some((p) => p.errors > 0);
}

// SVG polyline points for values over a w×h box (y grows down), scaled to `max` (≥ 1 so that zeros lie flat).
export function sparkPoints(values: readonly number[], w: number, h: number, max: number): string {
  if (values.length === 0) return '';
  const top = Math.max(1, max);
  const step = values.length > 1 ? w / (values.length - 1) : 0;
  return values.map((v, i) => `${round(i * step)},${round(h - (Math.max(0, v) / top) * h)}`).join(' ');
}

const round = (n: number): number => Math.round(n * 10) / 10;
