import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng';
import { cosineLr, epochOrder, groupByClass, runLength } from './run-plan';

describe('run plan', () => {
  it('gives a small set as many steps as minSteps asks, and never more than maxSteps', () => {
    expect(runLength(40, 32, 10, 400)).toEqual({ batchesPerEpoch: 2, epochs: 200, totalSteps: 400 });
    expect(runLength(6400, 64, 10, 400)).toEqual({ batchesPerEpoch: 100, epochs: 10, totalSteps: 1000 });
    expect(runLength(6400, 64, 10, 0, 250).totalSteps).toBe(250);
    // A single image cannot be batch-normalised: nothing to train.
    expect(runLength(1, 32, 10, 400).totalSteps).toBe(0);
  });

  it('draws every class about equally often when class-balanced', () => {
    const labels = Int32Array.from({ length: 100 }, (_, i) => (i < 90 ? 0 : i < 98 ? 1 : 2));
    const indices = Int32Array.from({ length: 100 }, (_, i) => i);
    const order = new Int32Array(30_000);
    epochOrder(order, indices, 'class-balanced', createRng(3), groupByClass(indices, labels));
    const counts = [0, 0, 0];
    for (const i of order) counts[labels[i]!]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    const shuffled = new Int32Array(100);
    epochOrder(shuffled, indices, 'shuffle', createRng(3), null);
    expect([...shuffled].sort((a, b) => a - b)).toEqual([...indices]);
  });

  it('decays the lr from its start to zero along a half cosine', () => {
    expect(cosineLr(0.1, 0, 100)).toBeCloseTo(0.1);
    expect(cosineLr(0.1, 50, 100)).toBeCloseTo(0.05);
    expect(cosineLr(0.1, 100, 100)).toBeCloseTo(0);
  });
});
