// "Labeled this cycle" counts labels given anywhere (the queue, the gallery, the sample drawer)
// since this labeling round's queue arrived: samples that carry a class now and did not when the
// round began. A round starts when its queue lands (the newest `addedAt` of the cycle's queue
// rows), so a federation cycle's random start set and its FairFAL query, which share a cycle
// number, are two rounds. Relabels of earlier labels, labels recovered from the client node and
// labels imported from a file are not new work and do not count.
import type { AnnotatorDb } from './database';
import { RECOVERED_ANNOTATOR } from './ingest';

const IMPORTED_MARK = ' · imported from ';

/** Who an imported label is attributed to: the person who imported it, and the file. */
export function labelImportAnnotator(annotator: string, fileName: string): string {
  return `${annotator}${IMPORTED_MARK}${fileName}`;
}

/** Labels taken over (recovered from the node, imported from a file) are not this round's work. */
export function isTakenOverLabel(annotator: string): boolean {
  return annotator === RECOVERED_ANNOTATOR || annotator.includes(IMPORTED_MARK);
}

/** When the cycle's current labeling round began (ISO), or null without a queue. */
export async function roundStart(db: AnnotatorDb, cycle: number): Promise<string | null> {
  let start: string | null = null;
  await db.queue.where('cycle').equals(cycle).each((r) => {
    if (start === null || r.addedAt > start) start = r.addedAt;
  });
  return start;
}

export async function labeledThisRound(db: AnnotatorDb, cycle: number): Promise<number> {
  const start = await roundStart(db, cycle);
  if (start === null) return 0;
  const touched = await db.labels.where('labeledAt').aboveOrEqual(start).toArray();
  let n = 0;
  for (const l of touched) {
    if (isTakenOverLabel(l.annotator)) continue;
    // The sample's state when the round began: the last history entry before it.
    const before = await db.labelHistory.where('sampleId').equals(l.sampleId).filter((h) => h.at < start).sortBy('at');
    const prev = before[before.length - 1];
    if (prev?.value?.kind !== 'class') n++;
  }
  return n;
}
