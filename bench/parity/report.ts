/**
 * Issue 14's whole-run comparison: the official FairFAL runs (bench/parity/official/*.json,
 * made by official-runs.sh) beside ours under the same fixed protocol (bench/parity/runs/*),
 * per cycle and per seed, with the issue's acceptance checks. Writes report.md / report.json.
 *   node --import tsx bench/parity/report.ts [--strategy fairfal] [--seeds 1,2,3]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRunLog } from '../../src/cli/simulate/run-files';

const CLASSES = ['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc'];
const MINORITY = [0, 3, 6];
const NV = 5;

interface CycleRow {
  labeledTotal: number;
  testAccuracy: number;
  balancedAccuracy: number;
  perClassRecall: (number | null)[];
  labeledHistogram: number[];
  /** Labels this cycle's query added (null after the last cycle). */
  queriedHistogram: number[] | null;
}
interface Run {
  side: 'official' | 'ours';
  seed: number;
  cycles: CycleRow[];
}

const sum = (a: readonly number[]) => a.reduce((s, v) => s + v, 0);
const mean = (a: readonly number[]) => sum(a) / a.length;
const std = (a: readonly number[]) => (a.length < 2 ? 0 : Math.sqrt(sum(a.map((v) => (v - mean(a)) ** 2)) / (a.length - 1)));
const pct = (v: number) => (100 * v).toFixed(1);

function readOfficial(path: string, seed: number): Run {
  const j = JSON.parse(readFileSync(path, 'utf8')) as { cycles: (CycleRow & { queriedHistogram: number[] | null })[] };
  // The summary stores what was added BEFORE each cycle; shift it onto the cycle that queried.
  const cycles = j.cycles.map((c, i) => ({ ...c, queriedHistogram: j.cycles[i + 1]?.queriedHistogram ?? null }));
  return { side: 'official', seed, cycles };
}

function readOurs(dir: string, seed: number): Run {
  const log = readRunLog(join(dir, 'log.jsonl'));
  const cycles = log.cycles.map((c) => {
    const q = c.clients.map((k) => k.queriedHistogram).filter((h): h is number[] => h !== null);
    return {
      labeledTotal: c.labeledTotal,
      testAccuracy: c.testAccuracy,
      balancedAccuracy: c.balancedAccuracy,
      perClassRecall: c.perClassRecall,
      labeledHistogram: c.labeledHistogram,
      queriedHistogram: q.length ? CLASSES.map((_, j) => sum(q.map((h) => h[j] as number))) : null,
    };
  });
  return { side: 'ours', seed, cycles };
}

interface RunSummary {
  side: string;
  seed: number;
  cycles: number;
  nvShareOfQueried: number;
  queried: number[];
  minorityShareAtEnd: number;
  balancedAt20: number | null;
  balancedAtEnd: number;
  accuracyAtEnd: number;
  dfRecallAtEnd: number | null;
  minorityRecallAtEnd: number;
}

function summarize(r: Run): RunSummary {
  const q = r.cycles.map((c) => c.queriedHistogram).filter((h): h is number[] => h !== null);
  const queried = CLASSES.map((_, j) => sum(q.map((h) => h[j] as number)));
  const last = r.cycles[r.cycles.length - 1] as CycleRow;
  const prev = r.cycles[r.cycles.length - 2];
  const minRec = MINORITY.map((m) => last.perClassRecall[m]).filter((v): v is number => v !== null && v !== undefined);
  return {
    side: r.side,
    seed: r.seed,
    cycles: r.cycles.length,
    nvShareOfQueried: (queried[NV] as number) / Math.max(1, sum(queried)),
    queried,
    minorityShareAtEnd: sum(MINORITY.map((m) => last.labeledHistogram[m] as number)) / sum(last.labeledHistogram),
    balancedAt20: prev ? prev.balancedAccuracy : null,
    balancedAtEnd: last.balancedAccuracy,
    accuracyAtEnd: last.testAccuracy,
    dfRecallAtEnd: last.perClassRecall[3] ?? null,
    minorityRecallAtEnd: minRec.length ? mean(minRec) : NaN,
  };
}

function perCycleTable(runs: Run[]): string {
  const lines = ['| side | seed | labeled | acc % | bal acc % | minority recall % | queried this cycle (' + CLASSES.join('/') + ') |', '|---|---|---|---|---|---|---|'];
  for (const r of runs) {
    for (const c of r.cycles) {
      const mr = MINORITY.map((m) => c.perClassRecall[m]).filter((v): v is number => v !== null && v !== undefined);
      lines.push(`| ${r.side} | ${r.seed} | ${c.labeledTotal} | ${pct(c.testAccuracy)} | ${pct(c.balancedAccuracy)} | ${pct(mr.length ? mean(mr) : NaN)} | ${c.queriedHistogram ? c.queriedHistogram.join('/') : '-'} |`);
    }
  }
  return lines.join('\n');
}

function meanPerCycle(runs: Run[], side: string): string[] {
  const rs = runs.filter((r) => r.side === side);
  if (!rs.length) return [];
  const n = Math.min(...rs.map((r) => r.cycles.length));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const cs = rs.map((r) => r.cycles[i] as CycleRow);
    const f = (g: (c: CycleRow) => number) => `${pct(mean(cs.map(g)))} +- ${pct(std(cs.map(g)))}`;
    const mr = (c: CycleRow) => mean(MINORITY.map((m) => c.perClassRecall[m] ?? 0));
    const q = cs.map((c) => c.queriedHistogram);
    const qm = q.every((h) => h) ? CLASSES.map((_, j) => mean(q.map((h) => (h as number[])[j] as number)).toFixed(1)).join('/') : '-';
    out.push(`| ${side} (mean of ${rs.length}) | ${(cs[0] as CycleRow).labeledTotal} | ${f((c) => c.testAccuracy)} | ${f((c) => c.balancedAccuracy)} | ${f(mr)} | ${qm} |`);
  }
  return out;
}

function main(): void {
  const argv = process.argv.slice(2);
  const opt = (k: string, d: string) => (argv.includes(`--${k}`) ? (argv[argv.indexOf(`--${k}`) + 1] as string) : d);
  const strategy = opt('strategy', 'fairfal');
  const seeds = opt('seeds', '1,2,3').split(',').map(Number);
  const base = join('bench', 'parity');
  // --ours DIR: our runs from elsewhere, e.g. bench/results/runs-system (the table's re-run through the product).
  const oursRoot = opt('ours', join(base, 'runs'));
  const tag = opt('tag', '');
  const runs: Run[] = [];
  for (const s of seeds) {
    const off = join(base, 'official', `${strategy}-seed${s}.json`);
    if (existsSync(off)) runs.push(readOfficial(off, s));
    const ours = join(oursRoot, `${strategy}-seed${s}`);
    if (existsSync(join(ours, 'log.jsonl'))) runs.push(readOurs(ours, s));
  }
  const complete = runs.filter((r) => r.cycles.length === 5);
  const summaries = complete.map(summarize);
  const agg = (side: string, f: (s: RunSummary) => number | null) => {
    const v = summaries.filter((s) => s.side === side).map(f).filter((x): x is number => x !== null && Number.isFinite(x));
    return { mean: v.length ? mean(v) : NaN, std: std(v), n: v.length };
  };
  const fmt = (a: { mean: number; std: number; n: number }) => (a.n ? `${pct(a.mean)} +- ${pct(a.std)} (n=${a.n})` : 'n/a');
  const metrics: [string, (s: RunSummary) => number | null][] = [
    ['nv share of queried labels %', (s) => s.nvShareOfQueried],
    ['minority (akiec, df, vasc) share of the labeled set at 25% %', (s) => s.minorityShareAtEnd],
    ['balanced accuracy at 20% %', (s) => s.balancedAt20],
    ['balanced accuracy at 25% %', (s) => s.balancedAtEnd],
    ['accuracy at 25% %', (s) => s.accuracyAtEnd],
    ['minority recall at 25% %', (s) => s.minorityRecallAtEnd],
    ['df recall at 25% %', (s) => s.dfRecallAtEnd],
  ];
  const lines = [`# ${strategy}: official code vs ours, fixed protocol (complete runs only)`, '', '| metric | official | ours |', '|---|---|---|'];
  for (const [name, f] of metrics) lines.push(`| ${name} | ${fmt(agg('official', f))} | ${fmt(agg('ours', f))} |`);
  lines.push('', '| side | seed | queried over 4 cycles (' + CLASSES.join('/') + ') |', '|---|---|---|');
  for (const s of summaries) lines.push(`| ${s.side} | ${s.seed} | ${s.queried.join('/')} |`);

  // Acceptance (issue 14): nv share and minority share within 2 points of the official mean;
  // final balanced accuracy within max(1.5 points, one pooled std).
  const checks: string[] = [];
  const o = (f: (s: RunSummary) => number | null) => agg('official', f);
  const u = (f: (s: RunSummary) => number | null) => agg('ours', f);
  if (o((s) => s.nvShareOfQueried).n && u((s) => s.nvShareOfQueried).n) {
    const within = (name: string, f: (s: RunSummary) => number | null, tol: number) => {
      const d = Math.abs(u(f).mean - o(f).mean);
      checks.push(`- ${name}: |ours - official| = ${pct(d)} points, allowed ${pct(tol)}: ${d <= tol ? 'PASS' : 'FAIL'}`);
    };
    within('nv share of queried labels', (s) => s.nvShareOfQueried, 0.02);
    within('minority share of the labeled set at 25%', (s) => s.minorityShareAtEnd, 0.02);
    const ob = o((s) => s.balancedAtEnd);
    const ub = u((s) => s.balancedAtEnd);
    const pooled = Math.sqrt((ob.std ** 2 + ub.std ** 2) / 2);
    within('balanced accuracy at 25%', (s) => s.balancedAtEnd, Math.max(0.015, pooled));
  }
  lines.push('', '## Acceptance checks', '', ...(checks.length ? checks : ['- not enough complete runs yet']));
  lines.push('', '## Per cycle, mean over seeds', '', '| side | labeled | acc % | bal acc % | minority recall % | queried this cycle (mean) |', '|---|---|---|---|---|---|');
  lines.push(...meanPerCycle(complete, 'official'), ...meanPerCycle(complete, 'ours'));
  lines.push('', '## Per cycle, per seed (unfinished runs included)', '', perCycleTable(runs));
  const md = lines.join('\n') + '\n';
  const name = `report-${strategy}${tag ? `-${tag}` : ''}`;
  writeFileSync(join(base, `${name}.md`), md.replace(/^# .*$/m, (h) => `${h}${tag ? ` (ours: ${oursRoot})` : ''}`));
  writeFileSync(join(base, `${name}.json`), JSON.stringify({ summaries, runs }, null, 1));
  process.stdout.write(md);
}

main();
