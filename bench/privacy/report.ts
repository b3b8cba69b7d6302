// Issue 19's accuracy table: FairFAL on issue 8's fixed protocol with secure aggregation alone
// and with secure aggregation plus DP noise at three levels, beside the plain runs of the same
// seeds (bench/results/runs-system). Reads each run's log.jsonl (finished or not: a run still in
// the queue shows the last cycle it reached) and prints a markdown table with epsilon per level.
// Run: node --import tsx bench/privacy/report.ts [--out bench/privacy/report.md]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { federationEpsilon } from '../../src/core/privacy';

interface Cycle {
  cycle: number;
  nominalFraction: number;
  testAccuracy: number;
  balancedAccuracy: number;
  minorityRecall: number;
}

const ROOT = join('bench', 'privacy', 'runs');
const PLAIN = join('bench', 'results', 'runs-system');
const SEEDS = [1, 2, 3];
const ROUNDS_PER_CYCLE = 20;
const DELTA = 1e-5;

function cycles(dir: string): Cycle[] {
  const file = join(dir, 'log.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"type":"cycle"'))
    .map((l) => JSON.parse(l) as Cycle);
}

const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
const std = (xs: number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((s, v) => s + (v - mean(xs)) ** 2, 0) / (xs.length - 1)));
const pct = (xs: number[]) => (xs.length === 0 ? '-' : xs.length === 1 ? (100 * (xs[0] as number)).toFixed(2) : `${(100 * mean(xs)).toFixed(2)} ± ${(100 * std(xs)).toFixed(2)}`);

interface Arm {
  name: string;
  dirs: (seed: number) => string;
  z: number | null;
}

const ARMS: Arm[] = [
  { name: 'plain (no protection)', dirs: (s) => join(PLAIN, `fairfal-seed${s}`), z: null },
  { name: 'secure aggregation', dirs: (s) => join(ROOT, `secagg-seed${s}`), z: null },
  // Clipping at C = 3 and the weight cap with negligible noise: what clipping alone costs.
  { name: 'secure aggregation + clipping only (z = 0.0001, C = 3)', dirs: (s) => join(ROOT, `dp-z0.0001-seed${s}`), z: 0.0001 },
  ...['0.01', '0.1', '1'].map((z) => ({ name: `secure aggregation + DP, z = ${z}, C = 3`, dirs: (s: number) => join(ROOT, `dp-z${z}-seed${s}`), z: Number(z) })),
];

const lines: string[] = [];
for (const fraction of [0.05, 0.25]) {
  lines.push(`**At ${Math.round(fraction * 100)}% labeled** (mean ± sample std over the seeds that reached it; seeds listed)`, '');
  lines.push('| arm | seeds | accuracy % | balanced accuracy % | minority recall % | balanced accuracy vs plain, same seeds | epsilon (delta 1e-5) over the rounds run |', '|---|---|---|---|---|---|---|');
  const plainAt = (seed: number) => cycles(join(PLAIN, `fairfal-seed${seed}`)).find((c) => Math.abs(c.nominalFraction - fraction) < 1e-6);
  for (const arm of ARMS) {
    const reached = SEEDS.map((s) => ({ s, c: cycles(arm.dirs(s)).find((c) => Math.abs(c.nominalFraction - fraction) < 1e-6) })).filter((x) => x.c !== undefined) as { s: number; c: Cycle }[];
    const rounds = (Math.round((fraction - 0.05) / 0.05) + 1) * ROUNDS_PER_CYCLE;
    const eps = arm.z === null ? (arm.name.startsWith('plain') ? 'none' : 'none (no DP)') : federationEpsilon(arm.z, rounds, DELTA).toPrecision(3);
    const diffs = reached.flatMap((x) => {
      const p = plainAt(x.s);
      return p ? [x.c.balancedAccuracy - p.balancedAccuracy] : [];
    });
    const vsPlain = arm.name.startsWith('plain') || diffs.length === 0 ? '-' : diffs.map((d) => `${d >= 0 ? '+' : ''}${(100 * d).toFixed(2)}`).join(', ');
    lines.push(
      `| ${arm.name} | ${reached.map((x) => x.s).join(', ') || '-'} | ${pct(reached.map((x) => x.c.testAccuracy))} | ${pct(reached.map((x) => x.c.balancedAccuracy))} | ${pct(reached.map((x) => x.c.minorityRecall))} | ${vsPlain} | ${eps} |`,
    );
  }
  lines.push('');
}
const progress = ARMS.slice(1).flatMap((a) => SEEDS.map((s) => `${a.dirs(s).split('/').pop()}: ${cycles(a.dirs(s)).length}/5 cycles`));
lines.push(`Runs' progress: ${progress.join('; ')}.`);
const text = lines.join('\n') + '\n';
process.stdout.write(text);
const i = process.argv.indexOf('--out');
if (i >= 0 && process.argv[i + 1]) writeFileSync(process.argv[i + 1] as string, text);
