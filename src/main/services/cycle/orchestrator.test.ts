import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClientNode, type ClientNode } from '../client-node';
import { ApiEventBus } from '../event-bus';
import { FileSecretStore } from '../federation/secret-store';
import { webMediaUrl } from '../vault/media-store';

const RETINA = path.resolve('../shared/datasets/retinamnist.npz');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function openNode(dataDir: string, events = new ApiEventBus()): ClientNode {
  return createClientNode({ dataDir, events, secrets: new FileSecretStore(path.join(dataDir, 'secrets')), mediaUrl: webMediaUrl });
}

function until(events: ApiEventBus, pred: (service: string, event: string, payload: unknown) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const off = events.listen((s, e, p) => {
      if (pred(s, e, p)) {
        off();
        resolve();
      }
    });
  });
}

describe('cycle orchestrator (standalone: a federation of one)', () => {
  it('resumes an interrupted training step after a restart and keeps a computed queue across restarts', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'fairfal-cycle-'));
    dirs.push(dataDir);
    let events = new ApiEventBus();
    let node = openNode(dataDir, events);
    await node.vault.startImport([RETINA], { npzSplits: ['train'], npzShard: { index: 0, count: 12 } }).done;
    await node.services.federation.startStandalone({ name: 'test', classNames: ['0', '1', '2', '3', '4'], budgetPerCycle: 8, epochs: 30, strategy: 'fairfal' });
    const page = await node.services.vault.listSamples({ offset: 0, limit: 1000 });
    const labels = page.items.slice(0, 15).map((s) => ({ sampleId: s.id, label: s.sourceLabel! }));
    await node.services.cycle.submitLabels({ labels, final: false });

    // Start training, then "crash" in the middle of it: stop the node while it is busy.
    const busy = until(events, (s, e, p) => s === 'cycle' && e === 'statusChanged' && (p as { step: string; busy: boolean; progress: number | null }).busy && ((p as { progress: number | null }).progress ?? 0) > 0);
    await node.services.cycle.startLocalWork(undefined);
    await busy;
    await node.close();

    events = new ApiEventBus();
    node = openNode(dataDir, events);
    expect(node.orchestrator.state()).toMatchObject({ mode: 'standalone', step: 'training', cycle: 0 });
    expect(node.orchestrator.labels().size).toBe(15);
    const queued = until(events, (s, e) => s === 'cycle' && e === 'queueReady');
    await node.resume();
    await queued;
    const queue = await node.services.cycle.getQueue(undefined);
    expect(queue.items).toHaveLength(8);
    expect(queue.items[0]!.reason).toMatchObject({ strategy: 'fairfal', rank: 0 });
    expect((await node.services.cycle.getStatus(undefined)).step).toBe('labeling');
    expect((await node.services.cycle.getMetrics(undefined))[0]).toMatchObject({ cycle: 0, labeledCount: 15 });
    // A federation of one: the federated query step ran, local-only model and gamma_k included.
    expect(queue.details).toMatchObject({ strategy: 'fairfal', queryModel: expect.stringMatching(/^(global|local)$/), gammaK: expect.any(Number), localOnlyEpochs: expect.any(Number) });
    expect(node.link.enrolment()?.serverUrl).toBe('http://standalone.in-memory.invalid');
    const queuedIds = new Set(queue.items.map((i) => i.sampleId));
    expect((await node.services.vault.listSamples({ offset: 0, limit: 1000, queued: true })).items.every((s) => queuedIds.has(s.id))).toBe(true);
    await node.close();

    // Restart while labeling: the same queue comes back, nothing is recomputed.
    node = openNode(dataDir);
    await node.resume();
    expect(node.orchestrator.status()).toMatchObject({ step: 'labeling', busy: false });
    expect(await node.services.cycle.getQueue(undefined)).toEqual(queue);
    const exported = await node.services.cycle.exportModel({ format: 'binary', directory: path.join(dataDir, 'export') });
    expect(exported.files[0]).toMatch(/model\.ffw$/);
    await node.close();
  });

  it('a standalone data folder from before the federation of one gets one at its cycle and goes on from there', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'fairfal-cycle-old-'));
    dirs.push(dataDir);
    let node = createClientNode({ dataDir, secrets: new FileSecretStore(path.join(dataDir, 'secrets')), mediaUrl: webMediaUrl, localOnlyEpochs: 2 });
    await node.vault.startImport([RETINA], { npzSplits: ['train'], npzShard: { index: 0, count: 20 } }).done;
    // What the old standalone driver left: mode standalone at cycle 2, labels, no federation of one.
    await node.orchestrator.configure('standalone', { name: 'old', classNames: ['0', '1', '2', '3', '4'], model: 'cnn4conv', inputShape: [28, 28, 3], strategy: 'fairfal', cycles: 1000, roundsPerCycle: 1, localEpochs: 1, budgetPerCycle: 5 });
    const page = await node.services.vault.listSamples({ offset: 0, limit: 1000 });
    node.orchestrator.submitLabels(page.items.slice(0, 12).map((x) => ({ sampleId: x.id, label: x.sourceLabel! })), false);
    node.db.prepare("UPDATE kv SET value = json_set(value, '$.cycle', 2, '$.step', 'ready') WHERE key = 'cycle.state'").run();
    await node.close();

    const events = new ApiEventBus();
    node = createClientNode({ dataDir, events, secrets: new FileSecretStore(path.join(dataDir, 'secrets')), mediaUrl: webMediaUrl, localOnlyEpochs: 2 });
    const queued = new Promise<{ cycle: number; items: unknown[] }>((resolve) => events.listen((sv, e, p) => sv === 'cycle' && e === 'queueReady' && resolve(p as { cycle: number; items: unknown[] })));
    await node.resume();
    expect(node.link.enrolment()?.serverUrl).toBe('http://standalone.in-memory.invalid');
    expect(node.orchestrator.labels().size).toBe(12);
    const q = await queued;
    expect(q.cycle).toBe(2);
    expect(q.items).toHaveLength(5);
    await node.close();
  }, 300_000);
});
