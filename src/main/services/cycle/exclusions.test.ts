// Images excluded from the study (issue 17) reach the client node with the labels and leave
// everything: the query pool, the training set and the counts. Restoring puts them back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClientNode } from '../client-node';
import { ApiEventBus } from '../event-bus';
import { FileSecretStore } from '../federation/secret-store';
import { webMediaUrl } from '../vault/media-store';

const RETINA = path.resolve('../shared/datasets/retinamnist.npz');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('exclusions on the client node', () => {
  it('keeps excluded images out of the pool, the labeled set and the counts, survives a restart, and restores', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'fairfal-exclude-'));
    dirs.push(dataDir);
    let events = new ApiEventBus();
    const open = () => createClientNode({ dataDir, events: (events = new ApiEventBus()), secrets: new FileSecretStore(path.join(dataDir, 'secrets')), mediaUrl: webMediaUrl });
    let node = open();
    await node.vault.startImport([RETINA], { npzSplits: ['train'], npzShard: { index: 0, count: 40 } }).done;
    await node.services.federation.startStandalone({ name: 'test', classNames: ['0', '1', '2', '3', '4'], budgetPerCycle: 5, epochs: 1, strategy: 'fairfal' });
    const items = (await node.services.vault.listSamples({ offset: 0, limit: 1000 })).items;
    const labels = items.slice(0, 6).map((s) => ({ sampleId: s.id, label: s.sourceLabel! }));
    // One labeled image and three unlabeled ones leave the study.
    const excluded = [
      { sampleId: items[0]!.id, reason: 'poor-quality' as const },
      { sampleId: items[10]!.id, reason: 'wrong-modality' as const },
      { sampleId: items[11]!.id, reason: 'duplicate' as const, detail: `same lesion as ${items[12]!.name}` },
      { sampleId: items[13]!.id, reason: 'not-assessable' as const },
    ];
    const res = await node.services.cycle.submitLabels({ labels, excluded, final: false });
    expect(res.ignored).toEqual([]);
    expect(await node.services.cycle.getExclusions(undefined)).toHaveLength(4);
    expect((await node.services.cycle.getStatus(undefined)).labeledTotal).toBe(5);

    const pool = node.orchestrator['rt'].pool();
    const poolIds = new Set(pool.ids);
    for (const e of excluded) expect(poolIds.has(e.sampleId)).toBe(false);
    // Labeled = trained on + held out for measuring (issue 16).
    expect(pool.labeled.length + pool.heldOut.length).toBe(5);
    expect(pool.ids.length).toBe(items.length - 4);
    // The query is made from what is left.
    const queued = new Promise<void>((resolve) => events.listen((svc, e) => svc === 'cycle' && e === 'queueReady' && resolve()));
    await node.services.cycle.startLocalWork(undefined);
    await queued;
    const queue = await node.services.cycle.getQueue(undefined);
    expect(queue.items).toHaveLength(5);
    for (const item of queue.items) expect(excluded.some((e) => e.sampleId === item.sampleId)).toBe(false);

    // Similar labeled images for a queued one, in the model's feature space: only images still in
    // the study, grouped by their label, nearest first.
    const similar = await node.services.cycle.similarLabeled({ sampleId: queue.items[0]!.sampleId, perClass: 2 });
    const labelOf = new Map(labels.map((l) => [l.sampleId as string, l.label]));
    const shown = similar.classes.flatMap((c) => c.items.map((i) => ({ ...i, classIndex: c.classIndex })));
    expect(shown.length).toBeGreaterThan(0);
    for (const item of shown) {
      expect(labelOf.get(item.sampleId)).toBe(item.classIndex);
      expect(item.sampleId).not.toBe(items[0]!.id); // excluded
    }
    for (const c of similar.classes) expect(c.items.map((i) => i.distance)).toEqual([...c.items.map((i) => i.distance)].sort((a, b) => a - b));
    expect(similar.classes.every((c) => c.items.length <= 2)).toBe(true);
    await expect(node.services.cycle.similarLabeled({ sampleId: items[10]!.id, perClass: 2 })).rejects.toThrow(/not in the study pool/);
    await node.close();

    // After a restart the node still holds them; a submission without `excluded` changes nothing.
    node = open();
    await node.services.cycle.submitLabels({ labels, final: false });
    expect((await node.services.cycle.getExclusions(undefined)).map((e) => e.reason).sort()).toEqual(['duplicate', 'not-assessable', 'poor-quality', 'wrong-modality']);
    expect((await node.services.cycle.getExclusions(undefined)).find((e) => e.reason === 'duplicate')?.detail).toMatch(/same lesion/);

    // Restoring = the renderer sends the set without them.
    await node.services.cycle.submitLabels({ labels, excluded: excluded.slice(1), final: false });
    expect((await node.services.cycle.getStatus(undefined)).labeledTotal).toBe(6);
    const restored = node.orchestrator['rt'].pool();
    expect(restored.labeled.length + restored.heldOut.length).toBe(6);
    await node.close();
  });
});
