// Issue 16: a workspace on a pretrained backbone. Its features are computed once per image in
// the engine and cached in the data folder; a linear head trains, is measured on held-out labels
// and drives FairFAL's queue; a changed backbone invalidates the cache; a federation's backbone
// is checked by sha256 when a site installs it.
import { existsSync, mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBestBackend } from '../../../engine/backend';
import { exportTfjsBackbone } from '../../../engine/backbone/export-tfjs';
import { InProcessTrainer } from '../../../engine/in-process-trainer';
import { initWeights, openModel } from '../../../engine/model';
import type { Trainer } from '../../../engine/trainer';
import { createClientNode } from '../client-node';
import { ApiEventBus } from '../event-bus';
import { FileSecretStore } from '../federation/secret-store';
import { webMediaUrl } from '../vault/media-store';
import { Backbones } from './backbones';
import { engineWeightsFromBackbone } from '../../../engine/backbone/engine-weights';
import { tensorView } from '../../../core/weights';

const RETINA = path.resolve('../shared/datasets/retinamnist.npz');
const dirs: string[] = [];
const tmp = (p: string) => {
  const d = mkdtempSync(path.join(tmpdir(), p));
  dirs.push(d);
  return d;
};
// The test writes its backbones with tfjs in this thread.
beforeAll(async () => {
  await loadBestBackend({ prefer: ['wasm', 'cpu'] });
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A CNN4Conv feature extractor written as a TensorFlow.js backbone (seeded: two seeds, two backbones). */
async function backboneFile(seed: number): Promise<string> {
  const cfg = { name: 'cnn4conv', height: 28, width: 28, channels: 3, numClasses: 5 };
  return exportTfjsBackbone(openModel(cfg).arch, initWeights(cfg, seed), tmp('fairfal-bb-src-'), { description: `test backbone ${seed}` });
}

/** The in-process engine, counting the images each feature extraction was given. */
function countingEngine(): { engine: Trainer; extracted: () => number } {
  const inner = new InProcessTrainer(['wasm', 'cpu']);
  let n = 0;
  const engine: Trainer = Object.assign(Object.create(inner) as Trainer, {
    extractFeatures: (...args: Parameters<Trainer['extractFeatures']>) => {
      n += args[2].length;
      return inner.extractFeatures(...args);
    },
  });
  return { engine, extracted: () => n };
}

async function node(engine: Trainer, backbonePath: string, backboneMode: 'frozen' | 'fine-tune-last-block' = 'frozen') {
  const dataDir = tmp('fairfal-bb-node-');
  const events = new ApiEventBus();
  const n = createClientNode({ dataDir, events, engine, secrets: new FileSecretStore(path.join(dataDir, 'secrets')), mediaUrl: webMediaUrl });
  await n.vault.startImport([RETINA], { npzSplits: ['train'], npzShard: { index: 0, count: 10 } }).done;
  await n.services.federation.startStandalone({ name: 'bb', classNames: ['0', '1', '2', '3', '4'], epochs: 1, budgetPerCycle: 5, strategy: 'fairfal', backbonePath, backboneMode });
  const queued = () => new Promise<void>((resolve) => events.listen((svc, e) => svc === 'cycle' && e === 'queueReady' && resolve()));
  return { node: n, dataDir, queued };
}

describe('a standalone workspace on a pretrained backbone', () => {
  it('trains a linear head on features computed once per image, measures it on held-out labels and queries with FairFAL', async () => {
    const { engine, extracted } = countingEngine();
    const file = await backboneFile(1);
    const { node: n, dataDir, queued } = await node(engine, file);
    const task = n.orchestrator.task()!;
    expect(task.model).toBe('linear-head');
    expect(task.inputShape).toEqual([1, 1, 64]);
    expect(task.backbone).toMatchObject({ format: 'tfjs-layers', featureDim: 64, inputShape: [28, 28, 3], description: 'test backbone 1' });
    expect(n.vault.tensors.shape).toEqual([28, 28, 3]);
    // Installed into the data folder: the workspace does not depend on the original path.
    expect(existsSync(path.join(dataDir, 'backbones', task.backbone!.sha256, 'weights.bin'))).toBe(true);

    const items = (await n.services.vault.listSamples({ offset: 0, limit: 1000 })).items;
    await n.services.cycle.submitLabels({ labels: items.slice(0, 40).map((s) => ({ sampleId: s.id, label: s.sourceLabel! })), final: false });
    let ready = queued();
    await n.services.cycle.startLocalWork(undefined);
    await ready;
    const poolSize = n.orchestrator.pool().ids.length;
    expect(extracted()).toBe(poolSize);
    const [m] = await n.services.cycle.getMetrics(undefined);
    expect(m?.source).toBe('held-out');
    const q = await n.services.cycle.getQueue(undefined);
    expect(q.items).toHaveLength(5);
    expect(q.items[0]?.reason.strategy).toBe('fairfal');

    // The next cycle reads every feature from the cache.
    ready = queued();
    await n.services.cycle.submitLabels({ labels: q.items.map((it) => ({ sampleId: it.sampleId, label: items.find((s) => s.id === it.sampleId)!.sourceLabel! })), final: true });
    await ready;
    expect(extracted()).toBe(poolSize);
    await n.close();
  }, 240_000);

  it('fine-tunes the last block of a pretrained engine network: earlier blocks stay as pretrained', async () => {
    const { engine, extracted } = countingEngine();
    const file = path.resolve('bench/learning/transfer/backbone/model.json');
    const { node: n, queued } = await node(engine, file, 'fine-tune-last-block');
    const task = n.orchestrator.task()!;
    expect(task).toMatchObject({ model: 'cnn4conv', inputShape: [28, 28, 3], pretrained: { featureDim: 64 } });
    expect(task.backbone).toBeUndefined();
    expect(task.training?.frozenBlocks).toEqual(['block1', 'block2', 'block3']);
    const items = (await n.services.vault.listSamples({ offset: 0, limit: 1000 })).items;
    await n.services.cycle.submitLabels({ labels: items.slice(0, 40).map((s) => ({ sampleId: s.id, label: s.sourceLabel! })), final: false });
    const ready = queued();
    await n.services.cycle.startLocalWork(undefined);
    await ready;
    expect(extracted()).toBe(0); // the network runs whole: no cached features
    const trained = n.models.load(n.orchestrator.state().modelHash!);
    const pretrained = engineWeightsFromBackbone(file, 5, 0).weights;
    const specs = pretrained.specs;
    const view = (data: Float32Array, name: string) => tensorView({ specs, data }, name);
    for (const t of ['block1.conv.weight', 'block2.bn.weight', 'block3.bn.running_mean']) expect(Array.from(view(trained, t))).toEqual(Array.from(view(pretrained.data, t)));
    expect(Array.from(view(trained, 'block4.conv.weight'))).not.toEqual(Array.from(view(pretrained.data, 'block4.conv.weight')));
    expect((await n.services.cycle.getMetrics(undefined))[0]?.source).toBe('held-out');
    await n.close();
  }, 240_000);

  it('checks a federation backbone by sha256 and refuses files that are not backbones', async () => {
    const { engine } = countingEngine();
    const file = await backboneFile(2);
    const { node: n } = await node(engine, file);
    expect(await n.services.federation.getBackbone(undefined)).toMatchObject({ installed: true });
    await expect(n.services.federation.installBackbone({ path: await backboneFile(3) })).rejects.toThrow(/but the federation trains on/);
    await expect(n.services.federation.installBackbone({ path: RETINA })).rejects.toThrow(/model\.json or an \.onnx file/);
    await n.close();

    const other = createClientNode({ dataDir: tmp('fairfal-bb-none-'), engine, secrets: new FileSecretStore(path.join(tmp('fairfal-bb-sec-'), 's')), mediaUrl: webMediaUrl });
    await expect(other.services.federation.startStandalone({ name: 'x', preset: 'fundus', budgetPerCycle: 5, epochs: 1, strategy: 'fairfal', backbonePath: '/nonexistent/model.json' })).rejects.toThrow(/cannot use that backbone: no file at/);
    await other.close();
  }, 120_000);
});

describe('the feature cache', () => {
  it('drops the features of a replaced backbone and recomputes after a damaged file', async () => {
    const inner = new InProcessTrainer(['wasm', 'cpu']);
    const dataDir = tmp('fairfal-bb-cache-');
    const n = createClientNode({ dataDir, engine: inner, secrets: new FileSecretStore(path.join(dataDir, 'secrets')), mediaUrl: webMediaUrl });
    await n.vault.startImport([RETINA], { npzSplits: ['test'], npzShard: { index: 0, count: 20 } }).done;
    const ids = n.vault.index.allIds();
    const pixels = () => ({ images: n.vault.tensors.read(ids), labels: new Int32Array(ids.length), count: ids.length, height: 28, width: 28, channels: 3 });
    const dir = path.join(dataDir, 'backbones');
    const backbones = new Backbones(n.db, dir, inner);
    const a = await backbones.install(await backboneFile(4));
    await backbones.ensureFeatures(a, ids, pixels);
    const fa = backbones.read(a, ids);
    expect(statSync(path.join(dir, a.sha256, 'features.f32')).size).toBe(ids.length * 64 * 4);

    const b = await backbones.install(await backboneFile(5));
    await backbones.ensureFeatures(b, ids, pixels);
    expect(existsSync(path.join(dir, a.sha256, 'features.f32'))).toBe(false);
    expect((n.db.prepare('SELECT COUNT(*) AS k FROM features WHERE backbone = ?').get(a.sha256) as { k: number }).k).toBe(0);
    expect(backbones.read(b, ids)).not.toEqual(fa);
    backbones.close();

    // A features file cut short (disk trouble): its rows are forgotten and the features recomputed.
    truncateSync(path.join(dir, b.sha256, 'features.f32'), 100);
    const reopened = new Backbones(n.db, dir, inner);
    expect(reopened.missingCount(b, ids)).toBe(ids.length);
    await reopened.ensureFeatures(b, ids, pixels);
    expect(reopened.missingCount(b, ids)).toBe(0);
    reopened.close();
    await n.close();
  }, 120_000);
});
