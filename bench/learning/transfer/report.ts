/** The transfer experiment's tables from its run records (run.ts). */
export interface RunRecord {
  arm: string;
  labels: number;
  seed: number;
  accuracy: number;
  balancedAccuracy: number;
  interval: [number, number] | null;
  perClassRecall: number[];
  seconds: number;
}

const pct = (x: number) => (x * 100).toFixed(1);

function meanStd(xs: number[]): string {
  if (xs.length === 0) return 'n/a';
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : 0;
  return `${pct(m)} ± ${pct(sd)}`;
}

export function report(runs: RunRecord[], o: { arms: string[]; budgets: number[]; seeds: number[]; importGap: number; backend: string; sha256: string }): string {
  const cell = (arm: string, n: number) => runs.filter((r) => r.arm === arm && r.labels === n && o.seeds.includes(r.seed));
  const lines = [
    `Balanced accuracy (%) on RetinaMNIST's test split (400 images), mean ± std over seeds ${o.seeds.join(', ')}:`,
    '',
    `| arm | ${o.budgets.map((n) => `${n} labels`).join(' | ')} |`,
    `|---|${o.budgets.map(() => '---').join('|')}|`,
    ...o.arms.map((arm) => `| ${arm} | ${o.budgets.map((n) => `${meanStd(cell(arm, n).map((r) => r.balancedAccuracy))} (n=${cell(arm, n).length})`).join(' | ')} |`),
    '',
    'Each run with its 95% interval (per-class Jeffreys posteriors, core/intervals.ts), balanced / plain accuracy:',
    '',
    `| arm | labels | ${o.seeds.map((s) => `seed ${s}`).join(' | ')} |`,
    `|---|---|${o.seeds.map(() => '---').join('|')}|`,
    ...o.arms.flatMap((arm) =>
      o.budgets.map((n) => `| ${arm} | ${n} | ${o.seeds.map((s) => {
        const r = runs.find((x) => x.arm === arm && x.labels === n && x.seed === s);
        return r ? `${pct(r.balancedAccuracy)} [${r.interval?.map(pct).join('-') ?? 'n/a'}] / ${pct(r.accuracy)}` : 'not run';
      }).join(' | ')} |`),
    ),
    '',
    `Backbone sha256 ${o.sha256.slice(0, 16)}…; the TF.js and ONNX files' features agree to ${o.importGap.toExponential(1)}. Engine: ${o.backend}.`,
    '',
  ];
  return lines.join('\n');
}
