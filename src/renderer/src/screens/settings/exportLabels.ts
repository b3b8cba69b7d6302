// Builds the label export from the workspace database and hands it to the browser as a
// download (in Electron the same anchor download opens the save dialog).
import type { AnnotatorDb } from '../../db/database';
import type { LabelHistoryValue } from '../../db/rows';
import type { ClassInfo } from '../../domain/classes';
import { labelsToCsv, labelsToJson, type ExportLabel } from '../../domain/export-labels';

export async function collectLabels(db: AnnotatorDb): Promise<ExportLabel[]> {
  const labels = await db.labels.orderBy('labeledAt').toArray();
  const samples = await db.samples.bulkGet(labels.map((l) => l.sampleId));
  const notes = await db.notes.bulkGet(labels.map((l) => l.sampleId));
  return labels.map((l, i) => ({ ...l, fileName: samples[i]?.fileName ?? '', note: notes[i]?.text ?? '' }));
}

export async function buildExport(db: AnnotatorDb, format: 'csv' | 'json', classes: ClassInfo[], meta: { exportedBy: string; task: string | null }): Promise<{ text: string; fileName: string; mime: string }> {
  const labels = await collectLabels(db);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  if (format === 'csv') return { text: labelsToCsv(labels, classes), fileName: `fairfal-labels-${stamp}.csv`, mime: 'text/csv' };
  const show = (v: LabelHistoryValue) => (v === null ? 'none' : v.kind === 'unsure' ? 'unsure' : (classes[v.classIndex]?.code ?? String(v.classIndex)));
  const history = (await db.labelHistory.orderBy('id').toArray()).map((h) => ({ sampleId: h.sampleId, action: h.action, value: show(h.value), previous: show(h.previous), annotator: h.annotator, at: h.at }));
  return { text: labelsToJson(labels, history, classes, { ...meta, exportedAt: new Date().toISOString() }), fileName: `fairfal-labels-${stamp}.json`, mime: 'application/json' };
}

export function download(text: string, fileName: string, mime: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${mime};charset=utf-8` }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
