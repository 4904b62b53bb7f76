// A time-series chart of a result (uPlot: drag to zoom, double-click to reset, values on hover in the legend).
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { ChartData } from './series.js';

const COLORS = ['#1d4ed8', '#b91c1c', '#047857', '#a16207', '#7e22ce', '#0e7490', '#be185d', '#4d7c0f'];

export function Chart({ data }: { data: ChartData }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const host = el.current!;
    const plot = new uPlot({
      width: Math.max(300, host.clientWidth),
      height: 280,
      series: [{ label: 'time' }, ...data.series.map((s, i) => ({ label: s.label, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: true }))],
      axes: [{}, {}],
      cursor: { drag: { x: true, y: false } },
    }, [data.xs, ...data.series.map((s) => s.values)] as uPlot.AlignedData, host);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(300, host.clientWidth), height: 280 }));
    resize.observe(host);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data]);
  return <figure class="chart" aria-label="Time-series chart of the result"><div ref={el} /></figure>;
}
