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

/** Screen pixels per image pixel when the whole image is fitted into the stage. */
export function fitScale(stage: { width: number; height: number }, natural: { width: number; height: number }): number {
  if (!natural.width || !natural.height || !stage.width || !stage.height) return 0;
  return Math.min(stage.width / natural.width, stage.height / natural.height);
}

export function ZoomPanImage({ src, alt, command, testId }: { src: string | null; alt: string; command: ZoomCommand | null; testId?: string }) {
  const [view, setView] = useState<View>(FIT);
  const drag = useRef<{ px: number; py: number; x: number; y: number } | null>(null);
  const [loaded, setLoaded] = useState<string | null>(null);
  const stageRef = useRef<HTMLDivElement | null>(null);
  const [stage, setStage] = useState({ width: 0, height: 0 });
  const [natural, setNatural] = useState({ width: 0, height: 0 });
  // The badge shows the true magnification (screen pixels per image pixel), not "100%" for fit.
  useEffect(() => {
    const el = stageRef.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => setStage({ width: el.clientWidth, height: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const realZoom = fitScale(stage, natural) * view.scale;

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
      ref={stageRef}
      data-testid={testId}
      data-zoom={view.scale.toFixed(2)}
      data-real-zoom={realZoom.toFixed(3)}
    >
      {src ? (
        <img
          src={src}
          alt={alt}
          draggable={false}
          className={loaded === src ? 'loaded' : ''}
          onLoad={(e) => {
            setLoaded(src);
            setNatural({ width: e.currentTarget.naturalWidth, height: e.currentTarget.naturalHeight });
          }}
          style={{ transform: `translate(${view.x}px, ${view.y}px) scale(${view.scale})` }}
        />
      ) : (
        <div className="muted">No preview available</div>
      )}
      <div className="zoom-readout" aria-live="polite" title="Screen pixels per image pixel">
        {view.scale === 1 ? 'Fit · ' : ''}
        {realZoom > 0 ? `${Math.round(realZoom * 100)}%` : `${Math.round(view.scale * 100)}%`}
      </div>
    </div>
  );
}
