/**
 * Cycle-level FairFAL parity harness (issue 14): the same client state through our query and
 * the official one, compared decision by decision.
 *
 *   node --import tsx bench/parity/parity.ts ours STATE_DIR...      our query on each state -> ours.json
 *   node --import tsx bench/parity/parity.ts compare --out DIR STATE_DIR...
 *                                                                   ours.json vs official.json -> table
 *
 * States come from `npm run simulate -- ... --dump-query-state DIR` (ours.json written there)
 * or from `official_adapter.py dump` (official.json written there); the other side runs on
 * them with this script's `ours` or the adapter's `query`. README.md has the whole recipe.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fairfalStrategy, normalizedEntropy } from '../../src/core';
import { runQueryStep } from '../../src/main/services/cycle/query-step';
import { WorkerTrainer } from '../../src/engine/worker-trainer';
import { compareOutcomes, ourOutcome, readQueryOutcome, readQueryState, type ClientComparison, type QueryStateMeta } from '../../src/cli/simulate/query-state';
import { readMedMnist } from '../../src/engine/data/npz';
import { openModel } from '../../src/engine/model';
import type { ModelConfig } from '../../src/engine/models/types';

function configOf(meta: QueryStateMeta, height: number, width: number, channels: 1 | 3): ModelConfig {
  return { name: 'cnn4conv', height, width, channels, numClasses: meta.numClasses, inputScaling: meta.inputScaling };
}

async function runOurs(dirs: string[]): Promise<void> {
  // The product's own query step (what a clinic runs), on the engine worker a clinic uses.
  const engine = new WorkerTrainer({ prefer: ['wasm', 'cpu'] });
  process.stderr.write(`engine backend: ${(await engine.backend()).active}\n`);
  const cache = new Map<string, ReturnType<typeof readMedMnist>>();
  try {
    for (const dir of dirs) {
      const first = readQueryState(dir, (m) => {
        const ds = cache.get(m.dataset) ?? readMedMnist(m.dataset);
        cache.set(m.dataset, ds);
        const tr = ds.splits.train;
        if (!tr) throw new Error(`${m.dataset} has no train split`);
        return openModel(configOf(m, tr.height, tr.width, tr.channels as 1 | 3)).arch;
      });
      const { meta } = first;
      const train = cache.get(meta.dataset)?.splits.train;
      if (!train) throw new Error(`${meta.dataset} has no train split`);
      const data = { images: train.images, labels: train.labels, count: train.count, height: train.height, width: train.width, channels: train.channels };
      const task = { model: 'cnn4conv', inputShape: [train.height, train.width, train.channels] as const, numClasses: meta.numClasses, inputScaling: meta.inputScaling };
      const r = await runQueryStep({
        engine, task, data,
        sampleIds: Array.from({ length: train.count }, (_, i) => String(i)),
        labeled: Int32Array.from(meta.labeled), unlabeled: Int32Array.from(meta.unlabeled),
        globalWeights: first.global.data, localWeights: first.local.data,
        gammaBar: meta.gammaBar ?? undefined, budget: meta.budget, strategy: fairfalStrategy(), seed: 0,
      });
      const qp = r.selection.fairfal?.queryModel.model === 'global' ? r.input.globalProbs : r.input.localProbs;
      if (!qp) throw new Error('query model probabilities missing');
      const out = ourOutcome(r.selection, meta.unlabeled, normalizedEntropy(qp));
      writeFileSync(join(dir, 'ours.json'), JSON.stringify(out));
      process.stderr.write(`${dir}: ours ${out.queryModel}, s_k ${out.sK.toFixed(4)}, ${out.selected.length} selected\n`);
    }
  } finally {
    await engine.close();
  }
}

function table(rows: ClientComparison[]): string {
  const head = '| state | query model ours/official | s_k ours/official | grad source | pseudo-labels equal | quota equal | stage-1 candidates equal | selected equal (overlap) | max abs diff of H |';
  const lines = [head, '|---|---|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    lines.push(
      `| ${r.state} | ${r.queryModel.join(' / ')} | ${r.sK.map((v) => v.toFixed(4)).join(' / ')} | ${r.gradSource.join(' / ')} | ${(100 * r.pseudoLabelAgreement).toFixed(1)}% | ${r.quotaEqual ? 'yes' : `no: ${r.quota[0].join(',')} vs ${r.quota[1].join(',')}`} | ${r.candidatesEqual ? 'yes' : `no (${(100 * r.candidateOverlap).toFixed(1)}% shared)`} | ${r.selectedEqual ? 'yes' : 'no'} (${r.selectedOverlap}/${r.budget}) | ${r.maxEntropyDiff.toExponential(1)} |`,
    );
  }
  return lines.join('\n');
}

function runCompare(args: string[]): void {
  const i = args.indexOf('--out');
  const out = i >= 0 ? args[i + 1] : undefined;
  const dirs = i >= 0 ? args.filter((_, j) => j !== i && j !== i + 1) : args;
  const rows = dirs.map((d) => compareOutcomes(`${basename(dirname(d))}/${basename(d)}`, readQueryOutcome(join(d, 'ours.json')), readQueryOutcome(join(d, 'official.json'))));
  const md = table(rows);
  process.stdout.write(md + '\n');
  const same = rows.filter((r) => r.selectedEqual).length;
  process.stdout.write(`\nidentical selections: ${same} of ${rows.length}\n`);
  if (out) {
    if (!existsSync(out)) mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'comparison.json'), JSON.stringify(rows, null, 1));
    writeFileSync(join(out, 'comparison.md'), md + `\n\nidentical selections: ${same} of ${rows.length}\n`);
  }
}

const [cmd, ...rest] = process.argv.slice(2);
if (cmd === 'ours') await runOurs(rest);
else if (cmd === 'compare') runCompare(rest);
else {
  process.stderr.write('usage: parity.ts ours STATE_DIR... | compare [--out DIR] STATE_DIR...\n');
  process.exit(2);
}
