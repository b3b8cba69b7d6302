// The large image of the queue: fit by default, zoom with the wheel (around the cursor) or
// +/-, pan by dragging, 0 to fit again. The parent sends commands through `command`.
import { useEffect, useRef, useState, type PointerEvent, type WheelEvent } from 'react';

export type ZoomCommand = { type: 'zoomIn' | 'zoomOut' | 'fit'; nonce: number };

interface View {
  scale: number;
  x: number;
  y: number;
}

const FIT: View = { scale: 1, x: 0, y: 0 };
const MIN = 1;
const MAX = 12;

export function zoomAt(v: View, factor: number, cx: number, cy: number): View {
  const scale = Math.max(MIN, Math.min(MAX, v.scale * factor));
  if (scale === MIN) return FIT;
  const k = scale / v.scale;
  // Keep the point under the cursor fixed: p' = c - k (c - p).
  return { scale, x: cx - k * (cx - v.x), y: cy - k * (cy - v.y) };
}

export function ZoomPanImage({ src, alt, command, testId }: { src: string | null; alt: string; command: ZoomCommand | null; testId?: string }) {
  const [view, setView] = useState<View>(FIT);
  const drag = useRef<{ px: number; py: number; x: number; y: number } | null>(null);
  const [loaded, setLoaded] = useState<string | null>(null);

  useEffect(() => setView(FIT), [src]);
  useEffect(() => {
    if (!command) return;
    setView((v) => (command.type === 'fit' ? FIT : zoomAt(v, command.type === 'zoomIn' ? 1.4 : 1 / 1.4, 0, 0)));
  }, [command]);

  const onWheel = (e: WheelEvent<HTMLDivElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const cx = e.clientX - r.left - r.width / 2;
    const cy = e.clientY - r.top - r.height / 2;
    setView((v) => zoomAt(v, Math.exp(-e.deltaY * 0.0015), cx, cy));
  };
  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (view.scale === 1) return;
    e.currentTarget.setPointerCapture?.(e.pointerId);
    drag.current = { px: e.clientX, py: e.clientY, x: view.x, y: view.y };
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (d) setView((v) => ({ ...v, x: d.x + e.clientX - d.px, y: d.y + e.clientY - d.py }));
  };
  const endDrag = () => (drag.current = null);

  return (
    <div
      className={`zoom-stage ${view.scale > 1 ? 'zoomed' : ''}`}
      onWheel={onWheel}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={endDrag}
      onPointerCancel={endDrag}
      onDoubleClick={() => setView(FIT)}
      data-testid={testId}
      data-zoom={view.scale.toFixed(2)}
    >
      {src ? (
        <img
          src={src}
          alt={alt}
          draggable={false}
          className={loaded === src ? 'loaded' : ''}
          onLoad={() => setLoaded(src)}
          style={{ transform: `translate(${view.x}px, ${view.y}px) scale(${view.scale})` }}
        />
      ) : (
        <div className="muted">No preview available</div>
      )}
      <div className="zoom-readout" aria-live="polite">{Math.round(view.scale * 100)}%</div>
    </div>
  );
}
