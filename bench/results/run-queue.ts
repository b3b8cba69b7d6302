/**
 * Runs a queue of fixed-protocol simulations in priority order, `--lanes` runs at a time, each
 * a resumable `simulate` process (its own directory under --root). Re-running this script
 * resumes unfinished runs and skips finished ones. Usage:
 *   node --import tsx bench/results/run-queue.ts [--set issue8|system|fidelity|ablation|privacy] [--lanes 2] [--workers 1] [--only fairfal-seed1,...]
 * Sets: issue8 = the reproduction table as first made by the old driver (bench/results/runs);
 * system = the same table through the product's server and client nodes (bench/results/runs-system,
 * issue 15); fidelity = issue 14's runs
 * beside the official code (bench/parity/runs); ablation = issue 14's one-setting-back runs
 * (bench/parity/ablation). All start from bench/results/dermamnist-issue8.json.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface QueuedRun {
  strategy: string;
  seed: number;
  /** Folder name under the set's root (default <strategy>-seed<seed>). */
  name?: string;
  /** Flags after the config's, e.g. one changed setting of an ablation. */
  args?: string[];
}

const table = (runs: [string, number][]): QueuedRun[] => runs.map(([strategy, seed]) => ({ strategy, seed }));

/** Issue 14's ablations: each flips one setting of the fixed protocol back, cycles 5-15%. */
const ABLATIONS: [string, string[]][] = [
  ['partition-ours', ['--partition-file', 'none']],
  ['scaling-unit', ['--input-scaling', 'unit']],
  ['stop-running', ['--local-only-stop-on', 'running']],
  ['schedule-batch', ['--local-only-schedule', 'batch']],
  ['hflip-off', ['--no-hflip']],
];

/** Issue 19: DP-FedAvg's three noise levels (clip 3: honest round deltas measure 2-6; weight full at 30 labels). */
const DP_LEVELS = ['0.01', '0.1', '1'];
const CLIP_ONLY = '0.0001';
const dpRun = (z: string, seed: number): QueuedRun => ({
  strategy: 'fairfal',
  seed,
  name: `dp-z${z}-seed${seed}`,
  args: ['--secure-aggregation', '--dp-noise', z, '--dp-clip', '3', '--dp-weight-cap', '30'],
});
const secAggRun = (seed: number): QueuedRun => ({ strategy: 'fairfal', seed, name: `secagg-seed${seed}`, args: ['--secure-aggregation'] });

export const QUEUES: Record<string, { root: string; runs: QueuedRun[] }> = {
  // Issue 19: FairFAL on issue 8's protocol with secure aggregation alone, and with secure
  // aggregation plus distributed DP noise at three levels; seed 1 of each first.
  privacy: {
    root: join('bench', 'privacy', 'runs'),
    runs: [
      secAggRun(1), ...DP_LEVELS.map((z) => dpRun(z, 1)),
      secAggRun(2), secAggRun(3),
      ...DP_LEVELS.flatMap((z) => [dpRun(z, 2), dpRun(z, 3)]),
      // Clipping and the weight cap with negligible noise (z C / 10 = 3e-5 per value): separates
      // what clipping costs from what the noise costs.
      dpRun(CLIP_ONLY, 1), dpRun(CLIP_ONLY, 2), dpRun(CLIP_ONLY, 3),
    ],
  },
  issue8: {
    root: join('bench', 'results', 'runs'),
    runs: table([
      ['fairfal', 1], ['random', 1], ['logo', 1], ['kafal', 1], ['entropy', 1],
      ['fairfal', 2], ['random', 2], ['logo', 2], ['kafal', 2], ['entropy', 2],
      ['fairfal', 3], ['random', 3], ['logo', 3], ['kafal', 3], ['entropy', 3],
      ['badge', 1], ['coreset', 1],
    ]),
  },
  // Issue 15: the same table through the product (server domain + client nodes); beside the old runs.
  system: {
    root: join('bench', 'results', 'runs-system'),
    runs: table([
      ['fairfal', 1], ['random', 1], ['logo', 1], ['kafal', 1], ['entropy', 1],
      ['fairfal', 2], ['random', 2], ['logo', 2], ['kafal', 2], ['entropy', 2],
      ['fairfal', 3], ['random', 3], ['logo', 3], ['kafal', 3], ['entropy', 3],
      ['badge', 1], ['coreset', 1],
    ]),
  },
  fidelity: {
    root: join('bench', 'parity', 'runs'),
    runs: table([['fairfal', 1], ['fairfal', 2], ['fairfal', 3], ['random', 1], ['random', 2], ['random', 3]]),
  },
  ablation: {
    root: join('bench', 'parity', 'ablation'),
    runs: [1, 2, 3].flatMap((seed) =>
      ABLATIONS.map(([factor, args]) => ({ strategy: 'fairfal', seed, name: `${factor}-seed${seed}`, args: ['--target-fraction', '0.15', ...args] })),
    ),
  },
};

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? (argv[i + 1] as string) : dflt;
};
const lanes = Number(opt('lanes', '2'));
const workers = opt('workers', '1');
const only = opt('only', '').split(',').filter(Boolean);
const set = QUEUES[opt('set', 'issue8')];
if (!set) throw new Error(`unknown --set; one of ${Object.keys(QUEUES).join(', ')}`);
const root = set.root;

function finished(dir: string): boolean {
  const p = join(dir, 'summary.md');
  return existsSync(p) && readFileSync(p, 'utf8').includes('Run complete.');
}

const todo = set.runs.map((r) => ({ ...r, name: r.name ?? `${r.strategy}-seed${r.seed}` }))
  .filter((r) => only.length === 0 || only.includes(r.name))
  .filter((r) => !finished(join(root, r.name)));

function runOne(r: (typeof todo)[number]): Promise<number> {
  const dir = join(root, r.name);
  mkdirSync(dir, { recursive: true });
  const err = openSync(join(dir, 'stderr.log'), 'a');
  const args = ['--import', 'tsx', 'src/cli/simulate/main.ts', 'run', '--config', 'bench/results/dermamnist-issue8.json', '--strategy', r.strategy, '--seed', String(r.seed), '--workers', workers, '--out', dir, ...(r.args ?? [])];
  process.stdout.write(`${new Date().toISOString()} start ${r.name}: node ${args.join(' ')}\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', err] });
    child.on('exit', (code) => {
      process.stdout.write(`${new Date().toISOString()} ${r.name} exited ${code}\n`);
      resolve(code ?? 1);
    });
  });
}

let next = 0;
async function lane(): Promise<void> {
  while (next < todo.length) {
    const r = todo[next++];
    if (r) await runOne(r);
  }
}
await Promise.all(Array.from({ length: Math.max(1, lanes) }, lane));
process.stdout.write(`${new Date().toISOString()} queue done\n`);
