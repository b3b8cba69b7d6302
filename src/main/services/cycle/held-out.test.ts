// Issue 16: a clinic's model is measured on labels kept out of its training (a stratified fifth
// per class), with n, 95% intervals and plain warnings while they are few; no figure comes from
// training labels.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClientNode } from '../client-node';
import { ApiEventBus } from '../event-bus';
import { FileSecretStore } from '../federation/secret-store';
import { webMediaUrl } from '../vault/media-store';
import { InProcessTrainer } from '../../../engine/in-process-trainer';
import type { Trainer } from '../../../engine/trainer';
import { measureCycle } from './measure';
import { modelTask } from './cycle-runtime';

const RETINA = path.resolve('../shared/datasets/retinamnist.npz');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The in-process engine, recording the images every training job was given. */
function recordingEngine(): { engine: Trainer; trainedOn: Set<number> } {
  const inner = new InProcessTrainer(['wasm', 'cpu']);
  const trainedOn = new Set<number>();
  const engine: Trainer = Object.assign(Object.create(inner) as Trainer, {
    train: (...args: Parameters<Trainer['train']>) => {
      for (const i of args[3]) trainedOn.add(i);
      return inner.train(...args);
    },
    trainLocalOnly: (...args: Parameters<Trainer['trainLocalOnly']>) => {
      for (const i of args[3]) trainedOn.add(i);
      return inner.trainLocalOnly(...args);
    },
  });
  return { engine, trainedOn };
}

/** A standalone node in a fresh folder with a RetinaMNIST train shard imported and 5 classes. */
async function standaloneNode(prefix: string, engine: Trainer, shardCount: number, plan: { budgetPerCycle: number; strategy: string; imageSize?: 28 | 64 | 96; model?: 'cnn4conv' | 'resnet9s' }) {
  const dataDir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dataDir);
  const events = new ApiEventBus();
  const node = createClientNode({ dataDir, events, engine, secrets: new FileSecretStore(path.join(dataDir, 'secrets')), mediaUrl: webMediaUrl });
  await node.vault.startImport([RETINA], { npzSplits: ['train'], npzShard: { index: 0, count: shardCount } }).done;
  await node.services.federation.startStandalone({ name: 'test', classNames: ['0', '1', '2', '3', '4'], epochs: 1, ...plan });
  const items = (await node.services.vault.listSamples({ offset: 0, limit: 1000 })).items;
  return { node, events, items };
}

describe('held-out validation on the client node', () => {
  it('never trains on the held-out labels and measures the model on them with n, intervals and warnings', async () => {
    const { engine, trainedOn } = recordingEngine();
    const { node, events, items } = await standaloneNode('fairfal-heldout-', engine, 8, { budgetPerCycle: 5, strategy: 'fairfal' });
    const labels = items.slice(0, 40).map((s) => ({ sampleId: s.id, label: s.sourceLabel! }));
    await node.services.cycle.submitLabels({ labels, final: false });

    const pool = node.orchestrator.pool();
    expect(pool.labeled.length + pool.heldOut.length).toBe(40);
    expect(pool.heldOut.length).toBeGreaterThanOrEqual(5);
    // Stratified: every class with at least 3 labels has a held-out image, and none is all held out.
    const count = (idx: Int32Array, c: number) => Array.from(idx).filter((i) => pool.data.labels[i] === c).length;
    for (let c = 0; c < 5; c++) {
      const n = count(pool.labeled, c) + count(pool.heldOut, c);
      if (n >= 3) expect(count(pool.heldOut, c)).toBeGreaterThanOrEqual(1);
      if (n > 0) expect(count(pool.labeled, c)).toBeGreaterThanOrEqual(1);
    }

    const queued = new Promise<void>((resolve) => events.listen((svc, e) => svc === 'cycle' && e === 'queueReady' && resolve()));
    await node.services.cycle.startLocalWork(undefined);
    await queued;
    const heldIds = new Set(Array.from(pool.heldOut, (i) => pool.ids[i]));
    const trainedIds = new Set(Array.from(trainedOn, (i) => pool.ids[i]));
    expect(trainedIds.size).toBe(pool.labeled.length);
    for (const id of heldIds) expect(trainedIds.has(id)).toBe(false);

    const [m] = await node.services.cycle.getMetrics(undefined);
    expect(m).toBeDefined();
    expect(m!.source).toBe('held-out');
    expect(m!.samples).toBe(pool.heldOut.length);
    expect(m!.trainedOn).toBe(pool.labeled.length);
    expect(m!.labeledCount).toBe(40);
    expect(m!.perClassCount.reduce((a, b) => a + b, 0)).toBe(pool.heldOut.length);
    expect(m!.evaluatedOn).toMatch(/held-out labels of this clinic, never trained on/);
    const ba = m!.intervals!.balancedAccuracy;
    expect(ba[0]).toBeLessThanOrEqual(m!.balancedAccuracy);
    expect(ba[1]).toBeGreaterThanOrEqual(m!.balancedAccuracy);
    expect(m!.warnings.join(' ')).toMatch(/Only \d+ held-out images/);
    await node.close();
  }, 180_000);
});

describe('a workspace at a larger input size and with the residual network', () => {
  it('trains, measures and queries at 64 x 64 with resnet9s when the clinic chooses them', async () => {
    const { node, events, items } = await standaloneNode('fairfal-64px-', new InProcessTrainer(['wasm', 'cpu']), 30, { budgetPerCycle: 2, strategy: 'random', imageSize: 64, model: 'resnet9s' });
    expect(node.orchestrator.task()?.inputShape).toEqual([64, 64, 3]);
    expect(node.orchestrator.task()?.model).toBe('resnet9s');
    expect(node.vault.tensors.shape).toEqual([64, 64, 3]);
    await node.services.cycle.submitLabels({ labels: items.slice(0, 8).map((s) => ({ sampleId: s.id, label: s.sourceLabel! })), final: false });
    const queued = new Promise<void>((resolve) => events.listen((svc, e) => svc === 'cycle' && e === 'queueReady' && resolve()));
    await node.services.cycle.startLocalWork(undefined);
    await queued;
    expect((await node.services.cycle.getQueue(undefined)).items).toHaveLength(2);
    // Measured on the held-out labels only (none held out: no figure rather than a training-set one).
    const held = node.orchestrator.pool().heldOut.length;
    const metrics = await node.services.cycle.getMetrics(undefined);
    expect(metrics.map((m) => [m.source, m.samples])).toEqual(held > 0 ? [['held-out', held]] : []);
    await node.close();
  }, 300_000);
});

describe('held-out figures leaving a federated site', () => {
  it('sends the held-out accuracy for the round the site trained, only when its allow-list shares metrics', async () => {
    const engine = new InProcessTrainer(['wasm', 'cpu']);
    const { node, items } = await standaloneNode('fairfal-share-metrics-', engine, 8, { budgetPerCycle: 5, strategy: 'random' });
    await node.services.cycle.submitLabels({ labels: items.slice(0, 40).map((s) => ({ sampleId: s.id, label: s.sourceLabel! })), final: false });
    const rt = node.orchestrator['rt'];
    const task = node.orchestrator.task()!;
    const weights = engine.initialWeights(modelTask(task), 5);
    const reported: [number, number][] = [];
    const send = node.link.reportMetrics.bind(node.link);
    node.link.reportMetrics = (roundId, accuracy) => {
      reported.push([roundId, accuracy]);
      return send(roundId, accuracy);
    };
    const m0 = () => rt.deps.store.metrics().find((x) => x.cycle === 0)!.accuracy;
    // As a federated site that trained round 7 of cycle 0 (then round 8 of cycle 1).
    rt.update({ mode: 'federated', lastRound: { cycle: 0, roundId: 7 } });
    await measureCycle(rt, 0, modelTask(task), weights, rt.pool(), task.classNames);
    expect(node.link.outbox.get('metrics:7')).toBeNull();
    await node.services.federation.setReportPolicy({ gamma: 'share', metrics: 'share' });
    rt.update({ lastRound: { cycle: 1, roundId: 8 } });
    await measureCycle(rt, 1, modelTask(task), weights, rt.pool(), task.classNames);
    // Sent (this federation of one has no round 8 and refuses it, which settles the row).
    expect(node.link.outbox.get('metrics:8')?.path).toBe('v1/rounds/8/metrics');
    const m = (await node.services.cycle.getMetrics(undefined)).find((x) => x.cycle === 1)!;
    expect(m.source).toBe('held-out');
    expect(reported).toEqual([[7, m0()], [8, m.accuracy]]);
    await node.close();
  }, 120_000);
});
