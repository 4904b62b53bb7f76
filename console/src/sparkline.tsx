// A trigger's calls (blue) and errors (red) per minute over the last hour, as a small SVG (attributes and classes
// only: the page's Content-Security-Policy allows no inline style).
import type { ActivityPoint } from './engine-api.js';
import { sparkPoints } from './engine-format.js';

const W = 72;
const H = 24;

export function Sparkline({ points }: { points: ActivityPoint[] }) {
  const calls = points.map((p) => p.calls);
  const errors = points.map((p) => p.errors);
  const max = Math.max(1, ...calls);
  const totalCalls = calls.reduce((a, b) => a + b, 0);
  const totalErrors = errors.reduce((a, b) => a + b, 0);
  const label = `last hour: ${totalCalls} calls, ${totalErrors} errors`;
  return (
    <svg class="spark" viewBox={`0 -1 ${W} ${H + 2}`} width={W} height={H} role="img" aria-label={label} data-calls={totalCalls} data-errors={totalErrors}>
      <title>{label}</title>
      <line class="spark-base" x1="0" y1={H} x2={W} y2={H} />
      {points.length > 0 && <polyline class="spark-calls" points={sparkPoints(calls, W, H, max)} />}
      {totalErrors > 0 && <polyline class="spark-errors" points={sparkPoints(errors, W, H, max)} />}
    </svg>
  );
}
