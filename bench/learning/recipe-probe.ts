// Quick probe of training recipes on random labels (not the benchmark: bench/learning/run.ts
// goes through the real client). Usage: node --import tsx bench/learning/recipe-probe.ts N [variant...]
import { CONVERGE_LEARNING_RATE, CONVERGE_RECIPE, PAPER_RECIPE, splitValidation, type RecipeSettings } from '../../src/core/protocol';
import { readMedMnist, splitAsRgb } from '../../src/engine/data/npz';
import { InProcessTrainer } from '../../src/engine/in-process-trainer';
import { createRng } from '../../src/core/rng';

const npz = process.env.NPZ ?? '../shared/datasets/dermamnist-ham10000-28.npz';
const ds = readMedMnist(npz);
const tr = ds.splits.train!;
const te = ds.splits.test!;
const C = Math.max(...tr.labels) + 1;
const train = { images: splitAsRgb(tr), labels: tr.labels, count: tr.count, height: 28, width: 28, channels: 3 };
const test = { images: splitAsRgb(te), labels: te.labels, count: te.count, height: 28, width: 28, channels: 3 };
const task = { model: 'cnn4conv', inputShape: [28, 28, 3] as const, numClasses: C };
const engine = new InProcessTrainer();
const n = Number(process.argv[2] ?? 51);
const variants: Record<string, { recipe: Partial<RecipeSettings>; lr: number; epochs: number }> = {
  paper: { recipe: PAPER_RECIPE, lr: 0.01, epochs: 10 },
  converge: { recipe: CONVERGE_RECIPE, lr: CONVERGE_LEARNING_RATE, epochs: 1 },
  'converge-lr01': { recipe: CONVERGE_RECIPE, lr: 0.01, epochs: 1 },
  'converge-noaug': { recipe: { ...CONVERGE_RECIPE, augment: null }, lr: CONVERGE_LEARNING_RATE, epochs: 1 },
  'converge-shuffle': { recipe: { ...CONVERGE_RECIPE, sampling: 'shuffle' }, lr: CONVERGE_LEARNING_RATE, epochs: 1 },
  'converge-noes': { recipe: { ...CONVERGE_RECIPE, earlyStopping: null }, lr: CONVERGE_LEARNING_RATE, epochs: 1 },
  'converge-shuffle-noes': { recipe: { ...CONVERGE_RECIPE, sampling: 'shuffle', earlyStopping: null }, lr: CONVERGE_LEARNING_RATE, epochs: 1 },
  'converge-800': { recipe: { ...CONVERGE_RECIPE, minSteps: 800 }, lr: CONVERGE_LEARNING_RATE, epochs: 1 },
};
const chosen = process.argv.slice(3).length ? process.argv.slice(3) : Object.keys(variants);
for (const name of chosen) {
  const v = variants[name]!;
  const out: string[] = [];
  for (const seed of [1, 2, 3]) {
    const perm = createRng(seed).permutation(tr.count).slice(0, n);
    const items = Array.from(perm, (i) => ({ key: String(i), label: tr.labels[i]! }));
    const split = splitValidation(items);
    const trainIdx = Int32Array.from(split.train, (j) => perm[j]!);
    const holdout = Int32Array.from(split.heldOut, (j) => perm[j]!);
    const t0 = Date.now();
    const w = await engine.train(task, engine.initialWeights(task, seed), train, trainIdx, { epochs: v.epochs, lr: v.lr, seed, recipe: v.recipe, holdout });
    const r = await engine.evaluate(task, w, test, Int32Array.from({ length: te.count }, (_, i) => i));
    out.push(`${(r.balancedAccuracy * 100).toFixed(1)}/${(r.accuracy * 100).toFixed(0)} (${((Date.now() - t0) / 1000).toFixed(0)}s)`);
  }
  console.log(`${name} n=${n}: ${out.join('  ')}`);
}
await engine.close();
