import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng';
import { initWeights } from '../model';
import type { ModelConfig } from '../models/types';
import { EngineJobCancelledError, EngineWorker, EngineWorkerError } from './host';
import { EnginePool } from './pool';

const cfg: ModelConfig = { name: 'cnn4conv', height: 16, width: 16, channels: 3, numClasses: 3 };

function synthetic(count: number, seed: number) {
  const rng = createRng(seed);
  const labels = Int32Array.from({ length: count }, () => rng.int(3));
  const images = new Uint8Array(count * 16 * 16 * 3);
  // Class-dependent brightness so training has something to learn.
  labels.forEach((y, i) => {
    for (let k = 0; k < 768; k++) images[i * 768 + k] = Math.min(255, 60 * y + rng.int(80));
  });
  return { images, labels, count, height: 16, width: 16, channels: 3 };
}

const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

describe('engine worker protocol', () => {
  let w: EngineWorker;
  beforeAll(async () => {
    w = await EngineWorker.start({ prefer: ['wasm', 'cpu'] });
    await w.registerDataset('synth', synthetic(96, 1));
  });
  afterAll(async () => {
    await w.close();
  });

  it('reports the backend and trains with progress events', async () => {
    expect(w.backend?.active).toBe('wasm');
    const progress: number[] = [];
    const r = await w.train(cfg, initWeights(cfg, 1), 'synth', all(96), { epochs: 2, lr: 0.05, seed: 3, batchSize: 32 }, (p) => progress.push(p.epoch * 10 + p.batch)).result;
    expect(progress).toEqual([0, 1, 2, 10, 11, 12]);
    expect(r.history).toHaveLength(2);
    expect(r.weights.data.length).toBe(initWeights(cfg, 1).data.length);
    expect(r.weights.data.every(Number.isFinite)).toBe(true);
    const m = await w.evaluate(cfg, r.weights, 'synth', all(96)).result;
    expect(m.count).toBe(96);
  });

  it('is deterministic for a seed', async () => {
    const a = await w.train(cfg, initWeights(cfg, 2), 'synth', all(64), { epochs: 1, lr: 0.05, seed: 9, hflip: true }).result;
    const b = await w.train(cfg, initWeights(cfg, 2), 'synth', all(64), { epochs: 1, lr: 0.05, seed: 9, hflip: true }).result;
    const c = await w.train(cfg, initWeights(cfg, 2), 'synth', all(64), { epochs: 1, lr: 0.05, seed: 10, hflip: true }).result;
    expect(Array.from(a.weights.data)).toEqual(Array.from(b.weights.data));
    expect(Array.from(a.weights.data)).not.toEqual(Array.from(c.weights.data));
  });

  it('carries SCAFFOLD control variates to the trainer and returns the lr sum', async () => {
    const init = initWeights(cfg, 2);
    const n = init.data.length;
    const opts = { epochs: 1, lr: 0.05, seed: 9, batchSize: 32 };
    const plain = await w.train(cfg, init, 'synth', all(64), opts).result;
    const server = new Float32Array(n).fill(0.5);
    const corrected = await w.train(cfg, init, 'synth', all(64), { ...opts, scaffold: { server, client: new Float32Array(n) } }).result;
    expect(plain.steps).toBe(2);
    expect(plain.lrSum).toBeCloseTo(0.1, 12);
    expect(Array.from(corrected.weights.data)).not.toEqual(Array.from(plain.weights.data));
    await expect(w.train(cfg, init, 'synth', all(64), { ...opts, scaffold: { server: new Float32Array(3), client: new Float32Array(3) } }).result).rejects.toThrow(/control variates hold 3/);
  });

  it('cancels a running job and stays usable', async () => {
    let seen = 0;
    const job = w.train(cfg, initWeights(cfg, 1), 'synth', all(96), { epochs: 500, lr: 0.01, seed: 1, batchSize: 8 }, () => {
      seen++;
      if (seen === 3) void w.cancel(job.jobId);
    });
    await expect(job.result).rejects.toBeInstanceOf(EngineJobCancelledError);
    expect(seen).toBeLessThan(20);
    const p = await w.predict(cfg, initWeights(cfg, 1), 'synth', all(5), { features: true }).result;
    expect(p.probs.length).toBe(15);
    expect(p.features.length).toBe(5 * 64);
  });

  it('surfaces errors with their cause and rejects malformed requests', async () => {
    const bad = w.train(cfg, initWeights(cfg, 1), 'nope', all(4), { epochs: 1, lr: 0.01, seed: 1 }).result;
    await expect(bad).rejects.toBeInstanceOf(EngineWorkerError);
    await expect(bad).rejects.toSatisfy((e: Error) => (e.cause as Error).name === 'UnknownDatasetError' && /'nope'/.test((e.cause as Error).message));
    const outOfRange = w.predict(cfg, initWeights(cfg, 1), 'synth', Int32Array.from([0, 500])).result;
    await expect(outOfRange).rejects.toSatisfy((e: Error) => (e.cause as Error).name === 'DatasetError');
    const wrongModel = w.predict({ ...cfg, name: 'resnet999' }, initWeights(cfg, 1), 'synth', all(2)).result;
    await expect(wrongModel).rejects.toThrow(/unknown model 'resnet999'/);
    await expect(w.sendRaw({ type: 'train', datasetId: 3 })).rejects.toSatisfy((e: Error) => (e.cause as Error).name === 'EngineProtocolError');
  });

  it('leaks no tensors over 100 training calls', async () => {
    const small = all(8);
    await w.train(cfg, initWeights(cfg, 1), 'synth', small, { epochs: 1, lr: 0.01, seed: 1 }).result;
    const before = await w.memory();
    for (let i = 0; i < 100; i++) await w.train(cfg, initWeights(cfg, 1), 'synth', small, { epochs: 1, lr: 0.01, seed: i }).result;
    await w.predict(cfg, initWeights(cfg, 1), 'synth', small, { features: true }).result;
    await w.embed(cfg, initWeights(cfg, 1), 'synth', small, { probsWeights: initWeights(cfg, 2) }).result;
    const after = await w.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  });
});

describe('engine pool', () => {
  it('runs clients on two workers in parallel with shared datasets', async () => {
    const pool = await EnginePool.start({ size: 2, prefer: ['wasm', 'cpu'] });
    try {
      await pool.registerDataset('synth', synthetic(64, 4));
      const jobs = [0, 1, 2, 3].map((k) => pool.train(cfg, initWeights(cfg, 1), 'synth', all(64).subarray(k * 16, k * 16 + 16), { epochs: 1, lr: 0.01, seed: k }));
      expect(new Set(jobs.map((j) => j.worker)).size).toBe(2);
      const results = await Promise.all(jobs.map((j) => j.result));
      expect(results.map((r) => r.steps)).toEqual([1, 1, 1, 1]);
      // Same inputs on either worker give the same weights.
      const again = await pool.train(cfg, initWeights(cfg, 1), 'synth', all(64).subarray(0, 16), { epochs: 1, lr: 0.01, seed: 0 }).result;
      expect(Array.from(again.weights.data)).toEqual(Array.from((results[0] as typeof again).weights.data));
    } finally {
      await pool.close();
    }
  });
});
