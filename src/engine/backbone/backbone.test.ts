// Issue 16: pretrained backbones, real files through the real loading code: an engine model
// exported as a TensorFlow.js layers model gives the engine's own features back; broken files
// are refused with a message that names the problem.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng';
import { tensorView } from '../../core/weights';
import { loadBestBackend } from '../backend';
import { readMedMnist, splitAsRgb } from '../data/npz';
import type { ImageSet } from '../dataset';
import { predict } from '../infer/inference';
import { initWeights, openModel } from '../model';
import { maxRelErr } from '../nn/test-support';
import { engineWeightsFromBackbone } from './engine-weights';
import { exportTfjsBackbone } from './export-tfjs';
import { extractFeatures } from './extract';
import { loadBackbone } from './load';
import { BackboneError } from './types';

const dirs: string[] = [];
const tmp = (p: string) => {
  const d = mkdtempSync(path.join(tmpdir(), p));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let retina: ImageSet;
beforeAll(async () => {
  await loadBestBackend({ prefer: ['wasm', 'cpu'] });
  const s = readMedMnist(path.resolve('../shared/datasets/retinamnist.npz')).splits.test!;
  retina = { images: splitAsRgb(s), labels: s.labels, count: s.count, height: s.height, width: s.width, channels: 3 };
});

/** Seeded weights with BatchNorm statistics that are not the identity, so eval-mode BN matters. */
function weightsFor(name: string, seed: number) {
  const cfg = { name, height: 28, width: 28, channels: 3, numClasses: 5 };
  const ws = initWeights(cfg, seed);
  const rng = createRng(seed + 1);
  for (const s of ws.specs) {
    if (s.name.endsWith('running_mean')) tensorView(ws, s.name).forEach((_, i, v) => (v[i] = rng.next() * 0.2 - 0.1));
    if (s.name.endsWith('running_var')) tensorView(ws, s.name).forEach((_, i, v) => (v[i] = 0.5 + rng.next()));
  }
  return { cfg, ws };
}

describe('TensorFlow.js backbones', () => {
  for (const name of ['cnn4conv', 'resnet9s']) {
    it(`a ${name} exported as model.json + weights.bin gives the engine's own features`, async () => {
      const { cfg, ws } = weightsFor(name, 3);
      const m = openModel(cfg);
      const dir = tmp('fairfal-backbone-');
      const file = await exportTfjsBackbone(m.arch, ws, dir, { description: 'test export' });
      const backbone = await loadBackbone(file);
      expect(backbone.info).toMatchObject({ format: 'tfjs-layers', inputShape: [28, 28, 3], inputScaling: 'unit', featureDim: m.arch.featureDim, description: 'test export' });
      const idx = Int32Array.from({ length: 40 }, (_, i) => i * 7);
      const seen: number[] = [];
      const features = await extractFeatures(backbone, retina, idx, { batchSize: 16, onProgress: (done) => seen.push(done) });
      expect(seen).toEqual([16, 32, 40]);
      const engine = await predict(m, ws, retina, idx, { features: true });
      expect(maxRelErr(features, engine.features)).toBeLessThan(1e-4);
      await backbone.close();
    }, 60_000);
  }

  it('reads an engine export back into engine weights for fine-tuning, the classifier fresh', async () => {
    const { cfg, ws } = weightsFor('resnet9s', 6);
    const arch = openModel(cfg).arch;
    const file = await exportTfjsBackbone(arch, ws, tmp('fairfal-bb-ft-'), { description: '' });
    const { config, weights } = engineWeightsFromBackbone(file, 3, 9);
    expect(config).toMatchObject({ name: 'resnet9s', height: 28, width: 28, channels: 3, numClasses: 3 });
    for (const b of arch.blocks) {
      for (const t of ['conv.weight', 'conv.bias', 'bn.weight', 'bn.running_mean', 'bn.running_var']) {
        expect(Array.from(tensorView(weights, `${b.prefix}.${t}`))).toEqual(Array.from(tensorView(ws, `${b.prefix}.${t}`)));
      }
    }
    expect(tensorView(weights, 'fc.weight')).toHaveLength(128 * 3);
  }, 60_000);

  it('identifies a backbone by the hash of its files, so changed weights invalidate features', async () => {
    const a = weightsFor('cnn4conv', 3);
    const b = weightsFor('cnn4conv', 4);
    const arch = openModel(a.cfg).arch;
    const [fa, fb, fa2] = await Promise.all([
      exportTfjsBackbone(arch, a.ws, tmp('fairfal-bb-a-'), { description: '' }),
      exportTfjsBackbone(arch, b.ws, tmp('fairfal-bb-b-'), { description: '' }),
      exportTfjsBackbone(arch, a.ws, tmp('fairfal-bb-a2-'), { description: '' }),
    ]);
    const [ia, ib, ia2] = await Promise.all([fa, fb, fa2].map(async (f) => (await loadBackbone(f)).info.sha256));
    expect(ia).toMatch(/^[0-9a-f]{64}$/);
    expect(ib).not.toBe(ia);
    expect(ia2).toBe(ia);
  }, 60_000);

  it('refuses broken files with a message naming the problem', async () => {
    const { cfg, ws } = weightsFor('cnn4conv', 5);
    const dir = tmp('fairfal-bb-bad-');
    const file = await exportTfjsBackbone(openModel(cfg).arch, ws, dir, { description: '' });
    const json = JSON.parse(readFileSync(file, 'utf8'));

    json.weightsManifest[0].paths = ['../../etc/passwd'];
    writeFileSync(path.join(dir, 'escape.json'), JSON.stringify(json));
    await expect(loadBackbone(path.join(dir, 'escape.json'))).rejects.toThrow(/outside its own folder/);

    const weights = readFileSync(path.join(dir, 'weights.bin'));
    writeFileSync(path.join(dir, 'short.bin'), weights.subarray(0, weights.length - 100));
    json.weightsManifest[0].paths = ['short.bin'];
    writeFileSync(path.join(dir, 'truncated.json'), JSON.stringify(json));
    await expect(loadBackbone(path.join(dir, 'truncated.json'))).rejects.toThrow(BackboneError);

    writeFileSync(path.join(dir, 'garbage.json'), '{"modelTopology": 3');
    await expect(loadBackbone(path.join(dir, 'garbage.json'))).rejects.toThrow(/is not a TensorFlow\.js model\.json/);
    await expect(loadBackbone(path.join(dir, 'missing.json'))).rejects.toThrow(/does not exist/);
    await expect(loadBackbone(path.join(dir, 'weights.bin'))).rejects.toThrow(/model\.json or an \.onnx file/);

    const nan = new Float32Array(weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length));
    nan.fill(Number.NaN, 0, 100);
    writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(nan.buffer));
    await expect(loadBackbone(file)).rejects.toThrow(/weight 'block1_conv\/kernel' holds a non-finite value/);
  }, 60_000);
});

describe('ONNX backbones', () => {
  // bench/learning/transfer/pretrain.ts: CNN4Conv pretrained on ODIR fundus photographs, written
  // as a TensorFlow.js model by this engine and as ONNX by PyTorch's exporter from the same weights.
  const dir = path.resolve('bench/learning/transfer/backbone');

  it('the same pretrained weights as ONNX (PyTorch export, NCHW) and as TensorFlow.js give the same features', async () => {
    const onnx = await loadBackbone(path.join(dir, 'backbone.onnx'));
    const tfjs = await loadBackbone(path.join(dir, 'model.json'));
    expect(onnx.info).toMatchObject({ format: 'onnx', inputShape: [28, 28, 3], featureDim: 64 });
    expect(tfjs.info.description).toMatch(/pretrained on odir-fundus-28/);
    const idx = Int32Array.from({ length: 64 }, (_, i) => i * 5);
    const [a, b] = [await extractFeatures(onnx, retina, idx, { batchSize: 20 }), await extractFeatures(tfjs, retina, idx)];
    expect(maxRelErr(a, b)).toBeLessThan(1e-5);
    expect(Math.max(...a)).toBeGreaterThan(0.1); // not a dead network
    await Promise.all([onnx.close(), tfjs.close()]);
  }, 60_000);

  it('refuses a file that is not an ONNX model', async () => {
    const file = path.join(tmp('fairfal-onnx-bad-'), 'model.onnx');
    writeFileSync(file, 'not a protobuf at all');
    await expect(loadBackbone(file)).rejects.toThrow(/model\.onnx is not a valid ONNX model/);
  });
});
