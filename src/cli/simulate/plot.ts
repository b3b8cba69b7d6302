/**
 * SVG line plots, no dependencies: test accuracy, minority-class recall and the minority
 * classes' share of the labeled set against the labeled fraction, one line per strategy
 * (mean over seeds, whiskers = +- 1 std), side by side.
 */
import { type StrategyRow } from './summary';

const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#17becf', '#bcbd22'];

const NONE = { mean: NaN, std: NaN, n: 0 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

interface Panel {
  title: string;
  pick: (r: StrategyRow, i: number) => { mean: number; std: number; n: number };
}

export function comparisonSvg(rows: readonly StrategyRow[], title: string): string {
  const panels: Panel[] = [
    { title: 'test accuracy (%)', pick: (r, i) => r.byFraction[i]?.accuracy ?? NONE },
    { title: 'minority-class recall (%)', pick: (r, i) => r.byFraction[i]?.minority ?? NONE },
    { title: 'minority share of the labeled set (%)', pick: (r, i) => r.minorityShare[i] ?? NONE },
  ];
  const W = 400;
  const H = 340;
  const m = { l: 52, r: 14, t: 52, b: 46 };
  const legendH = 22 * Math.ceil(rows.length / 4);
  const width = W * panels.length;
  const height = H + legendH + 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  const fractions = [...new Set(rows.flatMap((r) => r.byFraction.map((b) => b.fraction)))].sort((a, b) => a - b);
  const x0 = fractions[0] ?? 0;
  const x1 = fractions[fractions.length - 1] ?? 1;
  panels.forEach((p, pi) => {
    const ox = pi * W;
    const vals = rows.flatMap((r) => r.byFraction.map((_, i) => p.pick(r, i)).filter((v) => v.n > 0).flatMap((v) => [v.mean - v.std, v.mean + v.std]));
    let lo = Math.min(...vals);
    let hi = Math.max(...vals);
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
      lo = 0;
      hi = 1;
    }
    const pad = Math.max(0.01, (hi - lo) * 0.08);
    lo = Math.max(0, lo - pad);
    hi = Math.min(1, hi + pad);
    const sx = (f: number) => ox + m.l + ((f - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
    const sy = (v: number) => m.t + (1 - (v - lo) / (hi - lo || 1)) * (H - m.t - m.b);
    parts.push(`<text x="${ox + W / 2}" y="${m.t - 8}" text-anchor="middle">${esc(p.title)}</text>`);
    parts.push(`<rect x="${ox + m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#444"/>`);
    for (let i = 0; i <= 5; i++) {
      const v = lo + ((hi - lo) * i) / 5;
      parts.push(`<line x1="${ox + m.l}" x2="${ox + W - m.r}" y1="${sy(v).toFixed(1)}" y2="${sy(v).toFixed(1)}" stroke="#ddd"/>`);
      parts.push(`<text x="${ox + m.l - 6}" y="${(sy(v) + 4).toFixed(1)}" text-anchor="end">${(100 * v).toFixed(1)}</text>`);
    }
    for (const f of fractions) parts.push(`<text x="${sx(f).toFixed(1)}" y="${H - m.b + 16}" text-anchor="middle">${Math.round(f * 100)}%</text>`);
    parts.push(`<text x="${ox + W / 2}" y="${H - 8}" text-anchor="middle">labeled fraction</text>`);
    rows.forEach((r, ri) => {
      const color = COLORS[ri % COLORS.length] as string;
      const pts = r.byFraction.map((b, i) => ({ f: b.fraction, v: p.pick(r, i) })).filter((q) => q.v.n > 0);
      if (pts.length === 0) return;
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((q) => `${sx(q.f).toFixed(1)},${sy(q.v.mean).toFixed(1)}`).join(' ')}"/>`);
      for (const q of pts) {
        if (q.v.std > 0) parts.push(`<line x1="${sx(q.f).toFixed(1)}" x2="${sx(q.f).toFixed(1)}" y1="${sy(q.v.mean - q.v.std).toFixed(1)}" y2="${sy(q.v.mean + q.v.std).toFixed(1)}" stroke="${color}"/>`);
        parts.push(`<circle cx="${sx(q.f).toFixed(1)}" cy="${sy(q.v.mean).toFixed(1)}" r="3" fill="${color}"/>`);
      }
    });
  });
  rows.forEach((r, ri) => {
    const color = COLORS[ri % COLORS.length] as string;
    const x = 20 + (ri % 4) * (width / 4);
    const y = H + 8 + Math.floor(ri / 4) * 22;
    parts.push(`<line x1="${x}" x2="${x + 22}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="3"/>`);
    parts.push(`<text x="${x + 28}" y="${y + 4}">${esc(`${r.strategy} (n=${r.complete}/${r.seeds.length})`)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
