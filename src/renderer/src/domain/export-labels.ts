// Label exports: CSV (one row per labeled or excluded sample) and JSON (the same plus each
// sample's history). Pure functions over rows, so the format is tested without a browser.
import type { ClassInfo } from './classes';

export interface ExportLabel {
  sampleId: string;
  fileName: string;
  /** null: never labeled (an image excluded from the study before anyone labeled it). */
  classIndex: number | null;
  annotator: string;
  labeledAt: string;
  /** 0-based as stored; exports write the number the screens show (cycle + 1). */
  cycle: number;
  revision: number;
  /** The clinician's note on the image ('' when none). */
  note: string;
  /** Excluded from the study: the reason code ('' when the image is in the study). */
  excludedReason: string;
  /** The exclusion's free text ('' when none). */
  excludedDetail: string;
  /** Every reader's call on a doubly-read image, first reading first (empty when read once). */
  readings: { reader: string; role: 'first' | 'second'; classIndex: number | null }[];
  /** Who adjudicated the label ('' when nobody had to). */
  adjudicatedBy: string;
}

export interface ExportHistory {
  sampleId: string;
  action: string;
  value: string;
  previous: string;
  annotator: string;
  at: string;
}

export const CSV_COLUMNS = ['sample_id', 'file_name', 'class_index', 'class_code', 'class_name', 'annotator', 'labeled_at', 'cycle', 'revision', 'note', 'excluded_reason', 'excluded_detail', 'readings', 'adjudicated_by'] as const;

function csvCell(v: string | number): string {
  const s = String(v);
  // Quote when needed; neutralise leading =,+,-,@ so spreadsheets never run a cell as a formula.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function labelsToCsv(labels: readonly ExportLabel[], classes: readonly ClassInfo[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const l of labels) {
    const c = l.classIndex === null ? undefined : classes[l.classIndex];
    const readings = l.readings.map((r) => `${r.reader}: ${r.classIndex === null ? 'unsure' : (classes[r.classIndex]?.code ?? r.classIndex)}`).join('; ');
    lines.push([l.sampleId, l.fileName, l.classIndex ?? '', c?.code ?? '', c?.name ?? '', l.annotator, l.labeledAt, l.cycle + 1, l.revision, l.note, l.excludedReason, l.excludedDetail, readings, l.adjudicatedBy].map(csvCell).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

export function labelsToJson(labels: readonly ExportLabel[], history: readonly ExportHistory[], classes: readonly ClassInfo[], meta: { exportedAt: string; exportedBy: string; task: string | null }): string {
  const byId = new Map<string, ExportHistory[]>();
  for (const h of history) byId.set(h.sampleId, [...(byId.get(h.sampleId) ?? []), h]);
  return JSON.stringify(
    {
      format: 'fairfal-labels/1',
      ...meta,
      classes: classes.map((c) => ({ index: c.index, code: c.code, name: c.name })),
      labels: labels.map((l) => ({ ...l, cycle: l.cycle + 1, classCode: l.classIndex === null ? null : (classes[l.classIndex]?.code ?? null), history: byId.get(l.sampleId) ?? [] })),
    },
    null,
    2,
  );
}
