import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnnotatorDb } from './database';
import { UnknownSampleError, startSession, writeLabel } from './label-writes';
import type { SampleRow } from './rows';

let db: AnnotatorDb;
let n = 0;
const sample = (id: string, seq: number): SampleRow => ({
  id, fileName: `${id}.jpg`, previewUrl: null, width: 10, height: 10, importedAt: 't', seq,
  status: 'queued', labelClass: -1, predictedClass: -1, predictedProb: null,
});
const reason = {
  strategy: 'fairfal', rank: 0, pseudoLabel: 1, prototypeProb: 0.6, normalizedEntropy: 0.5,
  queryModel: 'global' as const, kcenterDistance: 0.3, classRank: 0, score: null,
};

beforeEach(async () => {
  db = new AnnotatorDb(`labels-${n++}`);
  await db.samples.bulkAdd([sample('s1', 1), sample('s2', 2)]);
  await db.queue.bulkAdd([
    { cycle: 0, sampleId: 's1', rank: 0, reason, prediction: null, state: 'pending', addedAt: 't' },
    { cycle: 0, sampleId: 's2', rank: 1, reason, prediction: null, state: 'pending', addedAt: 't' },
  ]);
});
afterEach(async () => {
  db.close();
  await db.delete();
});

describe('writeLabel', () => {
  it('the same class again writes nothing: no revision, no history, no outbox event', async () => {
    const base = { annotator: 'Dr Ada', cycle: 0, sessionId: null };
    await writeLabel(db, { ...base, sampleId: 's2', value: { kind: 'class', classIndex: 3 } });
    const before = [await db.labelHistory.count(), await db.outbox.count()];
    await writeLabel(db, { ...base, sampleId: 's2', value: { kind: 'class', classIndex: 3 } });
    expect(await db.labels.get('s2')).toMatchObject({ classIndex: 3, revision: 1 });
    expect([await db.labelHistory.count(), await db.outbox.count()]).toEqual(before);
  });

  it('labels, relabels and clears with full history and one pending outbox event per sample', async () => {
    const sessionId = await startSession(db, 'Dr Ada');
    const base = { annotator: 'Dr Ada', cycle: 0, sessionId };
    await writeLabel(db, { ...base, sampleId: 's1', value: { kind: 'class', classIndex: 4 } });
    expect(await db.samples.get('s1')).toMatchObject({ status: 'labeled', labelClass: 4 });
    expect(await db.queue.get([0, 's1'])).toMatchObject({ state: 'labeled' });

    await writeLabel(db, { ...base, sampleId: 's1', value: { kind: 'class', classIndex: 2 } });
    expect(await db.labels.get('s1')).toMatchObject({ classIndex: 2, revision: 2, annotator: 'Dr Ada' });

    await writeLabel(db, { ...base, sampleId: 's1', value: null, cause: 'undo' });
    expect(await db.labels.get('s1')).toBeUndefined();
    await writeLabel(db, { ...base, sampleId: 's1', value: { kind: 'class', classIndex: 3 } });
    expect(await db.labels.get('s1')).toMatchObject({ classIndex: 3, revision: 3 });
    await writeLabel(db, { ...base, sampleId: 's1', value: null, cause: 'undo' });
    expect(await db.samples.get('s1')).toMatchObject({ status: 'queued', labelClass: -1 });
    expect(await db.queue.get([0, 's1'])).toMatchObject({ state: 'pending' });

    const history = await db.labelHistory.where('sampleId').equals('s1').sortBy('id');
    expect(history.map((h) => [h.action, h.value, h.previous])).toEqual([
      ['label', { kind: 'class', classIndex: 4 }, null],
      ['relabel', { kind: 'class', classIndex: 2 }, { kind: 'class', classIndex: 4 }],
      ['undo', null, { kind: 'class', classIndex: 2 }],
      ['label', { kind: 'class', classIndex: 3 }, null],
      ['undo', null, { kind: 'class', classIndex: 3 }],
    ]);
    const pending = await db.outbox.where('state').equals('pending').toArray();
    expect(pending.map((o) => [o.sampleId, o.kind])).toEqual([['s1', 'clear']]);
    expect((await db.sessions.get(sessionId))?.decisions).toBe(5);
  });

  it('marks unsure samples and returns them to the pool status', async () => {
    await writeLabel(db, { sampleId: 's2', value: { kind: 'unsure' }, annotator: 'a', cycle: 0, sessionId: null });
    expect(await db.samples.get('s2')).toMatchObject({ status: 'unsure', labelClass: -1 });
    expect(await db.queue.get([0, 's2'])).toMatchObject({ state: 'unsure' });
    const [ev] = await db.outbox.toArray();
    expect(ev).toMatchObject({ kind: 'unsure', sampleId: 's2', state: 'pending' });
  });

  it('refuses an unknown sample and leaves every table unchanged', async () => {
    await expect(writeLabel(db, { sampleId: 'nope', value: { kind: 'class', classIndex: 0 }, annotator: 'a', cycle: 0, sessionId: null }))
      .rejects.toBeInstanceOf(UnknownSampleError);
    expect(await db.labels.count()).toBe(0);
    expect(await db.outbox.count()).toBe(0);
    expect(await db.labelHistory.count()).toBe(0);
  });
});
