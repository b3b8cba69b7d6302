/**
 * Query speed and memory of FairFAL and every baseline on one synthetic client:
 * N unlabeled, C = 7, feature dim 64 (gradient dim 448), 1,000 labeled, budget 350.
 * Run: node --expose-gc --max-semi-space-size=256 --import tsx bench/core/query.bench.ts [--quick]
 * (--expose-gc for a clean baseline; the large semi-space keeps scavenges out of the measured
 * call, so the memory delta is everything one query allocates, an upper bound on its peak.)
 * Prints a markdown table and writes bench/core/results.json (not with --quick).
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { createRng, fairfalQuery, getStrategy, STRATEGY_NAMES, syntheticClient, type QueryInput } from '../../src/core';

const quick = process.argv.includes('--quick');
const C = 7;
const D = 64;
const L = 1000;
const BUDGET = 350;
const SIZES = quick ? [5000, 20000] : [5000, 10000, 20000, 40000];
const RUNS_FAIRFAL = quick ? 3 : 7;
const RUNS_BASELINE = quick ? 1 : 5;
const gc = (globalThis as { gc?: () => void }).gc;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const MB = 1024 * 1024;

/** Time `runs` calls; memory = median over 3 calls of the heap+ArrayBuffers and RSS growth across one call after a GC. */
function measure(fn: () => unknown, runs: number): { ms: number; all: number[]; heapMB: number; rssMB: number; runs: number } {
  const t0 = performance.now();
  fn(); // warm-up (JIT)
  if (performance.now() - t0 > 3000) runs = Math.min(runs, 3); // the slow baselines: 3 runs
  const all: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    fn();
    all.push(performance.now() - t);
  }
  const heap: number[] = [];
  const rss: number[] = [];
  for (let m = 0; m < 3; m++) {
    gc?.();
    gc?.();
    const m0 = process.memoryUsage();
    const keep = fn();
    const m1 = process.memoryUsage();
    void keep;
    heap.push((m1.heapUsed + m1.arrayBuffers - m0.heapUsed - m0.arrayBuffers) / MB);
    rss.push((m1.rss - m0.rss) / MB);
  }
  return {
    ms: median(all),
    all,
    runs,
    heapMB: median(heap),
    rssMB: median(rss),
  };
}

function client(n: number): QueryInput {
  return { ...syntheticClient({ poolSize: n, labeledSize: L, numClasses: C, featureDim: D, seed: 7 }), gammaBar: 0.3 };
}

// Warm the JIT on a small client so the first measured size is not charged for compilation.
measure(() => fairfalQuery(client(2000), BUDGET), 1);

const scaling: { n: number; ms: number; heapMB: number; rssMB: number }[] = [];
for (const n of SIZES) {
  const input = client(n);
  const r = measure(() => fairfalQuery(input, BUDGET), RUNS_FAIRFAL);
  scaling.push({ n, ms: r.ms, heapMB: r.heapMB, rssMB: r.rssMB });
}

const input20k = client(20000);
const perStrategy: { strategy: string; ms: number; runs: number; heapMB: number; selected: number }[] = [];
for (const name of STRATEGY_NAMES) {
  const s = getStrategy(name);
  const runs = name === 'fairfal' ? RUNS_FAIRFAL : RUNS_BASELINE;
  let selected = 0;
  const r = measure(() => {
    const out = s.select(input20k, BUDGET, createRng(1));
    selected = out.selected.length;
    return out;
  }, runs);
  perStrategy.push({ strategy: name, ms: r.ms, runs: r.runs, heapMB: r.heapMB, selected });
}

const f = (x: number, d = 1): string => x.toFixed(d);
const lines = [
  `FairFAL query, C=${C}, D=${D} (grad dim ${D * C}), L=${L}, budget ${BUDGET}; median of ${RUNS_FAIRFAL} runs`,
  '',
  '| N unlabeled | time (ms) | allocated: heap+buffers (MB) | RSS delta (MB) |',
  '|---:|---:|---:|---:|',
  ...scaling.map((s) => `| ${s.n} | ${f(s.ms)} | ${f(s.heapMB)} | ${f(s.rssMB)} |`),
  '',
  `Every strategy at N=20000 (median of the runs shown, after one warm-up)`,
  '',
  '| strategy | time (ms) | runs | allocated: heap+buffers (MB) | selected |',
  '|---|---:|---:|---:|---:|',
  ...perStrategy.map((s) => `| ${s.strategy} | ${f(s.ms)} | ${s.runs} | ${f(s.heapMB)} | ${s.selected} |`),
];
console.log(lines.join('\n'));

if (!quick) {
  const out = fileURLToPath(new URL('./results.json', import.meta.url));
  const env = {
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    loadavg1m: os.loadavg()[0],
    gcExposed: gc !== undefined,
  };
  const results = { date: new Date().toISOString(), env, params: { C, D, L, budget: BUDGET }, scaling, perStrategy };
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nwrote ${out}`);
}
