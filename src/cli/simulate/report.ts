/** `simulate report`: compare finished (or partial) runs: markdown table, JSON, SVG plot. */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './config';
import { logViolations } from './invariants';
import { comparisonSvg } from './plot';
import { readRunLog } from './run-files';
import { comparisonMarkdown, groupByStrategy, type RunLog } from './summary';

export interface ReportArgs {
  runs: string[];
  out: string;
  title: string;
}

export function parseReportArgs(argv: readonly string[]): ReportArgs {
  const runs: string[] = [];
  let out: string | undefined;
  let title = 'FairFAL simulator';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--runs') {
      while (i + 1 < argv.length && !(argv[i + 1] as string).startsWith('--')) runs.push(argv[++i] as string);
    } else if (a === '--out') out = argv[++i];
    else if (a === '--title') title = argv[++i] ?? title;
    else throw new ConfigError(`report: unknown argument '${a}' (use --runs DIR..., --out DIR, --title T)`);
  }
  if (runs.length === 0) throw new ConfigError('report needs --runs DIR [DIR ...] (run directories, or a folder holding them)');
  return { runs, out: out ?? 'bench/results', title };
}

/** A directory with log.jsonl is a run; otherwise its subdirectories holding one are. */
export function findRunDirs(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (existsSync(join(p, 'log.jsonl'))) out.push(p);
    else if (existsSync(p) && statSync(p).isDirectory()) {
      for (const d of readdirSync(p).sort()) if (existsSync(join(p, d, 'log.jsonl'))) out.push(join(p, d));
    } else throw new ConfigError(`report: ${p} is neither a run directory nor a folder of runs`);
  }
  return out;
}

export function buildReport(args: ReportArgs): { markdown: string; svg: string; runs: RunLog[]; problems: string[] } {
  const runs: RunLog[] = [];
  const problems: string[] = [];
  for (const dir of findRunDirs(args.runs)) {
    const { header, cycles } = readRunLog(join(dir, 'log.jsonl'));
    const bad = logViolations(header, cycles);
    if (bad.length) {
      problems.push(`${dir}: ${bad.slice(0, 3).join('; ')}${bad.length > 3 ? ` (+${bad.length - 3} more)` : ''}`);
      continue;
    }
    runs.push({ dir, header, cycles });
  }
  const rows = groupByStrategy(runs);
  const markdown = comparisonMarkdown(rows);
  return { markdown, svg: comparisonSvg(rows, args.title), runs, problems };
}

export function writeReport(args: ReportArgs): { files: string[]; problems: string[]; markdown: string } {
  const r = buildReport(args);
  mkdirSync(args.out, { recursive: true });
  const files = [join(args.out, 'report.md'), join(args.out, 'report.json'), join(args.out, 'plot.svg')];
  writeFileSync(files[0] as string, r.markdown);
  const rows = groupByStrategy(r.runs);
  writeFileSync(files[1] as string, JSON.stringify({ runs: r.runs.map((x) => ({ dir: x.dir, cycles: x.cycles.length, of: x.header.fractions.length })), rows }, null, 2) + '\n');
  writeFileSync(files[2] as string, r.svg);
  return { files, problems: r.problems, markdown: r.markdown };
}
