// Horizontal-axis bar chart in plain SVG: one bar per class and an optional dashed reference
// line (the equal quota). Scales to its container through the viewBox.
export interface Bar {
  key: string;
  label: string;
  value: number;
  color: string;
}

// Drawn wide: the chart spans the dashboard, so text stays near its CSS size.
const W = 1000;
const H = 280;
const PAD = { top: 22, right: 16, bottom: 34, left: 40 };

export function BarChart({ bars, reference, referenceLabel, title, testId }: { bars: Bar[]; reference?: number; referenceLabel?: string; title: string; testId?: string }) {
  const max = Math.max(1, reference ?? 0, ...bars.map((b) => b.value));
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1]!;
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const slot = innerW / Math.max(1, bars.length);
  const bw = Math.min(48, slot * 0.6);
  const y = (v: number) => PAD.top + innerH - (v / top) * innerH;
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} data-testid={testId}>
      <title>{title}</title>
      {ticks.map((t) => (
        <g key={t} className="chart-grid">
          <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
          <text x={PAD.left - 8} y={y(t) + 4} textAnchor="end">{t}</text>
        </g>
      ))}
      {bars.map((b, i) => {
        const x = PAD.left + slot * i + (slot - bw) / 2;
        return (
          <g key={b.key} data-bar={b.key} data-value={b.value}>
            <rect x={x} y={y(b.value)} width={bw} height={Math.max(0, y(0) - y(b.value))} rx={3} fill={b.color}>
              <title>{`${b.label}: ${b.value}`}</title>
            </rect>
            <text className="chart-value" x={x + bw / 2} y={y(b.value) - 5} textAnchor="middle">{b.value}</text>
            <text className="chart-label" x={x + bw / 2} y={H - PAD.bottom + 20} textAnchor="middle">{b.key}</text>
          </g>
        );
      })}
      {reference !== undefined && reference > 0 && (
        <g className="chart-reference">
          <line x1={PAD.left} x2={W - PAD.right} y1={y(reference)} y2={y(reference)} />
          <text x={W - PAD.right} y={y(reference) - 6} textAnchor="end">{referenceLabel ?? `quota ${reference}`}</text>
        </g>
      )}
      <line className="chart-axis" x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} />
    </svg>
  );
}

export function niceTicks(max: number): number[] {
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const stepInt = max <= 4 ? 1 : Math.max(1, step);
  const out: number[] = [];
  for (let t = 0; t < max + stepInt; t += stepInt) out.push(Math.round(t * 100) / 100);
  return out;
}
