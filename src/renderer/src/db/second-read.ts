// Second reader and adjudication (issue 17). A configurable share of each cycle's queue is read
// again, blind, by another reader: chosen by a hash of (cycle, image), so every workstation and
// every reload picks the same images. A second call that agrees settles it; a different call
// sends the image to adjudication, and until someone adjudicates, its label is withheld from
// training. The first reader's call is the label they gave, kept in `reads` as it was when the
// second reading happened, so a later change of the label never rewrites what was read.
import type { AnnotatorDb } from './database';
import { writeLabel } from './label-writes';
import type { Readings } from '../../../shared/api';
import { SampleIdSchema } from '../../../shared/api';
import type { QueueRow, ReadRow, SampleRow } from './rows';

/** FNV-1a of the cycle and image, in [0, 1). */
function share(cycle: number, sampleId: string): number {
  let h = 0x811c9dc5;
  const s = `${cycle}:${sampleId}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 2 ** 32;
}

export function needsSecondRead(cycle: number, sampleId: string, fraction: number): boolean {
  return fraction > 0 && share(cycle, sampleId) < fraction;
}

export class SecondReadError extends Error {
  override readonly name = 'SecondReadError';
}

export interface PendingRead {
  row: QueueRow;
  sample: SampleRow;
}

/** Images of the cycle's queue waiting for `reader`'s blind second reading (labeled by someone else, not yet read twice). */
export async function pendingSecondReads(db: AnnotatorDb, cycle: number, fraction: number, reader: string): Promise<PendingRead[]> {
  const rows = (await db.queue.where('cycle').equals(cycle).sortBy('rank')).filter((r) => needsSecondRead(cycle, r.sampleId, fraction));
  const out: PendingRead[] = [];
  for (const row of rows) {
    const [label, sample, second] = await Promise.all([db.labels.get(row.sampleId), db.samples.get(row.sampleId), db.reads.where('sampleId').equals(row.sampleId).filter((r) => r.role === 'second').count()]);
    if (!label || !sample || sample.status === 'excluded' || second > 0 || label.annotator === reader) continue;
    out.push({ row, sample });
  }
  return out;
}

/** The second reader's blind call (null = unsure); stores both calls. Never changes the label itself. */
export async function recordSecondRead(db: AnnotatorDb, c: { sampleId: string; reader: string; classIndex: number | null; cycle: number; now?: Date }): Promise<'agreed' | 'disagreed'> {
  const at = (c.now ?? new Date()).toISOString();
  return db.transaction('rw', [db.labels, db.reads, db.outbox], async () => {
    const label = await db.labels.get(c.sampleId);
    if (!label) throw new SecondReadError('this image has no first reading (label) yet');
    if (label.annotator === c.reader) throw new SecondReadError(`a second reading must be by another reader than ${c.reader}, who gave the label`);
    const existing = await db.reads.where('sampleId').equals(c.sampleId).toArray();
    if (existing.some((r) => r.role === 'second')) throw new SecondReadError('this image has been read twice already');
    const first: ReadRow = { sampleId: c.sampleId, reader: label.annotator, role: 'first', classIndex: label.classIndex, cycle: c.cycle, at: label.labeledAt };
    await db.reads.bulkPut([first, { sampleId: c.sampleId, reader: c.reader, role: 'second', classIndex: c.classIndex, cycle: c.cycle, at }]);
    await db.outbox.add({ kind: 'label', sampleId: c.sampleId, classIndex: label.classIndex, annotator: c.reader, at, cycle: c.cycle, state: 'pending', attempts: 0, lastError: null, sentAt: null });
    return c.classIndex === label.classIndex ? 'agreed' : 'disagreed';
  });
}

export interface Disagreement {
  sampleId: string;
  first: ReadRow;
  second: ReadRow;
}

/** Doubly-read images whose two calls differ: adjudicated or not. */
export async function disagreements(db: AnnotatorDb): Promise<(Disagreement & { adjudicated: boolean })[]> {
  const reads = await db.reads.toArray();
  const bySample = new Map<string, ReadRow[]>();
  for (const r of reads) bySample.set(r.sampleId, [...(bySample.get(r.sampleId) ?? []), r]);
  const adjudicated = new Set((await db.adjudications.toArray()).map((a) => a.sampleId));
  const out: (Disagreement & { adjudicated: boolean })[] = [];
  for (const [sampleId, rs] of bySample) {
    const first = rs.find((r) => r.role === 'first');
    const second = rs.find((r) => r.role === 'second');
    if (first && second && first.classIndex !== second.classIndex) out.push({ sampleId, first, second, adjudicated: adjudicated.has(sampleId) });
  }
  return out.sort((a, b) => a.second.at.localeCompare(b.second.at));
}

/** Images whose label must not train the model yet: their readers disagree and nobody adjudicated. */
export async function withheldFromTraining(db: AnnotatorDb): Promise<Set<string>> {
  return new Set((await disagreements(db)).filter((d) => !d.adjudicated).map((d) => d.sampleId));
}

/** Settles a disagreement: the adjudicated class becomes the label (with history) and is recorded. */
export async function adjudicate(db: AnnotatorDb, c: { sampleId: string; classIndex: number; adjudicator: string; cycle: number; sessionId: number | null; now?: Date }): Promise<void> {
  const at = (c.now ?? new Date()).toISOString();
  await writeLabel(db, { sampleId: c.sampleId, value: { kind: 'class', classIndex: c.classIndex }, annotator: c.adjudicator, cycle: c.cycle, sessionId: c.sessionId, ...(c.now ? { now: c.now } : {}) });
  await db.adjudications.put({ sampleId: c.sampleId, classIndex: c.classIndex, adjudicator: c.adjudicator, at });
  // Even when the adjudicated class equals the current label (no label change), the node must hear of it.
  await db.outbox.add({ kind: 'label', sampleId: c.sampleId, classIndex: c.classIndex, annotator: c.adjudicator, at, cycle: c.cycle, state: 'pending', attempts: 0, lastError: null, sentAt: null });
}

/** Every reading and adjudication, as handed to the client node with the labels. */
export async function readingsOf(db: AnnotatorDb): Promise<Readings> {
  const reads = (await db.reads.toArray()).flatMap((r) => {
    const id = SampleIdSchema.safeParse(r.sampleId);
    return id.success ? [{ sampleId: id.data, reader: r.reader, role: r.role, label: r.classIndex, at: r.at }] : [];
  });
  const adjudications = (await db.adjudications.toArray()).flatMap((a) => {
    const id = SampleIdSchema.safeParse(a.sampleId);
    return id.success ? [{ sampleId: id.data, label: a.classIndex, adjudicator: a.adjudicator, at: a.at }] : [];
  });
  return { reads, adjudications };
}

/** A workspace without readings (fresh profile, other origin) takes the node's. */
export async function restoreNodeReadings(db: AnnotatorDb, r: Readings): Promise<void> {
  if (r.reads.length === 0 && r.adjudications.length === 0) return;
  await db.transaction('rw', [db.reads, db.adjudications], async () => {
    if ((await db.reads.count()) > 0 || (await db.adjudications.count()) > 0) return;
    await db.reads.bulkPut(r.reads.map((x) => ({ sampleId: x.sampleId, reader: x.reader, role: x.role, classIndex: x.label, cycle: 0, at: x.at })));
    await db.adjudications.bulkPut(r.adjudications.map((a) => ({ sampleId: a.sampleId, classIndex: a.label, adjudicator: a.adjudicator, at: a.at })));
  });
}
