// NodeSync against the real contract (client + dispatcher) with a scripted client node:
// samples and the query land in Dexie without touching labels; the outbox drains as the
// whole labeled set, survives a failing node, and is not resent once delivered; an empty
// workspace (new origin, cleared profile) takes back the node's labels, local history winning.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, type ApiImpl, type ExclusionReason, type Queue, type Sample } from '../../../shared/api';
import { createApiClient } from '../../../shared/api/client';
import { createDispatcher } from '../../../shared/api/dispatch';
import { AnnotatorDb } from '../db/database';
import { excludeSample, restoreSample } from '../db/exclusions';
import { writeLabel } from '../db/label-writes';
import { NodeSync } from './node-sync';

const id = (i: number) => i.toString(16).padStart(64, '0');
const sample = (i: number, queued = false): Sample => ({
  id: id(i) as Sample['id'], name: `img${i}.png`, sourcePath: `/d/img${i}.png`, source: 'file', width: 10, height: 10,
  importedAt: new Date(0).toISOString(), previewUrl: `/media/preview/${id(i)}.webp`, thumbnailUrl: `/media/thumb/${id(i)}.webp`,
  sourceLabel: null, predictedClass: null, queued,
});
const reason = { strategy: 'fairfal', rank: 0, pseudoLabel: 1, prototypeProb: 0.5, normalizedEntropy: 0.9, queryModel: 'local' as const, kcenterDistance: null, classRank: 0, score: null };

let db: AnnotatorDb;
let n = 0;
let submitted: { labels: { sampleId: string; label: number }[]; excluded?: { sampleId: string; reason: string; detail?: string }[]; final: boolean }[];
let failSubmit: boolean;
let vault: Sample[];
let queue: Queue;
let nodeLabels: { sampleId: string; label: number }[];
let nodeExclusions: { sampleId: string; reason: ExclusionReason; detail?: string }[];
let nodeReadings: { reads: unknown[]; adjudications: unknown[] };

function client() {
  const impl = {
    vault: {
      listSamples: async ({ offset, limit, ids }: { offset: number; limit: number; ids?: string[] }) => {
        const list = ids ? vault.filter((s) => ids.includes(s.id)) : vault;
        return { total: list.length, offset, items: list.slice(offset, offset + limit) };
      },
    },
    cycle: {
      getQueue: async () => queue,
      getLabels: async () => nodeLabels,
      getExclusions: async () => nodeExclusions,
      getReadings: async () => nodeReadings,
      submitLabels: async (input: { labels: { sampleId: string; label: number }[]; excluded?: { sampleId: string; reason: string }[]; final: boolean }) => {
        if (failSubmit) throw new ApiError('unavailable', 'client node restarting');
        submitted.push(input);
        return { accepted: input.labels.length, ignored: [], status: { step: 'labeling', cycle: 0, round: null, roundsPerCycle: null, busy: false, progress: null, message: '', budget: 2, labeledThisCycle: 0, labeledTotal: input.labels.length, poolSize: 3, updatedAt: new Date(0).toISOString() } };
      },
    },
  } as unknown as ApiImpl;
  const dispatch = createDispatcher(impl);
  return createApiClient({ call: (s, m, i) => dispatch(s, m, i), subscribe: () => () => {} });
}

beforeEach(() => {
  db = new AnnotatorDb(`sync-${n++}`);
  submitted = [];
  failSubmit = false;
  nodeLabels = [];
  nodeExclusions = [];
  nodeReadings = { reads: [], adjudications: [] };
  vault = [sample(1), sample(2, true), sample(3, true)];
  queue = { cycle: 0, createdAt: new Date(0).toISOString(), budget: 2, details: {}, items: [
    { sampleId: id(3) as Sample['id'], reason: { ...reason, rank: 0 }, prediction: { label: 2, probs: [0.1, 0.2, 0.7] } },
    { sampleId: id(2) as Sample['id'], reason: { ...reason, rank: 1 }, prediction: { label: 0, probs: [0.6, 0.2, 0.2] } },
  ] };
});
afterEach(async () => {
  db.close();
  await db.delete();
});

describe('NodeSync', () => {
  it('pulls samples and the query without overwriting labels made here', async () => {
    const sync = new NodeSync(client(), db);
    await sync.pullSamples();
    await writeLabel(db, { sampleId: id(1), value: { kind: 'class', classIndex: 2 }, annotator: 'a', cycle: 0, sessionId: null });
    await sync.pullSamples();
    await sync.pullQueue();
    expect(await db.samples.get(id(1))).toMatchObject({ status: 'labeled', labelClass: 2, previewUrl: `/media/preview/${id(1)}.webp` });
    expect(await db.samples.get(id(3))).toMatchObject({ status: 'queued', predictedClass: 2, predictedProb: 0.7 });
    const rows = await db.queue.where('[cycle+rank]').between([0, -Infinity], [0, Infinity]).toArray();
    expect(rows.map((r) => [r.sampleId, r.state])).toEqual([[id(3), 'pending'], [id(2), 'pending']]);
  });

  it('drains the outbox as the whole labeled set, keeps it when the node fails, and does not resend', async () => {
    const sync = new NodeSync(client(), db);
    await sync.pullSamples();
    await writeLabel(db, { sampleId: id(2), value: { kind: 'class', classIndex: 1 }, annotator: 'a', cycle: 0, sessionId: null });
    failSubmit = true;
    await sync.drain();
    expect(sync.snapshot().lastError).toMatch(/restarting/);
    expect(await db.outbox.where('state').equals('failed').count()).toBe(1);

    failSubmit = false;
  nodeLabels = [];
    await writeLabel(db, { sampleId: id(3), value: { kind: 'class', classIndex: 0 }, annotator: 'a', cycle: 0, sessionId: null });
    await sync.drain();
    expect(submitted).toEqual([{ labels: expect.arrayContaining([{ sampleId: id(2), label: 1 }, { sampleId: id(3), label: 0 }]), excluded: [], readings: { reads: [], adjudications: [] }, final: false }]);
    expect(await db.outbox.where('state').anyOf('pending', 'failed').count()).toBe(0);
    expect(sync.snapshot()).toMatchObject({ lastError: null });

    await sync.drain();
    expect(submitted).toHaveLength(1);
    await sync.drain(true);
    expect(submitted[1]).toMatchObject({ final: true });
  });

  it('a newer query for the same cycle replaces the old queue; labels made from it stay', async () => {
    const sync = new NodeSync(client(), db);
    await sync.pullSamples();
    await sync.pullQueue();
    await writeLabel(db, { sampleId: id(3), value: { kind: 'class', classIndex: 2 }, annotator: 'a', cycle: 0, sessionId: null });
    queue = { ...queue, createdAt: new Date(1000).toISOString(), items: [{ sampleId: id(1) as Sample['id'], reason: { ...reason, strategy: 'fairfal', rank: 0 }, prediction: { label: 1, probs: [0.2, 0.6, 0.2] } }] };
    await sync.pullQueue();
    const rows = await db.queue.where('cycle').equals(0).toArray();
    expect(rows.map((r) => r.sampleId)).toEqual([id(1)]);
    expect(await db.samples.get(id(1))).toMatchObject({ status: 'queued' });
    expect(await db.samples.get(id(2))).toMatchObject({ status: 'unlabeled' });
    expect(await db.samples.get(id(3))).toMatchObject({ status: 'labeled', labelClass: 2 });
  });

  it('an empty workspace takes back the labels the node holds; a local label, unsure mark or clear wins', async () => {
    const sync = new NodeSync(client(), db);
    await sync.pullSamples();
    await sync.pullQueue();
    vault.push(sample(4));
    nodeLabels = [{ sampleId: id(1), label: 2 }, { sampleId: id(2), label: 1 }, { sampleId: id(3), label: 1 }, { sampleId: id(4), label: 0 }];
    await writeLabel(db, { sampleId: id(2), value: { kind: 'class', classIndex: 0 }, annotator: 'a', cycle: 0, sessionId: null });
    await writeLabel(db, { sampleId: id(3), value: { kind: 'unsure' }, annotator: 'a', cycle: 0, sessionId: null });
    await sync.recoverLabels();
    expect(await db.labels.get(id(1))).toMatchObject({ classIndex: 2, annotator: 'recovered from the client node', revision: 1 });
    expect(await db.samples.get(id(1))).toMatchObject({ status: 'labeled', labelClass: 2 });
    // Sample 4 was not in the workspace yet: fetched, then labeled.
    expect(await db.samples.get(id(4))).toMatchObject({ status: 'labeled', labelClass: 0 });
    expect(await db.labels.get(id(2))).toMatchObject({ classIndex: 0, annotator: 'a' });
    expect(await db.labels.get(id(3))).toBeUndefined();
    expect(await db.samples.get(id(3))).toMatchObject({ status: 'unsure' });
    // Main already has the recovered labels: nothing new for the outbox.
    expect((await db.outbox.toArray()).map((o) => o.sampleId).sort()).toEqual([id(2), id(3)]);
  });

  it('a recovered label in the queue counts as labeled there', async () => {
    const sync = new NodeSync(client(), db);
    nodeLabels = [{ sampleId: id(3), label: 2 }];
    await sync.pullSamples();
    await sync.pullQueue();
    await sync.recoverLabels();
    expect(await db.queue.get([0, id(3)])).toMatchObject({ state: 'labeled' });
    expect(await db.queue.get([0, id(2)])).toMatchObject({ state: 'pending' });
  });

  it('the first hand-over from an empty workspace keeps the labels only the node had', async () => {
    const sync = new NodeSync(client(), db);
    nodeLabels = [{ sampleId: id(1), label: 2 }];
    await sync.pullSamples();
    await writeLabel(db, { sampleId: id(3), value: { kind: 'class', classIndex: 0 }, annotator: 'a', cycle: 0, sessionId: null });
    await sync.drain();
    expect(submitted).toHaveLength(1);
    expect(submitted[0]!.labels).toEqual(expect.arrayContaining([{ sampleId: id(1), label: 2 }, { sampleId: id(3), label: 0 }]));
    expect(submitted[0]!.labels).toHaveLength(2);
  });

  it('hands exclusions over with the labels, takes back the node\'s into an empty workspace, and a local restore wins', async () => {
    const sync = new NodeSync(client(), db);
    await sync.pullSamples();
    await sync.pullQueue();
    await writeLabel(db, { sampleId: id(2), value: { kind: 'class', classIndex: 1 }, annotator: 'a', cycle: 0, sessionId: null });
    await excludeSample(db, { sampleId: id(2), reason: 'poor-quality', annotator: 'a', cycle: 0 });
    await excludeSample(db, { sampleId: id(3), reason: 'duplicate', detail: 'same lesion as 1', annotator: 'a', cycle: 0 });
    await expect(writeLabel(db, { sampleId: id(3), value: { kind: 'class', classIndex: 0 }, annotator: 'a', cycle: 0, sessionId: null })).rejects.toThrow(/excluded from the study/);
    await sync.drain();
    expect(submitted.at(-1)!.excluded).toEqual([{ sampleId: id(2), reason: 'poor-quality' }, { sampleId: id(3), reason: 'duplicate', detail: 'same lesion as 1' }]);
    // The label stays under the exclusion: a restore brings the image back labeled.
    await restoreSample(db, { sampleId: id(2), annotator: 'a', cycle: 0 });
    expect(await db.samples.get(id(2))).toMatchObject({ status: 'labeled', labelClass: 1 });
    await restoreSample(db, { sampleId: id(3), annotator: 'a', cycle: 0 });
    expect(await db.samples.get(id(3))).toMatchObject({ status: 'queued' });

    // A fresh workspace takes the node's exclusions, except where it restored the image itself.
    const fresh = new AnnotatorDb(`sync-fresh-${n++}`);
    nodeExclusions = [{ sampleId: id(1), reason: 'wrong-modality' }, { sampleId: id(3), reason: 'duplicate' }];
    const other = new NodeSync(client(), fresh);
    await other.pullSamples();
    await restoreSample(fresh, { sampleId: id(3), annotator: 'b', cycle: 0 }); // no row: nothing to do
    await other.recoverLabels();
    expect(await fresh.samples.get(id(1))).toMatchObject({ status: 'excluded' });
    expect(await fresh.exclusions.get(id(1))).toMatchObject({ reason: 'wrong-modality' });
    expect(await fresh.samples.get(id(3))).toMatchObject({ status: 'excluded' });
    await fresh.delete();
    const third = new AnnotatorDb(`sync-third-${n++}`);
    const sync3 = new NodeSync(client(), third);
    await sync3.pullSamples();
    await excludeSample(third, { sampleId: id(3), reason: 'duplicate', annotator: 'c', cycle: 0 });
    await restoreSample(third, { sampleId: id(3), annotator: 'c', cycle: 0 });
    await sync3.recoverLabels();
    expect(await third.samples.get(id(3))).not.toMatchObject({ status: 'excluded' });
    await third.delete();
  });
});
