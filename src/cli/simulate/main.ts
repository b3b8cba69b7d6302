/**
 * `npm run simulate` entry: `run` (default) simulates one federated active-learning run,
 * resumable; `report` compares runs. Exit codes: 0 ok, 1 run failed, 2 bad arguments.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, helpText, resolveConfig, type SimConfig } from './config';
import { loadSimData, partitionSimData, type SimData, type SimPartition } from './data';
import { WorkerTrainer } from '../../engine/worker-trainer';
import { runSimulationThroughSystem } from './system/system-run';
import { plannedWork } from './run-header';
import { ProgressBar } from './progress';
import { parseReportArgs, writeReport } from './report';
import { runSummaryMarkdown } from './summary';

export function defaultOutDir(cfg: SimConfig): string {
  return cfg.out ?? join('bench', 'results', 'runs', `${cfg.strategy}-seed${cfg.seed}`);
}

async function runCommand(argv: string[]): Promise<number> {
  const cfg = resolveConfig(argv);
  const dir = defaultOutDir(cfg);
  const say = (m: string) => process.stderr.write(`${m}\n`);
  const data = loadSimData(cfg);
  const partition = partitionSimData(data, cfg);
  say(`simulate: ${cfg.strategy} seed ${cfg.seed} on ${data.name} (${data.train.count} train / ${data.test.count} test, ${data.numClasses} classes), ${cfg.clients} clients -> ${dir}`);
  return runSystem(cfg, dir, data, partition, say);
}

/** The product's own server domain and client nodes, sharing one engine worker pool. */
async function runSystem(cfg: SimConfig, dir: string, data: SimData, partition: SimPartition, say: (m: string) => void): Promise<number> {
  const engine = new WorkerTrainer({ workers: cfg.workers, maxImageSets: cfg.clients + 2, prefer: ['wasm', 'cpu'] });
  const b = await engine.backend();
  const engineDescription = `cnn4conv, tfjs ${b.active}, ${cfg.workers} worker thread${cfg.workers === 1 ? '' : 's'} shared by ${cfg.clients} client nodes (server domain + nodes over the in-memory transport)`;
  say(`engine: ${engineDescription}`);
  const progress = cfg.progress ? new ProgressBar({ isTTY: process.stderr.isTTY === true, write: (s) => process.stderr.write(s) }, 1, plannedWork(cfg, [], 0, false)) : null;
  const stop = () => {
    say('\ninterrupted: the run resumes where it stopped with the same command');
    process.exit(130);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const out = await runSimulationThroughSystem({ cfg, data, partition, engine, engineDescription, dir, progress, say: (m) => (progress ? progress.finish(m) : say(m)) });
    const md = runSummaryMarkdown({ dir, header: out.header, cycles: out.cycles });
    writeFileSync(join(dir, 'summary.md'), md);
    process.stdout.write(md);
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await engine.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (argv.includes('--help') || argv.includes('-h') || first === 'help') {
    process.stdout.write(helpText() + '\n');
    return 0;
  }
  try {
    if (first === 'report') {
      const r = writeReport(parseReportArgs(rest));
      process.stdout.write(r.markdown);
      for (const p of r.problems) process.stderr.write(`skipped (invariants broken): ${p}\n`);
      process.stderr.write(`wrote ${r.files.join(', ')}\n`);
      return 0;
    }
    return await runCommand(first === 'run' ? rest : argv);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`simulate: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`simulate failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n`);
    return 1;
  }
}

if (process.argv[1] && /simulate[\\/]main\.ts$/.test(process.argv[1])) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
