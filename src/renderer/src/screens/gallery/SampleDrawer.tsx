// Relabel from the gallery: the sample large, its class buttons (keys 1-9 work here too),
// unsure / clear, and its label history (who, when, what it was before).
import { useEffect } from 'react';
import type { SampleRow } from '../../db/rows';
import { writeLabel } from '../../db/label-writes';
import type { LabelHistoryValue } from '../../db/rows';
import { Kbd } from '../../components/ui';
import { NoteField } from '../../components/NoteField';
import { ExcludeControl, ExcludedNotice } from '../../components/ExcludeControl';
import { useLiveQuery } from '../../hooks/useLiveQuery';
import { useWorkspace } from '../../workspace/WorkspaceContext';

export function SampleDrawer({ sample, onClose }: { sample: SampleRow; onClose(): void }) {
  const ws = useWorkspace();
  const history = useLiveQuery(() => ws.db.labelHistory.where('sampleId').equals(sample.id).reverse().sortBy('id'), [ws.db, sample.id]);
  const cycle = ws.cycle.value?.cycle ?? 0;
  const excluded = sample.status === 'excluded';
  const set = (value: LabelHistoryValue) =>
    void writeLabel(ws.db, { sampleId: sample.id, value, annotator: ws.annotatorName, cycle, sessionId: ws.sessionId });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // Typing a note is not labeling: keys 1-9 belong to the text field then.
      const el = e.target as HTMLElement | null;
      if (el && (el.tagName === 'TEXTAREA' || el.tagName === 'INPUT')) return;
      if (e.key === 'Escape') onClose();
      else if (/^[1-9]$/.test(e.key) && Number(e.key) <= ws.classes.length && !excluded) set({ kind: 'class', classIndex: Number(e.key) - 1 });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const describe = (v: LabelHistoryValue) => (v === null ? 'no label' : v.kind === 'unsure' ? 'unsure' : (ws.classes[v.classIndex]?.name ?? `class ${v.classIndex}`));
  return (
    <aside className="drawer" role="dialog" aria-label={`Sample ${sample.fileName}`} data-testid="sample-drawer">
      <div className="drawer-head">
        <span className="mono">{sample.fileName}</span>
        <button type="button" className="btn ghost" onClick={onClose} aria-label="Close"><Kbd k="Esc" /></button>
      </div>
      {sample.previewUrl && <img className="drawer-img" src={sample.previewUrl} alt={sample.fileName} />}
      {excluded ? <ExcludedNotice sampleId={sample.id} /> : null}
      <fieldset className="drawer-classes" disabled={excluded}>
        {ws.classes.map((c) => (
          <button key={c.code} type="button" className={`class-btn small ${sample.labelClass === c.index ? 'active' : ''}`} style={{ ['--class-color' as string]: c.color }} onClick={() => set({ kind: 'class', classIndex: c.index })} data-testid={`relabel-${c.code}`}>
            {c.key && <Kbd k={c.key} />} <span className="class-name" title={c.name}>{c.short}</span>
          </button>
        ))}
        <button type="button" className={`class-btn small unsure-btn ${sample.status === 'unsure' ? 'active' : ''}`} onClick={() => set({ kind: 'unsure' })}>
          <span className="class-name">Unsure</span>
        </button>
        <button type="button" className="btn ghost" onClick={() => set(null)} disabled={sample.status !== 'labeled' && sample.status !== 'unsure'}>Clear label</button>
      </fieldset>
      {!excluded && <ExcludeControl key={`x-${sample.id}`} sampleId={sample.id} />}
      <NoteField key={sample.id} sampleId={sample.id} />
      <h3 className="panel-title">History</h3>
      {history && history.length > 0 ? (
        <ol className="history">
          {history.map((h) => (
            <li key={h.id}>
              <strong>{describe(h.value)}</strong> <span className="muted">(was {describe(h.previous)})</span>
              <div className="muted small">{h.annotator} · {new Date(h.at).toLocaleString()} · {h.action}</div>
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">Never labeled.</p>
      )}
    </aside>
  );
}
