// The current cycle's queue as live data: queue rows in rank order joined with their samples
// and current labels. Re-renders whenever a label, the queue or a sample changes.
import type { AnnotatorDb } from '../../db/database';
import type { QueueRow, SampleRow } from '../../db/rows';
import type { LabelValue } from '../../domain/queue-machine';
import { useLiveQuery } from '../../hooks/useLiveQuery';

export interface QueueEntry {
  row: QueueRow;
  sample: SampleRow;
  label: LabelValue;
}

export interface QueueData {
  cycle: number | null;
  entries: QueueEntry[];
}

export async function loadQueue(db: AnnotatorDb, preferredCycle: number | null): Promise<QueueData> {
  const cycle = preferredCycle !== null && (await db.queue.where('cycle').equals(preferredCycle).count()) > 0
    ? preferredCycle
    : ((await db.queue.orderBy('cycle').last())?.cycle ?? null);
  if (cycle === null) return { cycle: preferredCycle, entries: [] };
  const rows = await db.queue.where('[cycle+rank]').between([cycle, -Infinity], [cycle, Infinity]).toArray();
  const ids = rows.map((r) => r.sampleId);
  const [samples, labels] = await Promise.all([db.samples.bulkGet(ids), db.labels.bulkGet(ids)]);
  const entries: QueueEntry[] = [];
  rows.forEach((row, i) => {
    const sample = samples[i];
    // Excluded from the study: out of the queue too (restored from the gallery, it comes back).
    if (!sample || sample.status === 'excluded') return;
    const l = labels[i];
    const label: LabelValue = l ? { kind: 'class', classIndex: l.classIndex } : sample.status === 'unsure' ? { kind: 'unsure' } : null;
    entries.push({ row, sample, label });
  });
  return { cycle, entries };
}

export function useQueueData(db: AnnotatorDb, preferredCycle: number | null): QueueData | undefined {
  return useLiveQuery(() => loadQueue(db, preferredCycle), [db, preferredCycle]);
}
