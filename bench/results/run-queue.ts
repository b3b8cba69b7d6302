/**
 * Runs a queue of fixed-protocol simulations in priority order, `--lanes` runs at a time, each
 * a resumable `simulate` process (its own directory under --root). Re-running this script
 * resumes unfinished runs and skips finished ones. Usage:
 *   node --import tsx bench/results/run-queue.ts [--set issue8|fidelity] [--lanes 2] [--workers 1] [--only fairfal-seed1,...]
 * Sets: issue8 = the reproduction table (bench/results/runs); fidelity = issue 14's runs
 * beside the official code (bench/parity/runs). Both use bench/results/dermamnist-issue8.json.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const QUEUES: Record<string, { root: string; runs: [string, number][] }> = {
  issue8: {
    root: join('bench', 'results', 'runs'),
    runs: [
      ['fairfal', 1], ['random', 1], ['logo', 1], ['kafal', 1], ['entropy', 1],
      ['fairfal', 2], ['random', 2], ['logo', 2], ['kafal', 2], ['entropy', 2],
      ['fairfal', 3], ['random', 3], ['logo', 3], ['kafal', 3], ['entropy', 3],
      ['badge', 1], ['coreset', 1],
    ],
  },
  fidelity: {
    root: join('bench', 'parity', 'runs'),
    runs: [['fairfal', 1], ['fairfal', 2], ['fairfal', 3], ['random', 1], ['random', 2], ['random', 3]],
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

const todo = set.runs.map(([s, seed]) => ({ name: `${s}-seed${seed}`, s, seed }))
  .filter((r) => only.length === 0 || only.includes(r.name))
  .filter((r) => !finished(join(root, r.name)));

function runOne(r: (typeof todo)[number]): Promise<number> {
  const dir = join(root, r.name);
  mkdirSync(dir, { recursive: true });
  const err = openSync(join(dir, 'stderr.log'), 'a');
  const args = ['--import', 'tsx', 'src/cli/simulate/main.ts', 'run', '--config', 'bench/results/dermamnist-issue8.json', '--strategy', r.s, '--seed', String(r.seed), '--workers', workers, '--out', dir];
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
