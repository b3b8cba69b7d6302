// Probe behind the transfer README's note on the frozen arm: is the linear head undertrained?
// Trains it longer / with a larger lr on the 200-label draws and prints train vs test balanced accuracy.
//   node --import tsx bench/learning/transfer/head-probe.ts
import path from 'node:path';
import { createRng } from '../../../src/core/rng';
import { loadBestBackend } from '../../../src/engine/backend';
import { extractFeatures, featureSet } from '../../../src/engine/backbone/extract';
import { loadBackbone } from '../../../src/engine/backbone/load';
import { evaluate } from '../../../src/engine/infer/inference';
import { initWeights, openModel } from '../../../src/engine/model';
import { trainModel } from '../../../src/engine/train/trainer';
import { BACKBONE_DIR, convergeOptions, range, splitOf } from './common';
await loadBestBackend({ prefer: ['wasm'] });
const train = splitOf('retinamnist.npz', 'train'); const test = splitOf('retinamnist.npz', 'test');
const bb = await loadBackbone(path.join(BACKBONE_DIR, 'model.json'));
const ftr = featureSet(await extractFeatures(bb, train, range(0, train.count)), train.labels, 64);
const fte = featureSet(await extractFeatures(bb, test, range(0, test.count)), test.labels, 64);
const cfg = { name: 'linear-head', height: 1, width: 1, channels: 64, numClasses: 5 };
const m = openModel(cfg);
for (const [steps, lr] of [[400, 0.01], [400, 0.1], [2000, 0.1], [2000, 0.01]] as const) {
  const row: string[] = [];
  for (const seed of [1, 2, 3]) {
    const labeled = Int32Array.from(createRng(1000 + seed).permutation(train.count).slice(0, 200));
    const r = await trainModel(m, initWeights(cfg, seed), ftr, labeled, { ...convergeOptions(seed, steps), lr });
    const tr = await evaluate(m, r.weights, ftr, labeled);
    const te = await evaluate(m, r.weights, fte, range(0, test.count));
    row.push(`train ${(tr.balancedAccuracy * 100).toFixed(0)} test ${(te.balancedAccuracy * 100).toFixed(1)}`);
  }
  console.log(steps, lr, row.join(' | '));
}
