// The cycle's engine runs in a worker thread: the main event loop keeps ticking while a model
// trains (a responsiveness check, not a speed target), progress and cancel cross the thread,
// and the image set is registered once per vault version.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isMainThread } from 'node:worker_threads';
import type { ImageSet } from './dataset';
import { EngineWorker } from './worker/host';
import type { EngineModel } from './trainer';
import { WorkerTrainer } from './worker-trainer';

// 64x64 inputs and 64-image batches: one batch takes hundreds of ms on this machine's wasm
// backend, so an engine on the main thread would leave gaps far above the bound below.
const task: EngineModel = { model: 'cnn4conv', inputShape: [64, 64, 3], numClasses: 3 };
const N = 64;

function synthetic(): ImageSet {
  const labels = Int32Array.from({ length: N }, (_, i) => i % 3);
  const images = new Uint8Array(N * 64 * 64 * 3);
  for (let i = 0; i < N; i++) images.fill(40 + 70 * (labels[i] as number), i * 12288, (i + 1) * 12288);
  return { images, labels, count: N, height: 64, width: 64, channels: 3 };
}

const all = Int32Array.from({ length: N }, (_, i) => i);
let engine: WorkerTrainer;
beforeAll(() => {
  engine = new WorkerTrainer({ prefer: ['wasm', 'cpu'] });
});
afterAll(async () => {
  await engine.close();
});

/** Largest gap between 10 ms timer ticks while `work` runs. */
async function maxEventLoopGap<T>(work: () => Promise<T>): Promise<{ gap: number; ticks: number; out: T }> {
  let last = performance.now();
  let gap = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const t = performance.now();
    gap = Math.max(gap, t - last);
    last = t;
    ticks++;
  }, 10);
  try {
    const out = await work();
    return { gap, ticks, out };
  } finally {
    clearInterval(timer);
  }
}

describe('WorkerTrainer', () => {
  it('reports the backend the worker picked', async () => {
    expect(isMainThread).toBe(true);
    expect((await engine.backend()).active).toBe('wasm');
  });

  it('trains in a worker thread: the main event loop keeps ticking, progress arrives', async () => {
    const data = synthetic();
    const progress: number[] = [];
    const at: number[] = [];
    const init = engine.initialWeights(task, 1);
    const { gap, ticks, out } = await maxEventLoopGap(() => {
      at.push(performance.now());
      return engine.train(task, init, data, all, { epochs: 3, lr: 0.01, seed: 1 }, (f) => {
        progress.push(f);
        at.push(performance.now());
      });
    });
    expect(out.length).toBe(init.length);
    expect(out.every(Number.isFinite)).toBe(true);
    expect(Array.from(out)).not.toEqual(Array.from(init));
    expect(progress.at(-1)).toBeCloseTo(1);
    expect(progress.length).toBe(3);
    expect(ticks).toBeGreaterThan(5);
    // An engine on this thread would block it for at least one whole batch. The bound is 200 ms,
    // or a quarter of the shortest batch when a loaded machine makes batches (and OS
    // scheduling gaps) longer; either way far below what a blocking engine leaves.
    const shortestBatch = Math.min(...at.slice(1).map((t, i) => t - (at[i] as number)));
    expect(gap).toBeLessThan(Math.max(200, shortestBatch / 4));
  });

  it('cancels a running training when the orchestrator sets its flag', async () => {
    const data = synthetic();
    let cancel = false;
    let seen = 0;
    const job = engine.train(task, engine.initialWeights(task, 2), data, all, { epochs: 200, lr: 0.01, seed: 2 }, () => {
      seen++;
      if (seen === 2) cancel = true;
    }, () => cancel);
    await expect(job).rejects.toSatisfy((e: Error) => e.name === 'EngineJobCancelledError');
    expect(seen).toBeLessThan(20);
    // Still usable, and evaluate handles a class absent from the set (recall null, not NaN).
    const two = Int32Array.from([0, 1, 3, 4]);
    const m = await engine.evaluate(task, engine.initialWeights(task, 2), data, two);
    expect(m.count).toBe(4);
    expect(m.perClassRecall[2]).toBeNull();
  });

  it('registers an image set once and follows label changes without a new copy', async () => {
    const spy = vi.spyOn(EngineWorker.prototype, 'registerDataset');
    try {
      const data = synthetic();
      const w = engine.initialWeights(task, 3);
      const a = await engine.predict(task, w, data, all.subarray(0, 6), true);
      expect(a.probs.length).toBe(18);
      expect(a.features.length).toBe(6 * a.featureDim);
      await engine.predict(task, w, data, all.subarray(0, 2), false);
      expect(spy).toHaveBeenCalledTimes(1);
      await engine.predict(task, w, { ...data, labels: Int32Array.from(data.labels, (y) => (y + 1) % 3) }, all.subarray(0, 2), false);
      expect(spy).toHaveBeenCalledTimes(2);
      const [first, second] = spy.mock.calls.map((c) => c[1]);
      expect(first?.images.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(second?.images).toBe(first?.images);
      expect(second?.labels[0]).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });
});
