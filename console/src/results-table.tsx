// Query results as a virtualized table: only the visible rows are in the DOM, so 100k rows scroll smoothly.
import { useEffect, useRef, useState } from 'preact/hooks';
import { Virtualizer, elementScroll, observeElementOffset, observeElementRect } from '@tanstack/virtual-core';
import type { Row } from './api.js';
import { formatCell } from './series.js';

const ROW_HEIGHT = 24;

export function ResultsTable({ rows, columns }: { rows: Row[]; columns: string[] }) {
  const scroller = useRef<HTMLDivElement>(null);
  const [, setTick] = useState(0);
  const virtualizer = useRef<Virtualizer<HTMLDivElement, Element> | null>(null);
  if (virtualizer.current === null) {
    virtualizer.current = new Virtualizer<HTMLDivElement, Element>({
      count: rows.length,
      getScrollElement: () => scroller.current,
      estimateSize: () => ROW_HEIGHT,
      overscan: 10,
      scrollToFn: elementScroll,
      observeElementRect,
      observeElementOffset,
      onChange: () => setTick((t) => t + 1),
    });
  }
  const v = virtualizer.current;
  v.setOptions({ ...v.options, count: rows.length });
  useEffect(() => v._didMount(), []);
  useEffect(() => {
    v._willUpdate();
  });
  useEffect(() => {
    scroller.current?.scrollTo({ top: 0 });
  }, [rows]);
  const template = columns.map(() => 'minmax(8rem, 1fr)').join(' ');
  return (
    <div class="results" role="table" aria-label="Query results" aria-rowcount={rows.length + 1}>
      <div role="rowgroup">
        <div class="results-head" role="row" style={{ gridTemplateColumns: template }}>
          {columns.map((c) => <div role="columnheader" key={c}>{c}</div>)}
        </div>
      </div>
      <div class="results-body" ref={scroller} tabIndex={0} role="rowgroup" aria-label="Result rows">
        <div role="presentation" style={{ height: `${v.getTotalSize()}px`, position: 'relative' }}>
          {v.getVirtualItems().map((item) => {
            const row = rows[item.index]!;
            return (
              <div role="row" aria-rowindex={item.index + 2} class="results-row" key={item.key}
                style={{ transform: `translateY(${item.start}px)`, gridTemplateColumns: template }}>
                {columns.map((c) => <div role="cell" key={c}>{formatCell(row[c])}</div>)}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
