/**
 * Step 1 of the transfer experiment: pretrain CNN4Conv on odir-fundus-28 (ODIR-5K fundus
 * photographs, 7 diagnoses; no RetinaMNIST image or label), keep the checkpoint with the best
 * balanced held-out loss on ODIR's validation split, and export its feature extractor as a
 * TensorFlow.js backbone (backbone/model.json + weights.bin) and, through PyTorch, as ONNX
 * (backbone/backbone.onnx; export_onnx.py). Run:
 *   node --import tsx bench/learning/transfer/pretrain.ts [--steps 3000]
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createWeightSet, specSize } from '../../../src/core/weights';
import { loadBestBackend } from '../../../src/engine/backend';
import { exportTfjsBackbone } from '../../../src/engine/backbone/export-tfjs';
import { evaluate } from '../../../src/engine/infer/inference';
import { initWeights, openModel } from '../../../src/engine/model';
import { trainModel } from '../../../src/engine/train/trainer';
import { toTorchTensors } from '../../../src/engine/weights/torch-layout';
import { BACKBONE_DIR, convergeOptions, HERE, joined, range, splitOf } from './common';

const argv = process.argv.slice(2);
const STEPS = Number(argv[argv.indexOf('--steps') + 1] || 3000) || 3000;
const backend = await loadBestBackend({ prefer: ['wasm', 'cpu'] });
const train = splitOf('odir-fundus-28.npz', 'train');
const val = splitOf('odir-fundus-28.npz', 'val');
const test = splitOf('odir-fundus-28.npz', 'test');
const data = joined(train, val);
const cfg = { name: 'cnn4conv', height: 28, width: 28, channels: 3, numClasses: 7 };
const model = openModel(cfg);
const t0 = Date.now();
let last = 0;
const result = await trainModel(
  model,
  initWeights(cfg, 1),
  data,
  range(0, train.count),
  { ...convergeOptions(1, STEPS, 64), holdout: { indices: range(train.count, data.count), everySteps: 250, patience: 4 } },
  {
    onProgress: (p) => {
      if (p.step - last >= 250) {
        last = p.step;
        console.error(`step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(3)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      }
    },
  },
);
const metrics = await evaluate(model, result.weights, test, range(0, test.count));
console.error(`ODIR test: accuracy ${(metrics.accuracy * 100).toFixed(1)}%, balanced ${(metrics.balancedAccuracy * 100).toFixed(1)}%; kept step ${result.best?.step}`);

const modelJson = await exportTfjsBackbone(model.arch, result.weights, BACKBONE_DIR, {
  description: `CNN4Conv pretrained on odir-fundus-28 (ODIR-5K, 7 diagnoses, ${train.count} training images), FairFAL Annotator bench/learning/transfer`,
});
// The same weights in PyTorch's layout for the ONNX export (the classifier is not part of a backbone).
const tensors = toTorchTensors(result.weights, model.arch).filter((t) => !t.name.startsWith('linear.'));
const blob = createWeightSet(tensors.map((t) => ({ name: t.name, shape: t.shape, trainable: true })));
let offset = 0;
const manifest = tensors.map((t) => {
  blob.data.set(t.data, offset);
  const entry = { name: t.name, shape: t.shape, offset };
  offset += specSize({ name: t.name, shape: t.shape, trainable: true });
  return entry;
});
const torchBin = path.join(HERE, '.torch-weights.bin');
writeFileSync(torchBin, Buffer.from(blob.data.buffer));
writeFileSync(`${torchBin}.json`, JSON.stringify(manifest));
execFileSync('/usr/bin/python3', [path.join(HERE, 'export_onnx.py'), torchBin, path.join(BACKBONE_DIR, 'backbone.onnx')], { stdio: 'inherit' });
writeFileSync(
  path.join(HERE, 'pretrain.json'),
  `${JSON.stringify({ finished: new Date().toISOString(), backend: backend.active, kernels: backend.kernels, steps: result.steps, keptStep: result.best?.step ?? null, seconds: (Date.now() - t0) / 1000, odirTest: { accuracy: metrics.accuracy, balancedAccuracy: metrics.balancedAccuracy, count: metrics.count }, files: [path.relative(HERE, modelJson), 'backbone/weights.bin', 'backbone/backbone.onnx'] }, null, 2)}\n`,
);
