// Import existing labels from a CSV: pick the file, check which column names the image and which
// the class (guessed, changeable), preview what would happen (new labels, the same label already
// there, a different label already there, excluded images, rows that match nothing and why),
// then write them. Imported labels are stored like any other (history, outbox to the node) but
// marked as imported, and do not count as this cycle's labeling work.
import { useMemo, useState } from 'react';
import { Notice } from '../../components/ui';
import { labelImportAnnotator } from '../../db/round-count';
import { writeLabel } from '../../db/label-writes';
import { CsvError, guessMapping, parseCsv, planLabelImport, type CsvTable, type ImageRef, type Mapping } from '../../domain/label-csv';
import { useWorkspace } from '../../workspace/WorkspaceContext';

const MAX_FILE_BYTES = 50 * 1024 * 1024;

export function LabelCsvCard() {
  const ws = useWorkspace();
  const [file, setFile] = useState<{ name: string; table: CsvTable } | null>(null);
  const [images, setImages] = useState<ImageRef[]>([]);
  const [mapping, setMapping] = useState<Mapping | null>(null);
  const [overwrite, setOverwrite] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [writing, setWriting] = useState<{ done: number; total: number } | null>(null);

  const plan = useMemo(() => (file && mapping ? planLabelImport(file.table, mapping, images, ws.classes, overwrite) : null), [file, mapping, images, ws.classes, overwrite]);

  const choose = async (f: File | undefined) => {
    setError(null);
    setDone(null);
    setFile(null);
    if (!f) return;
    try {
      if (f.size > MAX_FILE_BYTES) throw new CsvError(`the file is ${(f.size / 1e6).toFixed(0)} MB; at most ${MAX_FILE_BYTES / 1e6} MB`);
      const table = parseCsv(await f.text());
      const refs = (await ws.db.samples.toArray()).map((s) => ({ sampleId: s.id, fileName: s.fileName, labelClass: s.labelClass, excluded: s.status === 'excluded' }));
      setImages(refs);
      setMapping(guessMapping(table, refs, ws.classes));
      setFile({ name: f.name, table });
    } catch (err) {
      setError(`${f.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const run = async () => {
    if (!plan || !file) return;
    const annotator = labelImportAnnotator(ws.annotatorName, file.name);
    setWriting({ done: 0, total: plan.writes.length });
    try {
      for (const [i, w] of plan.writes.entries()) {
        await writeLabel(ws.db, { sampleId: w.sampleId, value: { kind: 'class', classIndex: w.classIndex }, annotator, cycle: ws.cycle.value?.cycle ?? 0, sessionId: ws.sessionId });
        if (i % 50 === 0) setWriting({ done: i + 1, total: plan.writes.length });
      }
      setDone(`${plan.writes.length.toLocaleString()} label${plan.writes.length === 1 ? '' : 's'} imported from ${file.name}; they are handed to the model with your other labels.`);
      setFile(null);
    } catch (err) {
      setError(`Stopped: ${err instanceof Error ? err.message : String(err)} (labels written before this are kept)`);
    } finally {
      setWriting(null);
    }
  };

  const col = (label: string, value: number, on: (v: number) => void, testId: string) => (
    <label className="select">
      {label}
      <select value={value} onChange={(e) => on(Number(e.target.value))} data-testid={testId}>
        {file!.table.header.map((h, i) => <option key={i} value={i}>{h || `column ${i + 1}`}</option>)}
      </select>
    </label>
  );
  const className = (i: number) => ws.classes[i]?.name ?? String(i);
  return (
    <section className="card" aria-label="Import labels from a CSV file" data-testid="label-csv">
      <h2 className="card-title">Labels you already have</h2>
      <p className="muted small">A CSV file with a header row, one image per row: a column naming the image (file name, with or without extension) and one with its class (code such as “mel”, full name, or class number from 0).</p>
      <input type="file" accept=".csv,text/csv" onChange={(e) => void choose(e.target.files?.[0])} data-testid="label-csv-file" disabled={writing !== null} />
      {error && <Notice tone="error">{error}</Notice>}
      {done && <Notice tone="ok">{done}</Notice>}
      {file && mapping && plan && (
        <>
          <div className="filters">
            {col('Image column', mapping.imageColumn, (v) => setMapping({ ...mapping, imageColumn: v }), 'csv-image-column')}
            {col('Class column', mapping.classColumn, (v) => setMapping({ ...mapping, classColumn: v }), 'csv-class-column')}
          </div>
          <ul className="plain small" data-testid="csv-plan">
            <li><strong data-testid="csv-new">{plan.writes.length.toLocaleString()}</strong> label{plan.writes.length === 1 ? '' : 's'} to write, from {plan.rows.toLocaleString()} rows of {file.name}</li>
            <li><span data-testid="csv-unchanged">{plan.unchanged}</span> image{plan.unchanged === 1 ? ' has' : 's have'} this label already</li>
            <li>
              <span data-testid="csv-conflicts">{plan.conflicts.length}</span> image{plan.conflicts.length === 1 ? ' has' : 's have'} a different label already{' '}
              {plan.conflicts.length > 0 && (
                <label><input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} data-testid="csv-overwrite" /> replace them with the file’s</label>
              )}
            </li>
            <li><span data-testid="csv-excluded">{plan.excluded.length}</span> excluded from the study (left alone)</li>
            <li><span data-testid="csv-unmatched">{plan.unmatched.length}</span> row{plan.unmatched.length === 1 ? '' : 's'} match nothing</li>
          </ul>
          <table className="preview-table" data-testid="csv-preview">
            <thead><tr><th>Image</th><th>Label to write</th><th>Now</th></tr></thead>
            <tbody>
              {plan.writes.slice(0, 8).map((w) => (
                <tr key={w.sampleId}><td className="mono">{w.fileName}</td><td>{className(w.classIndex)}</td><td className="muted">{w.previous >= 0 ? className(w.previous) : 'no label'}</td></tr>
              ))}
            </tbody>
          </table>
          {plan.unmatched.length > 0 && (
            <details className="file-list" open={plan.unmatched.length <= 10}>
              <summary>Rows that match nothing</summary>
              <table>
                <tbody>
                  {plan.unmatched.slice(0, 200).map((u) => <tr key={u.line}><td className="muted">line {u.line}</td><td className="mono">{u.value}</td><td>{u.reason}</td></tr>)}
                </tbody>
              </table>
            </details>
          )}
          <div className="row gap">
            <button type="button" className="btn primary" disabled={plan.writes.length === 0 || writing !== null} onClick={() => void run()} data-testid="csv-import">
              {writing ? `Writing ${writing.done} / ${writing.total}…` : `Import ${plan.writes.length.toLocaleString()} labels`}
            </button>
            <button type="button" className="btn ghost" disabled={writing !== null} onClick={() => setFile(null)}>Cancel</button>
          </div>
        </>
      )}
    </section>
  );
}
