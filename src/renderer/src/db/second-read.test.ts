import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnnotatorDb } from './database';
import { writeLabel } from './label-writes';
import type { SampleRow } from './rows';
import { adjudicate, disagreements, needsSecondRead, pendingSecondReads, readingsOf, recordSecondRead, SecondReadError, withheldFromTraining } from './second-read';

let db: AnnotatorDb;
let n = 0;
const ids = Array.from({ length: 10 }, (_, i) => String(i).padStart(64, 'a'));
const sample = (id: string, seq: number): SampleRow => ({ id, fileName: `${seq}.jpg`, previewUrl: null, width: 10, height: 10, importedAt: 't', seq, status: 'queued', labelClass: -1, predictedClass: -1, predictedProb: null });
const reason = { strategy: 'random', rank: 0, pseudoLabel: null, prototypeProb: null, normalizedEntropy: null, queryModel: null, kcenterDistance: null, classRank: null, score: null };
const label = (sampleId: string, classIndex: number, annotator: string) => writeLabel(db, { sampleId, value: { kind: 'class', classIndex }, annotator, cycle: 0, sessionId: null });

beforeEach(async () => {
  db = new AnnotatorDb(`second-${n++}`);
  await db.samples.bulkAdd(ids.map((id, i) => sample(id, i + 1)));
  await db.queue.bulkAdd(ids.map((sampleId, rank) => ({ cycle: 0, sampleId, rank, reason: { ...reason, rank }, prediction: null, state: 'pending' as const, addedAt: 't' })));
});
afterEach(async () => {
  db.close();
  await db.delete();
});

describe('second reader and adjudication', () => {
  it('picks the same share of each queue on every workstation', () => {
    const many = Array.from({ length: 2000 }, (_, i) => String(i).padStart(64, 'b'));
    const picked = many.filter((id) => needsSecondRead(3, id, 0.25)).length / many.length;
    expect(picked).toBeGreaterThan(0.2);
    expect(picked).toBeLessThan(0.3);
    expect(many.filter((id) => needsSecondRead(3, id, 0.25))).toEqual(many.filter((id) => needsSecondRead(3, id, 0.25)));
    expect(many.some((id) => needsSecondRead(3, id, 0))).toBe(false);
  });

  it('offers another reader the labeled images blind, withholds a disagreement from training until adjudicated', async () => {
    await label(ids[0]!, 4, 'Dr A');
    await label(ids[1]!, 5, 'Dr A');
    await label(ids[2]!, 1, 'Dr A');
    expect((await pendingSecondReads(db, 0, 1, 'Dr A')).length).toBe(0); // never your own labels
    expect((await pendingSecondReads(db, 0, 1, 'Dr B')).map((p) => p.sample.id)).toEqual(ids.slice(0, 3));
    await expect(recordSecondRead(db, { sampleId: ids[0]!, reader: 'Dr A', classIndex: 4, cycle: 0 })).rejects.toThrow(SecondReadError);
    await expect(recordSecondRead(db, { sampleId: ids[5]!, reader: 'Dr B', classIndex: 4, cycle: 0 })).rejects.toThrow(/no first reading/);
    expect(await recordSecondRead(db, { sampleId: ids[0]!, reader: 'Dr B', classIndex: 4, cycle: 0 })).toBe('agreed');
    expect(await recordSecondRead(db, { sampleId: ids[1]!, reader: 'Dr B', classIndex: 2, cycle: 0 })).toBe('disagreed');
    expect(await recordSecondRead(db, { sampleId: ids[2]!, reader: 'Dr B', classIndex: null, cycle: 0 })).toBe('disagreed'); // unsure
    await expect(recordSecondRead(db, { sampleId: ids[0]!, reader: 'Dr C', classIndex: 4, cycle: 0 })).rejects.toThrow(/read twice/);
    expect((await pendingSecondReads(db, 0, 1, 'Dr B')).length).toBe(0);
    // The labels themselves did not change; two wait for adjudication and do not train.
    expect((await db.labels.get(ids[1]!))?.classIndex).toBe(5);
    expect([...(await withheldFromTraining(db))].sort()).toEqual([ids[1], ids[2]]);
    expect((await disagreements(db)).map((d) => [d.first.reader, d.first.classIndex, d.second.reader, d.second.classIndex])).toEqual([['Dr A', 5, 'Dr B', 2], ['Dr A', 1, 'Dr B', null]]);

    await adjudicate(db, { sampleId: ids[1]!, classIndex: 2, adjudicator: 'Dr C', cycle: 0, sessionId: null });
    await adjudicate(db, { sampleId: ids[2]!, classIndex: 1, adjudicator: 'Dr C', cycle: 0, sessionId: null }); // same as the label: still recorded
    expect(await withheldFromTraining(db)).toEqual(new Set());
    expect(await db.labels.get(ids[1]!)).toMatchObject({ classIndex: 2, annotator: 'Dr C' });
    // Every call and the adjudications travel to the node; the first call is kept as it was read.
    const r = await readingsOf(db);
    expect(r.reads.filter((x) => x.sampleId === ids[1]).map((x) => [x.reader, x.role, x.label])).toEqual(expect.arrayContaining([['Dr A', 'first', 5], ['Dr B', 'second', 2]]));
    expect(r.adjudications.map((a) => [a.label, a.adjudicator])).toEqual(expect.arrayContaining([[2, 'Dr C'], [1, 'Dr C']]));
  });
});
