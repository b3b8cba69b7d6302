// Multi-series line chart in plain SVG for per-cycle metrics (values 0..1, x = cycle).
export interface Series {
  key: string;
  label: string;
  color: string;
  /** One value per x position; null leaves a gap. */
  values: (number | null)[];
  emphasis?: boolean;
}

const W = 640;
const H = 240;
const PAD = { top: 14, right: 16, bottom: 30, left: 44 };

export function LineChart({ series, xLabels, title, testId }: { series: Series[]; xLabels: string[]; title: string; testId?: string }) {
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const n = Math.max(1, xLabels.length);
  const x = (i: number) => PAD.left + (n === 1 ? innerW / 2 : (i / (n - 1)) * innerW);
  const y = (v: number) => PAD.top + innerH - v * innerH;
  return (
    <figure className="line-chart">
      <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} data-testid={testId}>
        <title>{title}</title>
        {[0, 0.25, 0.5, 0.75, 1].map((t) => (
          <g key={t} className="chart-grid">
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
            <text x={PAD.left - 8} y={y(t) + 4} textAnchor="end">{`${Math.round(t * 100)}%`}</text>
          </g>
        ))}
        {xLabels.map((l, i) => (
          <text key={l} className="chart-label" x={x(i)} y={H - 8} textAnchor="middle">{l}</text>
        ))}
        {series.map((s) => (
          <g key={s.key} className={s.emphasis ? 'series emphasis' : 'series'}>
            <path d={pathFor(s.values, x, y)} stroke={s.color} fill="none" strokeWidth={s.emphasis ? 3 : 1.6} />
            {s.values.map((v, i) => (v === null ? null : (
              <circle key={i} cx={x(i)} cy={y(v)} r={s.emphasis ? 4 : 2.6} fill={s.color}>
                <title>{`${s.label}, ${xLabels[i]}: ${(v * 100).toFixed(1)}%`}</title>
              </circle>
            )))}
          </g>
        ))}
      </svg>
      <figcaption className="legend">
        {series.map((s) => (
          <span key={s.key} className="legend-item">
            <span className="swatch" style={{ background: s.color }} aria-hidden /> {s.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

function pathFor(values: (number | null)[], x: (i: number) => number, y: (v: number) => number): string {
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
    pen = true;
  });
  return d.trim();
}
