/**
 * Issue 15: simulator throughput before and after it ran through the product (server domain +
 * real client nodes over the in-memory transport). Both sides run the same short fixed-protocol
 * config (issue 8's, its first 2 cycles of 20 rounds, FairFAL seed 1, 1 worker), alternated, `--reps`
 * times each; "before" is a git worktree of `--before-ref` (the last commit with the old
 * driver), "after" this checkout. Throughput = image passes of the whole run (the log's
 * training + local-only passes) per wall second. Medians; the machine is shared, so the load
 * average is printed too. Writes bench/simulator/one-protocol-throughput.json.
 *   node --import tsx bench/simulator/one-protocol-throughput.ts [--before-ref 83d28d4] [--reps 3] [--target-fraction 0.10]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? (argv[i + 1] as string) : dflt;
};
const beforeRef = opt('before-ref', '83d28d4');
const reps = Number(opt('reps', '3'));
const root = resolve('.');
const target = opt('target-fraction', '0.10');
const args = ['--config', 'bench/results/dermamnist-issue8.json', '--strategy', 'fairfal', '--seed', '1', '--workers', '1', '--target-fraction', target, '--no-progress', '--fresh'];

const tmp = mkdtempSync(join(os.tmpdir(), 'one-protocol-bench-'));
const beforeTree = join(tmp, 'before');
execFileSync('git', ['worktree', 'add', '--detach', beforeTree, beforeRef], { stdio: 'ignore' });
symlinkSync(join(root, 'node_modules'), join(beforeTree, 'node_modules'));
// The shared datasets sit beside the checkout (../shared); the worktree needs the same view.
if (!existsSync(join(tmp, 'shared'))) symlinkSync(resolve(root, '..', 'shared'), join(tmp, 'shared'));

interface Sample {
  side: 'before' | 'after';
  wallS: number;
  imagePasses: number;
  passesPerS: number;
  balancedAccuracy: number[];
}

function runOnce(side: 'before' | 'after', rep: number): Sample {
  const cwd = side === 'before' ? beforeTree : root;
  const out = join(tmp, `${side}-${rep}`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/simulate/main.ts', 'run', ...args, '--out', out], { cwd, encoding: 'utf8' });
  const wallS = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${side} run failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const cycles = readFileSync(join(out, 'log.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"type":"cycle"'))
    .map((l) => JSON.parse(l) as { timings: { imagePasses: number }; balancedAccuracy: number });
  const imagePasses = cycles.reduce((s, c) => s + c.timings.imagePasses, 0);
  return { side, wallS, imagePasses, passesPerS: imagePasses / wallS, balancedAccuracy: cycles.map((c) => c.balancedAccuracy) };
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
const samples: Sample[] = [];
try {
  for (let rep = 0; rep < reps; rep++) {
    for (const side of rep % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const)) {
      const s = runOnce(side, rep);
      samples.push(s);
      process.stderr.write(`${side} #${rep + 1}: ${s.wallS.toFixed(1)} s, ${s.imagePasses} image passes, ${s.passesPerS.toFixed(0)}/s\n`);
    }
  }
} finally {
  execFileSync('git', ['worktree', 'remove', '--force', beforeTree], { stdio: 'ignore' });
  rmSync(tmp, { recursive: true, force: true });
}
const side = (name: 'before' | 'after') => samples.filter((s) => s.side === name);
const row = (name: 'before' | 'after') => ({ wallS: median(side(name).map((s) => s.wallS)), passesPerS: median(side(name).map((s) => s.passesPerS)), imagePasses: median(side(name).map((s) => s.imagePasses)) });
const before = row('before');
const after = row('after');
const result = {
  when: new Date().toISOString(),
  beforeRef,
  afterRef: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(),
  config: args.join(' '),
  loadAverage1m: os.loadavg()[0],
  cpus: os.cpus().length,
  reps,
  before,
  after,
  throughputRatio: after.passesPerS / before.passesPerS,
  // Each rep ran both sides back to back: their ratio shares that rep's machine load.
  pairedRatios: Array.from({ length: reps }, (_, r) => (side('after')[r]?.passesPerS ?? NaN) / (side('before')[r]?.passesPerS ?? NaN)),
  samples,
};
writeFileSync(new URL('./one-protocol-throughput.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
console.log(`simulator throughput, ${args.join(' ')}; medians of ${reps}; load average ${result.loadAverage1m?.toFixed(1)} on ${result.cpus} cores\n`);
console.log('| driver | wall s | image passes | image passes / s |');
console.log('|---|---|---|---|');
console.log(`| before (${beforeRef}: own cycle, aggregation and query code) | ${before.wallS.toFixed(1)} | ${before.imagePasses} | ${before.passesPerS.toFixed(0)} |`);
console.log(`| after (${result.afterRef}: server domain + client nodes, in-memory transport) | ${after.wallS.toFixed(1)} | ${after.imagePasses} | ${after.passesPerS.toFixed(0)} |`);
console.log(`\nafter / before throughput: ${result.throughputRatio.toFixed(3)} of the medians; per rep ${result.pairedRatios.map((r) => r.toFixed(3)).join(', ')} (issue 15 asks >= 0.90)`);
