/**
 * How long a training run lasts and in what order it sees the images: the paper's epochs over a
 * shuffled set, or (issue 16's recipe) at least `minSteps` optimiser steps, so that 30 labels
 * get as many updates as 3,000 do, with each class drawn equally often (the long tail is
 * otherwise a few percent of the batches) and a cosine decay over the whole run.
 */
import type { Rng } from '../../core/rng';

export type Sampling = 'shuffle' | 'class-balanced';

export interface RunLength {
  batchesPerEpoch: number;
  epochs: number;
  /** Steps the run takes at most (epochs x batches, capped by maxSteps). */
  totalSteps: number;
}

export function runLength(samples: number, batchSize: number, epochs: number, minSteps = 0, maxSteps = Infinity): RunLength {
  // A last batch of one sample cannot be batch-normalised (torch raises); it is skipped.
  const batchesPerEpoch = Math.floor(samples / batchSize) + (samples % batchSize > 1 ? 1 : 0);
  if (batchesPerEpoch === 0) return { batchesPerEpoch, epochs: 0, totalSteps: 0 };
  const e = Math.max(epochs, Math.ceil(minSteps / batchesPerEpoch));
  return { batchesPerEpoch, epochs: e, totalSteps: Math.min(e * batchesPerEpoch, maxSteps) };
}

/**
 * One epoch's order, written into `order` (its length is the epoch's sample count): a shuffle of
 * `indices`, or as many class-balanced draws (a class uniformly among those present, then one of
 * its images uniformly, with replacement).
 */
export function epochOrder(order: Int32Array, indices: ArrayLike<number>, sampling: Sampling, rng: Rng, byClass: Int32Array[] | null): void {
  if (sampling === 'shuffle' || !byClass) {
    order.set(Array.from(indices));
    rng.shuffle(order);
    return;
  }
  for (let i = 0; i < order.length; i++) {
    const members = byClass[rng.int(byClass.length)] as Int32Array;
    order[i] = members[rng.int(members.length)] as number;
  }
}

/** The images of each class present (for class-balanced draws). */
export function groupByClass(indices: ArrayLike<number>, labels: Int32Array): Int32Array[] {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < indices.length; i++) {
    const idx = indices[i] as number;
    const y = labels[idx] as number;
    const g = groups.get(y) ?? [];
    g.push(idx);
    groups.set(y, g);
  }
  return [...groups.keys()].sort((a, b) => a - b).map((k) => Int32Array.from(groups.get(k) as number[]));
}

/** Cosine decay from `lr` to 0 over `totalSteps`. */
export function cosineLr(lr: number, step: number, totalSteps: number): number {
  return totalSteps <= 0 ? lr : 0.5 * lr * (1 + Math.cos((Math.PI * step) / totalSteps));
}
