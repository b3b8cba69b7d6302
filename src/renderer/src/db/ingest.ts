// Brings what main knows (vault samples, the cycle's query) into the workspace without ever
// overwriting a label the annotator made here: labels and unsure marks are the renderer's.
import type { NodeLabel, Queue, Sample } from '../../../shared/api';
import type { AnnotatorDb } from './database';
import type { QueueRow, SampleRow } from './rows';

export async function upsertSamples(db: AnnotatorDb, samples: readonly Sample[], firstSeq: number): Promise<number> {
  let added = 0;
  await db.transaction('rw', db.samples, async () => {
    const existing = await db.samples.bulkGet(samples.map((s) => s.id));
    const rows: SampleRow[] = samples.map((s, i) => {
      const old = existing[i];
      if (!old) added++;
      return {
        id: s.id,
        fileName: s.name,
        previewUrl: s.previewUrl,
        thumbnailUrl: s.thumbnailUrl,
        width: s.width,
        height: s.height,
        importedAt: s.importedAt,
        seq: old?.seq ?? firstSeq + i,
        status: old && old.status !== 'unlabeled' && old.status !== 'queued' ? old.status : s.queued ? 'queued' : 'unlabeled',
        labelClass: old?.labelClass ?? -1,
        predictedClass: s.predictedClass ?? old?.predictedClass ?? -1,
        predictedProb: old?.predictedProb ?? null,
      };
    });
    await db.samples.bulkPut(rows);
  });
  return added;
}

/** Stores a cycle's query; samples must already be in the workspace (see missingSamples). */
export async function applyQueue(db: AnnotatorDb, queue: Queue, now = new Date()): Promise<void> {
  await db.transaction('rw', [db.samples, db.queue], async () => {
    const inQueue = new Set(queue.items.map((i) => i.sampleId as string));
    // Samples a previous cycle queued but nobody labeled go back to the pool.
    await db.samples.where('status').equals('queued').filter((s) => !inQueue.has(s.id)).modify({ status: 'unlabeled' });
    // A newer query for the same cycle (e.g. the random start set, then FairFAL's pick once
    // the federation has a model) replaces the old one; labels made from it stay labels.
    await db.queue.where('cycle').equals(queue.cycle).filter((r) => !inQueue.has(r.sampleId)).delete();
    const keys = queue.items.map((i) => [queue.cycle, i.sampleId] as [number, string]);
    const oldRows = await db.queue.bulkGet(keys);
    const samples = await db.samples.bulkGet(queue.items.map((i) => i.sampleId));
    const rows: QueueRow[] = [];
    for (const [i, item] of queue.items.entries()) {
      const sample = samples[i];
      if (!sample) continue;
      const old = oldRows[i];
      const state = old?.state ?? (sample.status === 'labeled' ? 'labeled' : 'pending');
      rows.push({ cycle: queue.cycle, sampleId: item.sampleId, rank: item.reason.rank, reason: item.reason, prediction: item.prediction, state, addedAt: old?.addedAt ?? now.toISOString() });
      const top = item.prediction.probs[item.prediction.label] ?? null;
      await db.samples.update(item.sampleId, {
        predictedClass: item.prediction.label,
        predictedProb: top,
        // A sample marked unsure in an earlier cycle and chosen again is open again.
        ...(sample.status === 'unlabeled' || (!old && sample.status === 'unsure') ? { status: 'queued' as const } : {}),
      });
    }
    await db.queue.bulkPut(rows);
  });
}

export async function missingSamples(db: AnnotatorDb, ids: readonly string[]): Promise<string[]> {
  const rows = await db.samples.bulkGet([...ids]);
  return ids.filter((_, i) => !rows[i]);
}

export async function nextSeq(db: AnnotatorDb): Promise<number> {
  const last = await db.samples.orderBy('seq').last();
  return (last?.seq ?? 0) + 1;
}

export const RECOVERED_ANNOTATOR = 'recovered from the client node';

/**
 * Takes over labels the client node holds for samples this workspace has no say on yet (a
 * fresh browser profile, a host on another origin). Local history always wins: a sample with a
 * label, or any history here (relabelled, cleared, marked unsure), is left alone. Samples the
 * workspace does not hold are skipped. Nothing goes to the outbox (main has these labels).
 */
export async function restoreNodeLabels(db: AnnotatorDb, labels: readonly NodeLabel[], now = new Date()): Promise<number> {
  let restored = 0;
  await db.transaction('rw', [db.samples, db.labels, db.labelHistory, db.queue], async () => {
    const ids = labels.map((l) => l.sampleId as string);
    const [samples, current] = await Promise.all([db.samples.bulkGet(ids), db.labels.bulkGet(ids)]);
    const withHistory = new Set((await db.labelHistory.where('sampleId').anyOf(ids).toArray()).map((h) => h.sampleId));
    for (const [i, l] of labels.entries()) {
      const sample = samples[i];
      if (!sample || current[i] || withHistory.has(l.sampleId)) continue;
      const at = l.at ?? now.toISOString();
      const annotator = l.annotator ?? RECOVERED_ANNOTATOR;
      const queueRows = await db.queue.where('sampleId').equals(l.sampleId).toArray();
      const cycle = Math.max(0, ...queueRows.map((r) => r.cycle));
      await db.labels.put({ sampleId: l.sampleId, classIndex: l.label, annotator, labeledAt: at, cycle, revision: 1 });
      await db.labelHistory.add({ sampleId: l.sampleId, action: 'label', value: { kind: 'class', classIndex: l.label }, previous: null, annotator, at, sessionId: null });
      await db.samples.update(l.sampleId, { status: 'labeled', labelClass: l.label });
      for (const r of queueRows) await db.queue.update([r.cycle, r.sampleId], { state: 'labeled' });
      restored++;
    }
  });
  return restored;
}
