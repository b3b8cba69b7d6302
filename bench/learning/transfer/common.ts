/** Shared by the transfer experiment's scripts: data sets, the recipes, the backbone's files. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMedMnist, splitAsRgb } from '../../../src/engine/data/npz';
import type { ImageSet } from '../../../src/engine/dataset';
import type { TrainOptions } from '../../../src/engine/train/trainer';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const BACKBONE_DIR = path.join(HERE, 'backbone');
export const DATASETS = path.resolve(HERE, '../../../../shared/datasets');

export function splitOf(file: string, split: 'train' | 'val' | 'test'): ImageSet {
  const s = readMedMnist(path.join(DATASETS, file)).splits[split];
  if (!s) throw new Error(`${file} has no ${split} split`);
  return { images: splitAsRgb(s), labels: s.labels, count: s.count, height: s.height, width: s.width, channels: 3 };
}

/** Two splits as one set (train first), so a held-out part can be named by index. */
export function joined(a: ImageSet, b: ImageSet): ImageSet {
  const images = new Uint8Array(a.images.length + b.images.length);
  images.set(a.images as Uint8Array);
  images.set(b.images as Uint8Array, a.images.length);
  const labels = new Int32Array(a.count + b.count);
  labels.set(a.labels);
  labels.set(b.labels, a.count);
  return { images, labels, count: a.count + b.count, height: a.height, width: a.width, channels: 3 };
}

export const range = (from: number, to: number) => Int32Array.from({ length: to - from }, (_, i) => from + i);

/** The converging recipe (core/protocol CONVERGE_RECIPE) as engine options, without early stopping. */
export function convergeOptions(seed: number, steps: number, batchSize = 32): TrainOptions {
  return {
    epochs: 1,
    minSteps: steps,
    maxSteps: steps,
    lr: 0.01,
    batchSize,
    momentum: 0.9,
    weightDecay: 5e-4,
    hflip: true,
    augment: { hflip: true, vflip: true, rot90: true, jitter: 0.1, cropScale: 0.7 },
    sampling: 'class-balanced',
    cosine: true,
    seed,
  };
}
