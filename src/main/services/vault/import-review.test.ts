// The import checks on real images (issue 17): a dermoscopy workspace, then a mixed import of
// fundus photographs and larger copies of dermoscopy images. Under the app's policy every fundus
// image is held back (out of the pool until the clinician decides) and no dermoscopy image is;
// the larger copy of ISIC_0024311 is reported as a near-duplicate of the original, never merged; the
// headless policy only reports.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClientNode } from '../client-node';
import { FileSecretStore } from '../federation/secret-store';
import { webMediaUrl } from './media-store';

const IMAGES = path.resolve('../shared/datasets/images');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function mixedImport(policy: 'hold' | 'report') {
  const dataDir = mkdtempSync(path.join(tmpdir(), `fairfal-review-${policy}-`));
  dirs.push(dataDir);
  const node = createClientNode({ dataDir, secrets: new FileSecretStore(path.join(dataDir, 'secrets')), mediaUrl: webMediaUrl, reviewPolicy: policy, backgroundMedia: false });
  await node.vault.startImport([path.join(IMAGES, 'ham10000-dermoscopy')]).done;
  const first = node.vault.listImports()[0]!.importId;
  const end = await node.vault.startImport([path.join(IMAGES, 'odir-fundus'), path.join(IMAGES, 'ham10000-dermoscopy-600x450')]).done;
  const review = await node.services.vault.getImportReview({ importId: end.importId });
  const firstReview = await node.services.vault.getImportReview({ importId: first });
  const names = new Map(node.vault.index.getSamples(node.vault.index.allIds()).map((r) => [r.id, r.name]));
  return { node, review, firstReview, names };
}

describe('import review', () => {
  it('holds back every fundus photograph of a mixed import into a dermoscopy workspace, and reports the larger copy of a lesion as a near-duplicate', async () => {
    const { node, review, firstReview, names } = await mixedImport('hold');
    // The first import had nothing to compare with.
    expect(firstReview.modality).toMatchObject({ comparedWith: 0, unlike: [] });
    expect(review.policy).toBe('hold');
    expect(review.modality.comparedWith).toBe(42);
    const unlikeNames = review.modality.unlike.map((u) => names.get(u.sampleId)!);
    const fundus = [...names.values()].filter((n) => !n.startsWith('ISIC_'));
    expect(fundus.length).toBeGreaterThan(30);
    expect(unlikeNames.sort()).toEqual(fundus.sort());
    expect(review.modality.unlike.every((u) => u.state === 'held' && u.distance > review.modality.threshold)).toBe(true);

    // ISIC_0024311 is in both folders (200x150 and 600x450): reported beside its original, kept
    // as its own sample. The other four larger images are different lesions.
    const copies = review.nearDuplicates.filter((d) => names.get(d.sampleId) === names.get(d.matchId));
    expect(copies.map((d) => names.get(d.sampleId))).toEqual(['ISIC_0024311.jpg']);
    // And nothing else: distinct fundus photographs look alike to the hash alone, not to the check.
    expect(review.nearDuplicates).toHaveLength(1);
    expect(review.nearDuplicates.some((d) => ['ISIC_0027001.jpg', 'ISIC_0027287.jpg'].includes(names.get(d.sampleId)!))).toBe(false);
    expect(node.vault.index.count()).toBe(42 + fundus.length + 5);
    // Every image's hash is kept, so the next import compares without re-reading them.
    expect((node.db.prepare('SELECT COUNT(*) AS n FROM sample_hashes').get() as { n: number }).n).toBe(node.vault.index.count());

    // Held images are out of the pool until decided; kept ones come back.
    await node.services.federation.startStandalone({ name: 't', preset: 'ham10000', budgetPerCycle: 5, epochs: 1, strategy: 'fairfal' });
    const poolIds = () => new Set(node.orchestrator['rt'].pool().ids);
    const held = review.modality.unlike.map((u) => u.sampleId);
    expect(held.some((id) => poolIds().has(id))).toBe(false);
    expect(poolIds().size).toBe(47);
    expect(await node.services.vault.resolveHeld({ sampleIds: held.slice(0, 3), keep: true })).toEqual({ resolved: 3 });
    // "Exclude": the workspace records the exclusions (handed over with the labels), then releases the hold.
    await node.services.cycle.submitLabels({ labels: [], excluded: held.slice(3).map((sampleId) => ({ sampleId, reason: 'wrong-modality' as const })), final: false });
    expect(await node.services.vault.resolveHeld({ sampleIds: held.slice(3), keep: false })).toEqual({ resolved: held.length - 3 });
    expect(poolIds().size).toBe(50);
    const after = await node.services.vault.getImportReview({ importId: review.importId });
    expect(after.modality.unlike.filter((u) => u.state === 'kept')).toHaveLength(3);
    await node.close();
  });

  it('the headless policy reports the same images and holds nothing back', async () => {
    const { node, review } = await mixedImport('report');
    expect(review.policy).toBe('report');
    expect(review.modality.unlike.length).toBeGreaterThan(30);
    expect(review.modality.unlike.every((u) => u.state === 'reported')).toBe(true);
    expect(node.vault.review.heldIds().size).toBe(0);
    await node.close();
  });
});
