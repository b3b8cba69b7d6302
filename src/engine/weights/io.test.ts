import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBestBackend } from '../backend';
import { initWeights } from '../model';
import { exportTfjs, loadWeights, saveWeights } from './io';

const cfg = { name: 'cnn4conv', height: 28, width: 28, channels: 3 as const, numClasses: 7 };
const header = { model: 'cnn4conv', inputShape: [28, 28, 3] as [number, number, number], numClasses: 7 };

describe('weights files', () => {
  beforeAll(async () => {
    await loadBestBackend({ prefer: ['cpu'] });
  });
  it('saves and loads CNN4Conv weights bit-exactly, rejects a corrupted file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ffw-'));
    const ws = initWeights(cfg, 5);
    const file = path.join(dir, 'w.ffw');
    await saveWeights(file, header, ws);
    const back = await loadWeights(file);
    expect(back.header.tensors.map((t) => t.name)).toEqual(ws.specs.map((s) => s.name));
    expect(Buffer.from(back.weights.data.buffer).equals(Buffer.from(ws.data.buffer))).toBe(true);
    const bytes = await readFile(file);
    bytes[bytes.length - 100] ^= 0xff;
    await writeFile(file, bytes);
    await expect(loadWeights(file)).rejects.toThrow(/checksum mismatch/);
    await writeFile(file, bytes.subarray(0, 1000));
    await expect(loadWeights(file)).rejects.toThrow(/truncated/);
  });
  it('exports a tfjs weightsManifest that tfjs decodes to the same tensors', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tfjs-'));
    const ws = initWeights(cfg, 6);
    const { modelJson, bin } = await exportTfjs(dir, header, ws);
    const json = JSON.parse(await readFile(modelJson, 'utf8')) as { weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
    const buf = await readFile(bin);
    const named = tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), json.weightsManifest[0]?.weights ?? []);
    const w = named['block2.conv.weight'] as tf.Tensor;
    expect(w.shape).toEqual([3, 3, 64, 64]);
    const fc = named['fc.bias'] as tf.Tensor;
    expect(Array.from(fc.dataSync())).toEqual(Array.from(ws.data.subarray(ws.data.length - 7)));
    tf.dispose(Object.values(named));
  });
});
