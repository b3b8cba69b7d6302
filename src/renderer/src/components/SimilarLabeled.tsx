// Beside the image on screen: the labeled images most like it, per class, in the model's own
// feature space, so a doubtful call can be checked against what was labeled before.
import { useEffect, useState } from 'react';
import { SampleIdSchema } from '../../../shared/api';
import { useApi } from '../api/ApiContext';
import type { SampleRow } from '../db/rows';
import { useWorkspace } from '../workspace/WorkspaceContext';

interface Row {
  classIndex: number;
  items: { sample: SampleRow; distance: number }[];
}

/** `modelKey`: changes when the model does (null before there is one). */
export function SimilarLabeled({ sampleId, modelKey }: { sampleId: string; modelKey: string | null }) {
  const api = useApi();
  const ws = useWorkspace();
  const [rows, setRows] = useState<Row[] | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [open, setOpen] = useState(false);

  useEffect(() => {
    if (!open) return;
    let live = true;
    setRows(null);
    setNote(null);
    const id = SampleIdSchema.safeParse(sampleId);
    if (!id.success || !modelKey) {
      setNote('Similar images are found with a trained model: available after the first cycle.');
      return;
    }
    api.cycle.similarLabeled({ sampleId: id.data, perClass: 3 }).then(
      async (r) => {
        const samples = await ws.db.samples.bulkGet(r.classes.flatMap((c) => c.items.map((i) => i.sampleId)));
        const byId = new Map(samples.filter((s): s is SampleRow => !!s).map((s) => [s.id, s]));
        const out = r.classes.map((c) => ({ classIndex: c.classIndex, items: c.items.flatMap((i) => (byId.has(i.sampleId) ? [{ sample: byId.get(i.sampleId)!, distance: i.distance }] : [])) }));
        if (live) {
          setRows(out);
          if (out.length === 0) setNote('No labeled images yet to compare with.');
        }
      },
      (err: unknown) => live && setNote(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      live = false;
    };
  }, [api, ws.db, sampleId, modelKey, open]);

  return (
    <details className="similar-labeled" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)} data-testid="similar-labeled">
      <summary className="panel-title">Similar labeled images</summary>
      {note && <p className="muted small">{note}</p>}
      {open && !rows && !note && <p className="muted small">Finding the nearest labeled images…</p>}
      {rows?.map((r) => {
        const c = ws.classes[r.classIndex];
        return (
          <div key={r.classIndex} className="similar-row" data-testid="similar-row">
            <span className="chip" style={{ ['--chip-color' as string]: c?.color }} title={c?.name}>{c?.short ?? r.classIndex}</span>
            {r.items.map((i) => (
              <img key={i.sample.id} src={(i.sample.thumbnailUrl ?? i.sample.previewUrl) ?? undefined} alt={`${i.sample.fileName}, labeled ${c?.name ?? r.classIndex}`} title={`${i.sample.fileName} · ${c?.name ?? ''}`} />
            ))}
          </div>
        );
      })}
      {rows && rows.length > 0 && <p className="muted small">Nearest first, in what the current model sees; a look-alike is a hint, not a diagnosis.</p>}
    </details>
  );
}
