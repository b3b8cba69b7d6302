// The one way a label changes: a single IndexedDB transaction that updates the current label,
// appends history (who, when, previous value), moves the sample's status and queue entry,
// and queues an outbox event for main. Called the moment a key is pressed, before anything
// is sent anywhere, so a reload or crash never loses a decision.
import type { AnnotatorDb } from './database';
import type { LabelHistoryRow, LabelHistoryValue, OutboxKind, SampleStatus } from './rows';

export interface LabelChange {
  sampleId: string;
  value: LabelHistoryValue;
  annotator: string;
  cycle: number;
  sessionId: number | null;
  /** 'undo' when this reverts an earlier decision. */
  cause?: 'decision' | 'undo';
  now?: Date;
}

export class UnknownSampleError extends Error {
  override readonly name = 'UnknownSampleError';
  constructor(readonly sampleId: string) {
    super(`cannot label sample ${sampleId}: it is not in this workspace (import it first)`);
  }
}

export class ExcludedSampleError extends Error {
  override readonly name = 'ExcludedSampleError';
  constructor(readonly sampleId: string) {
    super('this image is excluded from the study: restore it (gallery, Excluded) before labeling it');
  }
}

export async function writeLabel(db: AnnotatorDb, change: LabelChange): Promise<void> {
  const at = (change.now ?? new Date()).toISOString();
  await db.transaction('rw', [db.samples, db.labels, db.labelHistory, db.queue, db.outbox, db.sessions], async () => {
    const sample = await db.samples.get(change.sampleId);
    if (!sample) throw new UnknownSampleError(change.sampleId);
    if (sample.status === 'excluded') throw new ExcludedSampleError(change.sampleId);
    const current = await db.labels.get(change.sampleId);
    const previous: LabelHistoryValue = current
      ? { kind: 'class', classIndex: current.classIndex }
      : sample.status === 'unsure'
        ? { kind: 'unsure' }
        : null;
    const queueRow = await db.queue.get([change.cycle, change.sampleId]);
    const v = change.value;
    // The same class again (a second click, a gallery re-pick) changes nothing: no revision.
    if (v?.kind === 'class' && current && current.classIndex === v.classIndex) {
      if (queueRow && queueRow.state !== 'labeled') await db.queue.update([change.cycle, change.sampleId], { state: 'labeled' });
      return;
    }

    if (v?.kind === 'class') {
      // Counted from history so a label cleared by undo and given again is revision 2.
      const earlier = await db.labelHistory.where('sampleId').equals(change.sampleId).filter((h) => h.value?.kind === 'class').count();
      await db.labels.put({
        sampleId: change.sampleId,
        classIndex: v.classIndex,
        annotator: change.annotator,
        labeledAt: at,
        cycle: change.cycle,
        revision: earlier + 1,
      });
    } else if (current) {
      await db.labels.delete(change.sampleId);
    }

    const status: SampleStatus = v?.kind === 'class' ? 'labeled' : v?.kind === 'unsure' ? 'unsure' : queueRow ? 'queued' : 'unlabeled';
    await db.samples.update(change.sampleId, { status, labelClass: v?.kind === 'class' ? v.classIndex : -1 });
    if (queueRow) {
      await db.queue.update([change.cycle, change.sampleId], {
        state: v?.kind === 'class' ? 'labeled' : v?.kind === 'unsure' ? 'unsure' : 'pending',
      });
    }

    const action: LabelHistoryRow['action'] =
      change.cause === 'undo' ? 'undo' : v?.kind === 'unsure' ? 'unsure' : previous?.kind === 'class' ? 'relabel' : 'label';
    await db.labelHistory.add({ sampleId: change.sampleId, action, value: v, previous, annotator: change.annotator, at, sessionId: change.sessionId });

    // Only the newest undelivered decision per sample needs to reach main.
    await db.outbox.where('state').equals('pending').filter((o) => o.sampleId === change.sampleId).delete();
    const kind: OutboxKind = v?.kind === 'class' ? 'label' : v?.kind === 'unsure' ? 'unsure' : 'clear';
    await db.outbox.add({
      kind,
      sampleId: change.sampleId,
      classIndex: v?.kind === 'class' ? v.classIndex : -1,
      annotator: change.annotator,
      at,
      cycle: change.cycle,
      state: 'pending',
      attempts: 0,
      lastError: null,
      sentAt: null,
    });

    if (change.sessionId !== null) {
      const s = await db.sessions.get(change.sessionId);
      if (s) await db.sessions.update(change.sessionId, { lastActiveAt: at, decisions: s.decisions + 1 });
    }
  });
}

/** Starts an annotation session (one per annotator per app launch). */
export async function startSession(db: AnnotatorDb, annotator: string, now = new Date()): Promise<number> {
  const at = now.toISOString();
  return db.sessions.add({ annotator, startedAt: at, lastActiveAt: at, decisions: 0 });
}
