// Builds the label export from the workspace database and hands it to the browser as a
// download (in Electron the same anchor download opens the save dialog).
import type { AnnotatorDb } from '../../db/database';
import type { LabelHistoryValue } from '../../db/rows';
import type { ClassInfo } from '../../domain/classes';
import { labelsToCsv, labelsToJson, type ExportLabel } from '../../domain/export-labels';

/** Every labeled sample, then every excluded one that has no label, with notes and reasons. */
export async function collectLabels(db: AnnotatorDb): Promise<ExportLabel[]> {
  const labels = await db.labels.orderBy('labeledAt').toArray();
  const exclusions = new Map((await db.exclusions.toArray()).map((e) => [e.sampleId, e]));
  const labeled = new Set(labels.map((l) => l.sampleId));
  const unlabeledExcluded = [...exclusions.values()].filter((e) => !labeled.has(e.sampleId)).sort((a, b) => a.at.localeCompare(b.at));
  const rows = [
    ...labels,
    ...unlabeledExcluded.map((e) => ({ sampleId: e.sampleId, classIndex: null, annotator: e.annotator, labeledAt: '', cycle: 0, revision: 0 })),
  ];
  const reads = await db.reads.toArray();
  const adjudications = new Map((await db.adjudications.toArray()).map((a) => [a.sampleId, a]));
  const readingsOf = (id: string) => reads.filter((r) => r.sampleId === id).sort((a, b) => (a.role === b.role ? 0 : a.role === 'first' ? -1 : 1)).map((r) => ({ reader: r.reader, role: r.role, classIndex: r.classIndex }));
  const samples = await db.samples.bulkGet(rows.map((l) => l.sampleId));
  const notes = await db.notes.bulkGet(rows.map((l) => l.sampleId));
  return rows.map((l, i) => {
    const ex = exclusions.get(l.sampleId);
    return { sampleId: l.sampleId, fileName: samples[i]?.fileName ?? '', classIndex: l.classIndex, annotator: l.annotator, labeledAt: l.labeledAt, cycle: l.cycle, revision: l.revision, note: notes[i]?.text ?? '', excludedReason: ex?.reason ?? '', excludedDetail: ex?.detail ?? '', readings: readingsOf(l.sampleId), adjudicatedBy: adjudications.get(l.sampleId)?.adjudicator ?? '' };
  });
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
