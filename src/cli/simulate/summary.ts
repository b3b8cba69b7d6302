/** Human-readable tables: one run's cycles, and several runs grouped by strategy (mean +- std over seeds). */
import { type CycleRecord, type HeaderRecord } from './log-schema';

export interface RunLog {
  dir: string;
  header: HeaderRecord;
  cycles: CycleRecord[];
}

const pct = (v: number | null | undefined, digits = 2) => (v === null || v === undefined || Number.isNaN(v) ? '-' : (100 * v).toFixed(digits));

export function runSummaryMarkdown(run: RunLog): string {
  const h = run.header;
  const names = h.dataset.minorityClasses.join(', ');
  const lines = [
    `# ${String(h.config['strategy'])} seed ${String(h.config['seed'])} on ${h.dataset.name}`,
    '',
    `${h.partition.pools.length} clients, ${String(h.config['partition'])} alpha ${String(h.config['alpha'])}, ${String(h.config['rounds'])} rounds x ${String(h.config['localEpochs'])} epochs per cycle, budget ${h.budgetPerClient} per client per cycle. Engine: ${h.engine}.`,
    `Minority classes (the floor(C/2) rarest in train): ${names}.`,
    '',
    '| cycle | labeled | test acc % | balanced acc % | minority recall % | gamma_bar | global/local query models | minutes |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const c of run.cycles) {
    const g = c.clients.filter((x) => x.queryModel === 'global').length;
    const l = c.clients.filter((x) => x.queryModel === 'local').length;
    lines.push(
      `| ${c.cycle + 1} | ${pct(c.labeledFraction, 1)}% (${c.labeledTotal}) | ${pct(c.testAccuracy)} | ${pct(c.balancedAccuracy)} | ${pct(c.minorityRecall)} | ${c.gammaBar === null ? '-' : c.gammaBar.toFixed(3)} | ${c.clients.some((x) => x.queryModel) ? `${g}/${l}` : '-'} | ${(c.timings.totalMs / 60000).toFixed(1)} |`,
    );
  }
  const done = run.cycles.length === h.fractions.length;
  lines.push('', done ? 'Run complete.' : `Run incomplete: ${run.cycles.length}/${h.fractions.length} cycles.`);
  return lines.join('\n') + '\n';
}

export function meanStd(xs: readonly number[]): { mean: number; std: number; n: number } {
  const v = xs.filter((x) => Number.isFinite(x));
  const n = v.length;
  if (n === 0) return { mean: NaN, std: NaN, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  // Sample standard deviation (n - 1), 0 for a single run.
  const std = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}

/**
 * Class histogram of the labeled set at fraction index i: record i's (what cycle i trained
 * on) or, when cycle i has not trained yet, record i-1's set plus its queries.
 */
export function labeledHistogramAt(run: RunLog, i: number): number[] | null {
  const rec = run.cycles[i];
  if (rec) return rec.labeledHistogram;
  const prev = run.cycles[i - 1];
  if (!prev || prev.clients.some((c) => c.queriedHistogram === null)) return null;
  return prev.labeledHistogram.map((n, c) => n + prev.clients.reduce((s, cl) => s + ((cl.queriedHistogram as number[])[c] as number), 0));
}

export interface StrategyRow {
  strategy: string;
  seeds: number[];
  complete: number;
  final: { accuracy: ReturnType<typeof meanStd>; balanced: ReturnType<typeof meanStd>; minority: ReturnType<typeof meanStd> };
  /** Test accuracy, balanced accuracy and minority recall at each nominal fraction (cycles that finished), with the run count. */
  byFraction: { fraction: number; accuracy: ReturnType<typeof meanStd>; balanced: ReturnType<typeof meanStd>; minority: ReturnType<typeof meanStd> }[];
  /**
   * Per complete run, the mean over the cycles after the first query (the first cycle is the
   * same random start for every strategy), then mean +- std over runs: a learning-curve average
   * that one noisy final cycle cannot swing.
   */
  afterFirstQuery: { balanced: ReturnType<typeof meanStd>; minority: ReturnType<typeof meanStd> };
  /** Share of the labeled set in the minority classes at each fraction (mean over runs that got there). */
  minorityShare: ReturnType<typeof meanStd>[];
  /** Mean labeled-set class histogram at the furthest fraction every run of the group reached. */
  histogram: { fraction: number; counts: number[] } | null;
}

export function groupByStrategy(runs: readonly RunLog[]): StrategyRow[] {
  const groups = new Map<string, RunLog[]>();
  for (const r of runs) {
    const s = String(r.header.config['strategy']);
    groups.set(s, [...(groups.get(s) ?? []), r]);
  }
  const rows: StrategyRow[] = [];
  for (const [strategy, rs] of groups) {
    const complete = rs.filter((r) => r.cycles.length === r.header.fractions.length);
    const finals = complete.map((r) => r.cycles[r.cycles.length - 1] as CycleRecord);
    const fractions = rs[0]?.header.fractions ?? [];
    rows.push({
      strategy,
      seeds: rs.map((r) => Number(r.header.config['seed'])).sort((a, b) => a - b),
      complete: complete.length,
      final: {
        accuracy: meanStd(finals.map((c) => c.testAccuracy)),
        balanced: meanStd(finals.map((c) => c.balancedAccuracy)),
        minority: meanStd(finals.map((c) => c.minorityRecall)),
      },
      minorityShare: fractions.map((_, i) =>
        meanStd(
          rs.flatMap((r) => {
            const h = labeledHistogramAt(r, i);
            if (!h) return [];
            const tot = h.reduce((a, b) => a + b, 0);
            return [r.header.dataset.minorityClasses.reduce((a, c) => a + (h[c] as number), 0) / tot];
          }),
        ),
      ),
      histogram: (() => {
        for (let i = fractions.length - 1; i >= 0; i--) {
          const hs = rs.map((r) => labeledHistogramAt(r, i));
          if (hs.every((h) => h !== null)) {
            const C = (hs[0] as number[]).length;
            return { fraction: fractions[i] as number, counts: Array.from({ length: C }, (_, c) => hs.reduce((a, h) => a + ((h as number[])[c] as number), 0) / hs.length) };
          }
        }
        return null;
      })(),
      byFraction: fractions.map((f, i) => {
        const at = rs.map((r) => r.cycles[i]).filter((c): c is CycleRecord => c !== undefined);
        return { fraction: f, accuracy: meanStd(at.map((c) => c.testAccuracy)), balanced: meanStd(at.map((c) => c.balancedAccuracy)), minority: meanStd(at.map((c) => c.minorityRecall)) };
      }),
      afterFirstQuery: {
        balanced: meanStd(complete.map((r) => meanStd(r.cycles.slice(1).map((c) => c.balancedAccuracy)).mean)),
        minority: meanStd(complete.map((r) => meanStd(r.cycles.slice(1).map((c) => c.minorityRecall)).mean)),
      },
    });
  }
  return rows;
}

const ms = (m: ReturnType<typeof meanStd>) => (m.n === 0 ? '-' : m.n === 1 ? `${pct(m.mean)}` : `${pct(m.mean)} +- ${pct(m.std)}`);
/** Mean (+- std) with its run count, for cells whose run count varies along a row. */
const withN = (m: ReturnType<typeof meanStd>) => (m.n ? `${ms(m)} (n=${m.n})` : '-');

export function comparisonMarkdown(rows: readonly StrategyRow[]): string {
  const fractions = rows[0]?.byFraction.map((b) => b.fraction) ?? [];
  const out = [
    `| strategy | seeds (complete) | final acc % | final balanced acc % | final minority recall % | ${fractions.map((f) => `acc @${Math.round(f * 100)}%`).join(' | ')} |`,
    `|---|---|---|---|---|${fractions.map(() => '---').join('|')}|`,
  ];
  for (const r of rows) {
    out.push(
      `| ${r.strategy} | ${r.seeds.join(',')} (${r.complete}) | ${ms(r.final.accuracy)} | ${ms(r.final.balanced)} | ${ms(r.final.minority)} | ${r.byFraction.map((b) => withN(b.accuracy)).join(' | ')} |`,
    );
  }
  const later = fractions.slice(1).map((f) => `${Math.round(f * 100)}`);
  const span = later.length ? `${later[0]}-${later[later.length - 1]}%` : '-';
  out.push('', `Balanced accuracy and minority-class recall (%) at every labeled fraction; the last column averages each complete run over the cycles after the first query (${span}), then over runs:`, '');
  out.push(`| strategy | metric | ${fractions.map((f) => `@${Math.round(f * 100)}%`).join(' | ')} | mean ${span} |`);
  out.push(`|---|---|${fractions.map(() => '---').join('|')}|---|`);
  for (const r of rows) {
    out.push(`| ${r.strategy} | balanced acc | ${r.byFraction.map((b) => withN(b.balanced)).join(' | ')} | ${withN(r.afterFirstQuery.balanced)} |`);
    out.push(`| ${r.strategy} | minority recall | ${r.byFraction.map((b) => withN(b.minority)).join(' | ')} | ${withN(r.afterFirstQuery.minority)} |`);
  }
  out.push('', `Minority classes' share of the labeled set (%), per labeled fraction (mean over runs that reached it):`, '');
  out.push(`| strategy | ${fractions.map((f) => `@${Math.round(f * 100)}%`).join(' | ')} | class histogram of the labeled set |`);
  out.push(`|---|${fractions.map(() => '---').join('|')}|---|`);
  for (const r of rows) {
    const h = r.histogram ? `@${Math.round(r.histogram.fraction * 100)}%: ${r.histogram.counts.map((v) => (Number.isInteger(v) ? String(v) : v.toFixed(1))).join(' / ')}` : '-';
    out.push(`| ${r.strategy} | ${r.minorityShare.map((m) => (m.n ? pct(m.mean, 1) : '-')).join(' | ')} | ${h} |`);
  }
  return out.join('\n') + '\n';
}
