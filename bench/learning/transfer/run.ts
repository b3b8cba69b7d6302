/**
 * Issue 16's transfer experiment: RetinaMNIST (fundus, 5 DR grades) with 50 / 100 / 200 labels,
 * 3 seeds, balanced accuracy on its test split with 95% intervals, for
 *   - scratch: CNN4Conv from a fresh initialisation,
 *   - frozen: a linear head on the ODIR-pretrained backbone's features (pretrain.ts), once read
 *     from the TensorFlow.js files and once from the ONNX file (the two import paths),
 *   - fine-tuned, last block: the backbone's weights, blocks 1-3 frozen, block 4 and a fresh
 *     classifier trained; fine-tuned, all: every block trained from the backbone's weights.
 * Every arm trains 400 steps of the converging recipe (class-balanced draws, augmentation, cosine
 * lr; a head on cached features gets no augmentation). Label draws are nested (the 50 are the
 * first of the 100) and shared by the arms. Resumable: finished runs are read back from
 * results.jsonl. Run:  node --import tsx bench/learning/transfer/run.ts [--seeds 1,2,3]
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { balancedAccuracyInterval } from '../../../src/core/intervals';
import { createRng } from '../../../src/core/rng';
import { loadBestBackend } from '../../../src/engine/backend';
import { engineWeightsFromBackbone } from '../../../src/engine/backbone/engine-weights';
import { extractFeatures, featureSet } from '../../../src/engine/backbone/extract';
import { loadBackbone } from '../../../src/engine/backbone/load';
import type { ImageSet } from '../../../src/engine/dataset';
import { evaluate } from '../../../src/engine/infer/inference';
import { initWeights, openModel } from '../../../src/engine/model';
import type { ModelConfig } from '../../../src/engine/models/types';
import { trainModel } from '../../../src/engine/train/trainer';
import { BACKBONE_DIR, convergeOptions, HERE, range, splitOf } from './common';
import { report, type RunRecord } from './report';

const argv = process.argv.slice(2);
const SEEDS = (argv.includes('--seeds') ? (argv[argv.indexOf('--seeds') + 1] as string) : '1,2,3').split(',').map(Number);
const BUDGETS = [50, 100, 200];
const STEPS = 400;
const ARMS = ['scratch', 'frozen (TF.js file)', 'frozen (ONNX file)', 'fine-tuned, last block', 'fine-tuned, all blocks'] as const;
const OUT = path.join(HERE, 'results.jsonl');

const backend = await loadBestBackend({ prefer: ['wasm', 'cpu'] });
const train = splitOf('retinamnist.npz', 'train');
const test = splitOf('retinamnist.npz', 'test');
const C = 5;
const done = new Map<string, RunRecord>();
if (existsSync(OUT)) for (const line of readFileSync(OUT, 'utf8').split('\n').filter(Boolean)) {
  const r = JSON.parse(line) as RunRecord;
  done.set(`${r.arm}|${r.labels}|${r.seed}`, r);
}

// Features once per import path: every training image and every test image.
const modelJson = path.join(BACKBONE_DIR, 'model.json');
const features: Record<string, { train: ImageSet; test: ImageSet; dim: number; sha256: string }> = {};
for (const [arm, file] of [['frozen (TF.js file)', modelJson], ['frozen (ONNX file)', path.join(BACKBONE_DIR, 'backbone.onnx')]] as const) {
  const bb = await loadBackbone(file);
  const D = bb.info.featureDim;
  features[arm] = {
    train: featureSet(await extractFeatures(bb, train, range(0, train.count)), train.labels, D),
    test: featureSet(await extractFeatures(bb, test, range(0, test.count)), test.labels, D),
    dim: D,
    sha256: bb.info.sha256,
  };
  await bb.close();
}
const tfjsF = features['frozen (TF.js file)']!.test.images as Float32Array;
const onnxF = features['frozen (ONNX file)']!.test.images as Float32Array;
let importGap = 0;
for (let i = 0; i < tfjsF.length; i++) importGap = Math.max(importGap, Math.abs((tfjsF[i] as number) - (onnxF[i] as number)));
console.error(`features: TF.js and ONNX files agree to ${importGap.toExponential(2)} (max abs difference over the test split)`);

async function runArm(arm: (typeof ARMS)[number], labeled: Int32Array, seed: number) {
  const opts = convergeOptions(seed, STEPS);
  if (arm === 'frozen (TF.js file)' || arm === 'frozen (ONNX file)') {
    const f = features[arm]!;
    const cfg: ModelConfig = { name: 'linear-head', height: 1, width: 1, channels: f.dim, numClasses: C };
    const m = openModel(cfg);
    const { weights } = await trainModel(m, initWeights(cfg, seed), f.train, labeled, opts);
    return evaluate(m, weights, f.test, range(0, test.count));
  }
  let cfg: ModelConfig = { name: 'cnn4conv', height: 28, width: 28, channels: 3, numClasses: C };
  let start = initWeights(cfg, seed);
  if (arm !== 'scratch') {
    ({ config: cfg, weights: start } = engineWeightsFromBackbone(modelJson, C, seed));
  }
  const m = openModel(cfg);
  const freeze = arm === 'fine-tuned, last block' ? m.arch.blocks.slice(0, -1).map((b) => b.prefix) : undefined;
  const { weights } = await trainModel(m, start, train, labeled, { ...opts, ...(freeze ? { freeze } : {}) });
  return evaluate(m, weights, test, range(0, test.count));
}

for (const seed of SEEDS) {
  const order = createRng(1000 + seed).permutation(train.count);
  for (const n of BUDGETS) {
    const labeled = Int32Array.from(order.slice(0, n));
    for (const arm of ARMS) {
      const key = `${arm}|${n}|${seed}`;
      if (done.has(key)) continue;
      const t0 = Date.now();
      const metrics = await runArm(arm, labeled, seed);
      const count = Array.from({ length: C }, (_, c) => metrics.confusion[c]!.reduce((a, b) => a + b, 0));
      const correct = Array.from({ length: C }, (_, c) => metrics.confusion[c]![c] as number);
      const rec: RunRecord = { arm, labels: n, seed, accuracy: metrics.accuracy, balancedAccuracy: metrics.balancedAccuracy, interval: balancedAccuracyInterval(correct, count), perClassRecall: metrics.perClassRecall, seconds: (Date.now() - t0) / 1000 };
      appendFileSync(OUT, `${JSON.stringify(rec)}\n`);
      done.set(key, rec);
      console.error(`${arm}, ${n} labels, seed ${seed}: balanced ${(rec.balancedAccuracy * 100).toFixed(1)}% [${rec.interval!.map((x) => (x * 100).toFixed(1)).join(', ')}] (${rec.seconds.toFixed(0)} s)`);
    }
  }
}

const md = report([...done.values()], { arms: [...ARMS], budgets: BUDGETS, seeds: SEEDS, importGap, backend: `${backend.active} (${backend.kernels ?? 'stock kernels'})`, sha256: features['frozen (TF.js file)']!.sha256 });
writeFileSync(path.join(HERE, 'results.md'), md);
console.log(md);
