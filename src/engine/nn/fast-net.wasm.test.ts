import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng';
import { loadBestBackend } from '../backend';
import { setSimdKernelsEnabled } from '../kernels/raw-kernel';
import { getModel } from '../models/registry';
import type { ModelConfig } from '../models/types';
import { createFastNet } from './fast-net';
import { disposeParams, uploadParams } from './params';
import { createReferenceNet } from './reference-net';
import { maxRelErr } from './test-support';
import { setWinogradEnabled, winogradApplies } from './winograd-conv';
import type { StepOutput } from './types';

const references = new Map<string, Promise<StepOutput & { logits: Float32Array }>>();

/** The cpu autodiff reference, computed once per shape (it is the slow half of each case). */
function reference(cfg: ModelConfig, n: number) {
  const key = `${cfg.name}:${cfg.height}x${cfg.channels}x${n}`;
  if (!references.has(key)) references.set(key, stepOn('cpu', 'reference', cfg, n));
  return references.get(key) as Promise<StepOutput & { logits: Float32Array }>;
}

/** One step of `kind` on `backend`, on the same weights and batch. */
async function stepOn(backend: 'wasm' | 'cpu', kind: 'fast' | 'reference', cfg: ModelConfig, n: number): Promise<StepOutput & { logits: Float32Array }> {
  await loadBestBackend({ prefer: [backend] });
  expect(tf.getBackend()).toBe(backend);
  const def = getModel(cfg.name);
  const arch = def.describe(cfg);
  const rng = createRng(5);
  const x = tf.tensor4d(Float32Array.from({ length: n * cfg.height * cfg.width * cfg.channels }, () => rng.next() * 2 - 1), [n, cfg.height, cfg.width, cfg.channels]);
  const y = Int32Array.from({ length: n }, () => rng.int(cfg.numClasses));
  const p = uploadParams(def.init(cfg, 7));
  const net = kind === 'fast' ? createFastNet(arch) : createReferenceNet(arch);
  const out = net.step(p, x, y);
  const fwd = net.forward(p, x, false);
  const logits = fwd.logits.dataSync() as Float32Array;
  tf.dispose([x, fwd.logits, fwd.features]);
  disposeParams(p);
  return { ...out, logits };
}


// The wasm path runs the SIMD kernels (kernels.c) where shapes allow; odd sizes (7x7, 3x3
// blocks) exercise their uncovered pool rows; the reference is stock autodiff on cpu.
describe('fast net on wasm (SIMD kernels) matches autodiff on cpu', () => {
  afterAll(() => {
    setSimdKernelsEnabled(true);
    setWinogradEnabled(true);
  });
  // 28x28: Winograd on the 14x14 and 7x7 blocks (odd tiles cropped), direct conv elsewhere.
  // resnet9s adds blocks without pool, residual shortcuts and the global-average head.
  const cases = [
    ['cnn4conv', 28, 3, 'simd', true],
    ['cnn4conv', 28, 3, 'simd', false],
    ['cnn4conv', 16, 1, 'simd', true],
    ['cnn4conv', 16, 3, 'js', false],
    ['resnet9s', 28, 3, 'simd', true],
    ['resnet9s', 16, 1, 'js', false],
  ] as const;
  for (const [model, h, c, kernels, winograd] of cases) {
    it(`${model} ${h}x${h}x${c}, ${kernels} kernels, Winograd ${winograd ? 'on' : 'off'}`, async () => {
      setSimdKernelsEnabled(kernels === 'simd');
      setWinogradEnabled(winograd);
      const cfg: ModelConfig = { name: model, height: h, width: h, channels: c, numClasses: 5 };
      const ref = await reference(cfg, 4);
      const fast = await stepOn('wasm', 'fast', cfg, 4);
      expect(fast.loss).toBeCloseTo(ref.loss, 4);
      expect(fast.correct).toBe(ref.correct);
      expect(maxRelErr(fast.grad, ref.grad)).toBeLessThan(2e-3);
      fast.batchStats.forEach((s, i) => expect(maxRelErr(s, ref.batchStats[i] as Float32Array)).toBeLessThan(1e-4));
      expect(maxRelErr(fast.logits, ref.logits)).toBeLessThan(1e-4);
    }, 180_000);
  }
});

describe('SIMD kernel module', () => {
  beforeAll(async () => {
    await loadBestBackend({ prefer: ['wasm'] });
  });
  it('Winograd takes the wide blocks whose tiles fit the memory cap, and only with the SIMD kernels', () => {
    const block = (h: number, cin: number) => ({ prefix: 'b', h, w: h, cin, cout: 64 });
    expect(winogradApplies(block(14, 64), 256)).toBe(true);
    expect(winogradApplies(block(28, 3), 64)).toBe(false); // 3 input channels
    expect(winogradApplies(block(3, 64), 64)).toBe(false); // 3x3 map: padding waste
    expect(winogradApplies(block(32, 64), 256)).toBe(false); // 268 MB of tiles
    expect(winogradApplies(block(32, 64), 64)).toBe(true);
    setSimdKernelsEnabled(false);
    expect(winogradApplies(block(14, 64), 64)).toBe(false);
    setSimdKernelsEnabled(true);
  });

  it('is the module built from kernels.c as committed', async () => {
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const { SIMD_KERNELS_SOURCE_SHA256 } = await import('../kernels/simd/kernels-wasm');
    const sha = createHash('sha256').update(readFileSync(new URL('../kernels/simd/kernels.c', import.meta.url))).digest('hex');
    expect(sha, 'kernels.c changed: run node tools/simd/build.mjs').toBe(SIMD_KERNELS_SOURCE_SHA256);
  });
});
