// The gallery's filtered sample list, live. Uses the most selective index, filters the rest
// in memory; tens of thousands of rows load in one pass and render through the windowed grid.
import type { AnnotatorDb } from '../../db/database';
import type { SampleRow, SampleStatus } from '../../db/rows';
import { useLiveQuery } from '../../hooks/useLiveQuery';

const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export interface GalleryFilter {
  status: SampleStatus | 'all';
  /** Class index, or -1 for any. */
  label: number;
  predicted: number;
}

export const NO_FILTER: GalleryFilter = { status: 'all', label: -1, predicted: -1 };

export async function querySamples(db: AnnotatorDb, f: GalleryFilter): Promise<SampleRow[]> {
  let rows: SampleRow[];
  if (f.label >= 0) rows = await db.samples.where('labelClass').equals(f.label).toArray();
  else if (f.status !== 'all') rows = await db.samples.where('status').equals(f.status).toArray();
  else if (f.predicted >= 0) rows = await db.samples.where('predictedClass').equals(f.predicted).toArray();
  else rows = await db.samples.toArray();
  // File-name order (numbers compared as numbers) is what a clinician expects from a folder.
  return rows
    .filter((s) => (f.status === 'all' || s.status === f.status) && (f.predicted < 0 || s.predictedClass === f.predicted))
    .sort((a, b) => byName.compare(a.fileName, b.fileName) || a.seq - b.seq);
}

export function useGallery(db: AnnotatorDb, f: GalleryFilter): SampleRow[] | undefined {
  return useLiveQuery(() => querySamples(db, f), [db, f.status, f.label, f.predicted]);
}

export function useStatusCounts(db: AnnotatorDb): Record<SampleStatus | 'all', number> | undefined {
  return useLiveQuery(async () => {
    const [all, labeled, queued, unlabeled, unsure, excluded] = await Promise.all([
      db.samples.count(),
      ...(['labeled', 'queued', 'unlabeled', 'unsure', 'excluded'] as const).map((s) => db.samples.where('status').equals(s).count()),
    ]);
    return { all: all!, labeled: labeled!, queued: queued!, unlabeled: unlabeled!, unsure: unsure!, excluded: excluded! };
  }, [db]);
}
