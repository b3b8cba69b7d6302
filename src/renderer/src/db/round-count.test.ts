import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnnotatorDb } from './database';
import { writeLabel } from './label-writes';
import { labelImportAnnotator, labeledThisRound } from './round-count';
import type { SampleRow } from './rows';

let db: AnnotatorDb;
let n = 0;
const sample = (id: string, seq: number): SampleRow => ({
  id, fileName: `${id}.jpg`, previewUrl: null, width: 10, height: 10, importedAt: 't', seq,
  status: 'unlabeled', labelClass: -1, predictedClass: -1, predictedProb: null,
});
const reason = { strategy: 'random', rank: 0, pseudoLabel: null, prototypeProb: null, normalizedEntropy: null, queryModel: null, kcenterDistance: null, classRank: null, score: null };
const T = (minute: number) => new Date(Date.UTC(2026, 11, 4, 10, minute));
const label = (sampleId: string, classIndex: number, minute: number) =>
  writeLabel(db, { annotator: 'Dr Ada', cycle: 0, sessionId: null, sampleId, value: { kind: 'class', classIndex }, now: T(minute) });

beforeEach(async () => {
  db = new AnnotatorDb(`round-${n++}`);
  await db.samples.bulkAdd(['a', 'b', 'c', 'd', 'g'].map((id, i) => sample(id, i + 1)));
});
afterEach(async () => {
  db.close();
  await db.delete();
});

describe('labels given anywhere count toward the labeling round', () => {
  it('counts queue and gallery labels given since the queue arrived, not relabels of older ones', async () => {
    await label('a', 1, 1); // before the round: an earlier cycle's label
    await db.queue.bulkAdd([
      { cycle: 0, sampleId: 'b', rank: 0, reason, prediction: null, state: 'pending', addedAt: T(5).toISOString() },
      { cycle: 0, sampleId: 'c', rank: 1, reason, prediction: null, state: 'pending', addedAt: T(5).toISOString() },
    ]);
    expect(await labeledThisRound(db, 0)).toBe(0);
    await label('b', 2, 6); // from the queue
    await label('g', 3, 7); // from the gallery: not in the queue, still this round's work
    await label('a', 4, 8); // relabel of an older label: not new work
    expect(await labeledThisRound(db, 0)).toBe(2);
    await label('b', 0, 9); // changing a label given this round does not count it twice
    expect(await labeledThisRound(db, 0)).toBe(2);
    // Labels imported from a file are taken over, not this round's work.
    await writeLabel(db, { annotator: labelImportAnnotator('Dr Ada', 'labels.csv'), cycle: 0, sessionId: null, sampleId: 'c', value: { kind: 'class', classIndex: 1 }, now: T(10) });
    expect(await labeledThisRound(db, 0)).toBe(2);
  });

  it('a new query of the same cycle number (the start set, then FairFAL) starts a new round', async () => {
    await db.queue.add({ cycle: 0, sampleId: 'b', rank: 0, reason, prediction: null, state: 'pending', addedAt: T(5).toISOString() });
    await label('b', 2, 6);
    expect(await labeledThisRound(db, 0)).toBe(1);
    await db.queue.add({ cycle: 0, sampleId: 'd', rank: 0, reason, prediction: null, state: 'pending', addedAt: T(10).toISOString() });
    expect(await labeledThisRound(db, 0)).toBe(0);
    await label('d', 1, 11);
    expect(await labeledThisRound(db, 0)).toBe(1);
  });
});
