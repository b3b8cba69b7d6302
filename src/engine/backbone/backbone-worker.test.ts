// The product runs backbones in the engine's worker thread: loading and feature extraction cross
// the typed protocol, and a head trains there on the float features (Float32 datasets).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBestBackend } from '../backend';
import { readMedMnist, splitAsRgb } from '../data/npz';
import { InProcessTrainer } from '../in-process-trainer';
import { initWeights, openModel } from '../model';
import { WorkerTrainer } from '../worker-trainer';
import { exportTfjsBackbone } from './export-tfjs';
import { featureSet } from './extract';

let dir: string;
let worker: WorkerTrainer;
beforeAll(async () => {
  await loadBestBackend({ prefer: ['wasm', 'cpu'] });
  dir = mkdtempSync(path.join(tmpdir(), 'fairfal-bb-worker-'));
  worker = new WorkerTrainer({ prefer: ['wasm', 'cpu'] });
});
afterAll(async () => {
  await worker.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('backbones in the engine worker', () => {
  it('describes, extracts (with progress) and trains a head across the thread boundary', async () => {
    const cfg = { name: 'cnn4conv', height: 28, width: 28, channels: 3, numClasses: 5 };
    const file = await exportTfjsBackbone(openModel(cfg).arch, initWeights(cfg, 8), dir, { description: 'worker test' });
    const s = readMedMnist(path.resolve('../shared/datasets/retinamnist.npz')).splits.val!;
    const data = { images: splitAsRgb(s), labels: s.labels, count: s.count, height: 28, width: 28, channels: 3 };
    const idx = Int32Array.from({ length: s.count }, (_, i) => i);

    const info = await worker.backboneInfo(file);
    expect(info).toMatchObject({ featureDim: 64, description: 'worker test' });
    const progress: number[] = [];
    const features = await worker.extractFeatures(file, data, idx, (f) => progress.push(f));
    expect(progress.at(-1)).toBe(1);
    const inProcess = new InProcessTrainer(['wasm', 'cpu']);
    expect(Array.from(features)).toEqual(Array.from(await inProcess.extractFeatures(file, data, idx)));
    await inProcess.close();

    const task = { model: 'linear-head', inputShape: [1, 1, 64] as const, numClasses: 5 };
    const set = featureSet(features, s.labels, 64);
    const w = await worker.train(task, worker.initialWeights(task, 1), set, idx, { epochs: 3, lr: 0.01, seed: 1 });
    const r = await worker.evaluate(task, w, set, idx);
    expect(r.count).toBe(s.count);
    expect(r.accuracy).toBeGreaterThan(0.3);
  }, 120_000);
});
