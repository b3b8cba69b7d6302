// A windowed grid: only the rows in view (plus a little overscan) are in the DOM, so tens
// of thousands of samples scroll smoothly. Cells are square-ish with a fixed row height.
import { useEffect, useRef, useState, type ReactNode } from 'react';

export interface VirtualGridProps {
  count: number;
  minCellWidth: number;
  rowHeight: number;
  gap?: number;
  overscanRows?: number;
  renderCell(index: number): ReactNode;
  label: string;
}

export function gridWindow(opts: { count: number; width: number; height: number; scrollTop: number; minCellWidth: number; rowHeight: number; gap: number; overscanRows: number }) {
  const columns = Math.max(1, Math.floor((opts.width + opts.gap) / (opts.minCellWidth + opts.gap)));
  const rows = Math.ceil(opts.count / columns);
  const stride = opts.rowHeight + opts.gap;
  const firstRow = Math.max(0, Math.floor(opts.scrollTop / stride) - opts.overscanRows);
  const lastRow = Math.min(rows - 1, Math.ceil((opts.scrollTop + opts.height) / stride) + opts.overscanRows);
  return { columns, rows, stride, firstRow, lastRow, totalHeight: Math.max(0, rows * stride - opts.gap) };
}

export function VirtualGrid({ count, minCellWidth, rowHeight, gap = 12, overscanRows = 3, renderCell, label }: VirtualGridProps) {
  const ref = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 1000, height: 800 });
  const [scrollTop, setScrollTop] = useState(0);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setSize({ width: el.clientWidth || 1000, height: el.clientHeight || 800 });
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const w = gridWindow({ count, width: size.width, height: size.height, scrollTop, minCellWidth, rowHeight, gap, overscanRows });
  const cellWidth = (size.width - gap * (w.columns - 1)) / w.columns;
  const cells: ReactNode[] = [];
  for (let r = w.firstRow; r <= w.lastRow; r++) {
    for (let c = 0; c < w.columns; c++) {
      const i = r * w.columns + c;
      if (i >= count) break;
      cells.push(
        <div key={i} className="vgrid-cell" role="gridcell" style={{ top: r * w.stride, left: c * (cellWidth + gap), width: cellWidth, height: rowHeight }}>
          {renderCell(i)}
        </div>,
      );
    }
  }
  return (
    <div ref={ref} className="vgrid" role="grid" aria-label={label} aria-rowcount={w.rows} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
      <div className="vgrid-inner" style={{ height: w.totalHeight }}>{cells}</div>
    </div>
  );
}
