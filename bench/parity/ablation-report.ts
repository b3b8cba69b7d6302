/**
 * Issue 14's training-side ablations: each run flips one setting of the fixed protocol back
 * (bench/parity/ablation/<factor>-seed<s>, cycles 5-15%), set beside the fixed protocol itself
 * (bench/parity/runs/fairfal-seed<s>, its first three cycles) and the official code's runs.
 * Per factor, mean over the seeds present: the class histogram of the two queries (after the
 * 5% and 10% cycles), the nv share of it, and balanced accuracy at 10% and 15%.
 *   node --import tsx bench/parity/ablation-report.ts
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRunLog } from '../../src/cli/simulate/run-files';

const CLASSES = ['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc'];
const base = join('bench', 'parity');

interface Point {
  queried: number[];
  bal10: number;
  bal15: number;
}

function fromOurLog(dir: string): Point | null {
  if (!existsSync(join(dir, 'log.jsonl'))) return null;
  const { cycles } = readRunLog(join(dir, 'log.jsonl'));
  if (cycles.length < 3) return null;
  const queried = CLASSES.map((_, j) =>
    cycles.slice(0, 2).reduce((s, c) => s + c.clients.reduce((t, k) => t + ((k.queriedHistogram ?? [])[j] ?? 0), 0), 0),
  );
  return { queried, bal10: (cycles[1] as { balancedAccuracy: number }).balancedAccuracy, bal15: (cycles[2] as { balancedAccuracy: number }).balancedAccuracy };
}

function fromOfficial(file: string): Point | null {
  if (!existsSync(file)) return null;
  const j = JSON.parse(readFileSync(file, 'utf8')) as { cycles: { balancedAccuracy: number; queriedHistogram: number[] | null }[] };
  if (j.cycles.length < 3) return null;
  const q = [j.cycles[1]?.queriedHistogram, j.cycles[2]?.queriedHistogram];
  if (q.some((h) => !h)) return null;
  return { queried: CLASSES.map((_, c) => (q[0] as number[])[c]! + (q[1] as number[])[c]!), bal10: j.cycles[1]!.balancedAccuracy, bal15: j.cycles[2]!.balancedAccuracy };
}

const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const pct = (v: number) => (100 * v).toFixed(1);

const nvShare = (p: Point) => (p.queried[5] as number) / p.queried.reduce((s, v) => s + v, 0);
const signed = (v: number) => `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)}`;

/** `reference`: the fixed protocol's points, to difference the same seeds (paired). */
function row(name: string, points: { seed: number; p: Point }[], reference?: { seed: number; p: Point }[]): string {
  if (!points.length) return `| ${name} | - | (no finished run yet) | | | | |`;
  const q = CLASSES.map((_, j) => mean(points.map((x) => x.p.queried[j] as number)));
  const nv = mean(points.map((x) => nvShare(x.p)));
  let paired = '';
  if (reference) {
    const pairs = points.map((x) => ({ a: x.p, b: reference.find((r) => r.seed === x.seed)?.p })).filter((x): x is { a: Point; b: Point } => x.b !== undefined);
    if (pairs.length) paired = `${signed(mean(pairs.map((x) => nvShare(x.a) - nvShare(x.b))))} / ${signed(mean(pairs.map((x) => x.a.bal15 - x.b.bal15)))}`;
  }
  return `| ${name} | ${points.map((x) => x.seed).join(',')} | ${q.map((v) => v.toFixed(0)).join('/')} | ${pct(nv)} | ${pct(mean(points.map((x) => x.p.bal10)))} | ${pct(mean(points.map((x) => x.p.bal15)))} | ${paired} |`;
}

const seeds = [1, 2, 3];
const lines = [
  '# Ablations on the training side (issue 14), cycles 5-15%',
  '',
  'Each row flips one setting of the fixed protocol back; the fixed protocol row is the first three',
  'cycles of bench/parity/runs. Queried = the two queries after the 5% and 10% cycles (700 labels), mean over the seeds listed.',
  '',
  `| setting | seeds | queried (${CLASSES.join('/')}) | nv share % | bal acc 10% | bal acc 15% | vs fixed protocol, same seeds: nv share / bal acc 15% (points) |`,
  '|---|---|---|---|---|---|---|',
];
const official = seeds.map((s) => ({ seed: s, p: fromOfficial(join(base, 'official', `fairfal-seed${s}.json`)) })).filter((x): x is { seed: number; p: Point } => x.p !== null);
lines.push(row('official code', official));
const fixed = seeds.map((s) => ({ seed: s, p: fromOurLog(join(base, 'runs', `fairfal-seed${s}`)) })).filter((x): x is { seed: number; p: Point } => x.p !== null);
lines.push(row('fixed protocol (official partition, centered inputs, eval-pass stop, per-epoch local-only lr)', fixed));
const factors = existsSync(join(base, 'ablation'))
  ? [...new Set(readdirSync(join(base, 'ablation')).map((d) => /^(.*)-seed\d+$/.exec(d)?.[1]).filter((f): f is string => Boolean(f)))].sort()
  : [];
const explain: Record<string, string> = {
  'partition-ours': 'our own dir_balance generator instead of the official partition',
  'scaling-unit': 'inputs x/255 instead of (x/255-0.5)/0.5',
  'stop-running': 'local-only stop on the running train-mode accuracy',
  'schedule-batch': 'local-only lr drop per batch (official quirk)',
  'hflip-off': 'no horizontal flips',
};
for (const f of factors) {
  const pts = seeds.map((s) => ({ seed: s, p: fromOurLog(join(base, 'ablation', `${f}-seed${s}`)) })).filter((x): x is { seed: number; p: Point } => x.p !== null);
  lines.push(row(`${f}: ${explain[f] ?? ''}`, pts, fixed));
}
const md = lines.join('\n') + '\n';
writeFileSync(join(base, 'ablation-report.md'), md);
process.stdout.write(md);
