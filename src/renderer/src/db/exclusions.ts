// Taking an image out of the study and putting it back (issue 17). One transaction each: the
// exclusion row (reason, who, when, the status to return to), the sample's status, and an
// outbox event so the client node hears of it with the next hand-over of the labeled set.
// An excluded image keeps its label (a restore brings it back) but main never trains on it.
import { EXCLUSION_REASONS, type ExclusionReason } from '../../../shared/api';
import type { AnnotatorDb } from './database';
import type { ExclusionRow, OutboxKind } from './rows';
import { UnknownSampleError } from './label-writes';

export { EXCLUSION_REASONS };

/** What the reasons are called on screen and in exports. */
export const EXCLUSION_REASON_TEXT: Record<ExclusionReason, string> = {
  'wrong-modality': 'Wrong kind of image for this study',
  'not-assessable': 'Not assessable',
  'poor-quality': 'Poor image quality',
  duplicate: 'Duplicate of another image',
  other: 'Other reason',
};

export const MAX_EXCLUSION_DETAIL = 500;

export interface ExclusionChange {
  sampleId: string;
  annotator: string;
  cycle: number;
  now?: Date;
}

async function queueOutbox(db: AnnotatorDb, kind: OutboxKind, c: ExclusionChange, at: string): Promise<void> {
  await db.outbox.where('state').equals('pending').filter((o) => o.sampleId === c.sampleId).delete();
  await db.outbox.add({ kind, sampleId: c.sampleId, classIndex: -1, annotator: c.annotator, at, cycle: c.cycle, state: 'pending', attempts: 0, lastError: null, sentAt: null });
}

export async function excludeSample(db: AnnotatorDb, c: ExclusionChange & { reason: ExclusionReason; detail?: string }): Promise<void> {
  const at = (c.now ?? new Date()).toISOString();
  const detail = c.detail?.trim() ? c.detail.trim().slice(0, MAX_EXCLUSION_DETAIL) : null;
  if (c.reason === 'other' && !detail) throw new Error('say in a few words why the image leaves the study ("Other reason" needs a description)');
  await db.transaction('rw', [db.samples, db.exclusions, db.outbox], async () => {
    const sample = await db.samples.get(c.sampleId);
    if (!sample) throw new UnknownSampleError(c.sampleId);
    const old = await db.exclusions.get(c.sampleId);
    const previousStatus: ExclusionRow['previousStatus'] = old?.previousStatus ?? (sample.status === 'excluded' ? 'unlabeled' : sample.status);
    await db.exclusions.put({ sampleId: c.sampleId, reason: c.reason, detail, annotator: c.annotator, at, previousStatus });
    await db.samples.update(c.sampleId, { status: 'excluded' });
    await queueOutbox(db, 'exclude', c, at);
  });
}

/** Puts an excluded image back where it was (labeled, queued, unsure or in the pool). */
export async function restoreSample(db: AnnotatorDb, c: ExclusionChange): Promise<void> {
  const at = (c.now ?? new Date()).toISOString();
  await db.transaction('rw', [db.samples, db.exclusions, db.labels, db.outbox], async () => {
    const row = await db.exclusions.get(c.sampleId);
    if (!row) return;
    const label = await db.labels.get(c.sampleId);
    // A label given before the exclusion still stands; otherwise the status it had.
    const status = label ? 'labeled' : row.previousStatus === 'labeled' ? 'unlabeled' : row.previousStatus;
    await db.exclusions.delete(c.sampleId);
    await db.samples.update(c.sampleId, { status, labelClass: label?.classIndex ?? -1 });
    await queueOutbox(db, 'restore', c, at);
  });
}

/**
 * Takes over exclusions the client node holds for samples this workspace has no say on yet
 * (fresh profile, other origin), like restoreNodeLabels. Nothing goes to the outbox.
 */
export async function restoreNodeExclusions(db: AnnotatorDb, entries: readonly { sampleId: string; reason: ExclusionReason; detail?: string | undefined }[], annotator: string, now = new Date()): Promise<number> {
  let n = 0;
  await db.transaction('rw', [db.samples, db.exclusions, db.outbox], async () => {
    for (const e of entries) {
      const sample = await db.samples.get(e.sampleId);
      if (!sample || sample.status === 'excluded' || (await db.exclusions.get(e.sampleId))) continue;
      // Restored here (the node may not have heard yet): the local decision wins.
      if ((await db.outbox.where('state').anyOf('pending', 'failed', 'sent').filter((o) => o.sampleId === e.sampleId && o.kind === 'restore').count()) > 0) continue;
      await db.exclusions.put({ sampleId: e.sampleId, reason: e.reason, detail: e.detail ?? null, annotator, at: now.toISOString(), previousStatus: sample.status });
      await db.samples.update(e.sampleId, { status: 'excluded' });
      n++;
    }
  });
  return n;
}
