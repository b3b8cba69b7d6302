// What an import's checks found, for the clinician to decide: images held back because they look
// unlike the rest of the workspace (kept out of labeling and training until kept or excluded),
// and new images that look like one already here (shown side by side; never merged).
import { useCallback, useEffect, useState } from 'react';
import type { ImportId, ImportReview, Sample } from '../../../../shared/api';
import { useApi } from '../../api/ApiContext';
import { Notice } from '../../components/ui';
import { excludeSample } from '../../db/exclusions';
import { useWorkspace } from '../../workspace/WorkspaceContext';

/** Reviews worth showing: the given import's, and any earlier import that still holds images back. */
export function useImportReviews(current: ImportId | null): { reviews: ImportReview[]; refresh(): void } {
  const api = useApi();
  const [reviews, setReviews] = useState<ImportReview[]>([]);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    void (async () => {
      const ids = new Set<ImportId>((await api.vault.listImports(undefined)).slice(0, 20).map((i) => i.importId));
      if (current) ids.add(current);
      const all = await Promise.all([...ids].map((importId) => api.vault.getImportReview({ importId }).catch(() => null)));
      const shown = all.filter((r): r is ImportReview => r !== null && (r.importId === current || r.modality.unlike.some((u) => u.state === 'held')));
      if (live) setReviews(shown);
    })();
    return () => {
      live = false;
    };
  }, [api, current, tick]);
  return { reviews, refresh: useCallback(() => setTick((t) => t + 1), []) };
}

function useSamples(ids: readonly string[]): Map<string, Sample> {
  const api = useApi();
  const [samples, setSamples] = useState(new Map<string, Sample>());
  const key = ids.join(',');
  useEffect(() => {
    if (ids.length === 0) return;
    void api.vault.listSamples({ offset: 0, limit: 1000, ids: ids.slice(0, 1000) as Sample['id'][] }).then((p) => setSamples(new Map(p.items.map((s) => [s.id as string, s]))), () => {});
  }, [api, key]);
  return samples;
}

export function ImportReviewCard({ review, onChanged }: { review: ImportReview; onChanged(): void }) {
  const api = useApi();
  const ws = useWorkspace();
  const held = review.modality.unlike.filter((u) => u.state === 'held');
  const reported = review.policy === 'report' ? review.modality.unlike : [];
  const samples = useSamples([...review.modality.unlike.map((u) => u.sampleId), ...review.nearDuplicates.flatMap((d) => [d.sampleId, d.matchId])]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [doneDup, setDoneDup] = useState<Set<string>>(new Set());
  useEffect(() => setSelected(new Set(held.map((h) => h.sampleId))), [review]);

  const act = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      onChanged();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const ids = () => [...selected] as Sample['id'][];
  const keep = () => act(async () => void (await api.vault.resolveHeld({ sampleIds: ids(), keep: true })));
  const exclude = () =>
    act(async () => {
      // The workspace records the exclusions and hands them to the node before the hold is released.
      await ws.sync.pullSamples(review.importId);
      for (const id of ids()) await excludeSample(ws.db, { sampleId: id, reason: 'wrong-modality', detail: 'held back at import: unlike the other images of this workspace', annotator: ws.annotatorName, cycle: ws.cycle.value?.cycle ?? 0 });
      await ws.sync.drain();
      await api.vault.resolveHeld({ sampleIds: ids(), keep: false });
    });
  const excludeDuplicate = (sampleId: string, matchName: string) =>
    act(async () => {
      await ws.sync.pullSamples(review.importId);
      await excludeSample(ws.db, { sampleId, reason: 'duplicate', detail: `looks like ${matchName}`, annotator: ws.annotatorName, cycle: ws.cycle.value?.cycle ?? 0 });
      setDoneDup((s) => new Set(s).add(sampleId));
    });

  if (held.length === 0 && reported.length === 0 && review.nearDuplicates.length === 0) {
    return review.modality.comparedWith > 0 ? (
      <p className="muted small" data-testid="review-clear">Checked against the {review.modality.comparedWith.toLocaleString()} images already here: nothing looks out of place, no near-duplicates.</p>
    ) : null;
  }
  const name = (id: string) => samples.get(id)?.name ?? id.slice(0, 12);
  return (
    <section className="card" aria-label="Import check" data-testid="import-review">
      {held.length > 0 && (
        <>
          <h2 className="card-title">Held back for your confirmation: <span data-testid="held-count">{held.length}</span> image{held.length === 1 ? '' : 's'}</h2>
          <p>
            {held.length === 1 ? 'This image looks' : 'These images look'} unlike the {review.modality.comparedWith.toLocaleString()} images already in this workspace: different
            colours and frame (for example fundus photographs in a dermoscopy study). {held.length === 1 ? 'It is' : 'They are'} kept out of labeling and training until you decide.
          </p>
          <div className="review-grid">
            {held.map((h) => (
              <label key={h.sampleId} className={`review-tile ${selected.has(h.sampleId) ? 'selected' : ''}`} title={name(h.sampleId)} data-testid="held-tile">
                <input type="checkbox" checked={selected.has(h.sampleId)} onChange={(e) => setSelected((s) => { const n = new Set(s); if (e.target.checked) n.add(h.sampleId); else n.delete(h.sampleId); return n; })} />
                {samples.get(h.sampleId) && <img src={samples.get(h.sampleId)!.thumbnailUrl} alt={name(h.sampleId)} loading="lazy" />}
                <span className="mono small">{name(h.sampleId)}</span>
              </label>
            ))}
          </div>
          <div className="row gap">
            <button type="button" className="btn primary" disabled={busy || selected.size === 0} onClick={() => void exclude()} data-testid="held-exclude">Exclude {selected.size} from the study (wrong kind of image)</button>
            <button type="button" className="btn" disabled={busy || selected.size === 0} onClick={() => void keep()} data-testid="held-keep">Keep {selected.size} in the study</button>
          </div>
          <details className="muted small">
            <summary>How this is decided</summary>
            Six colour and frame measures of each image (dark border share, mean red, green and blue, brightness spread, saturation) are compared with their average and spread
            over this workspace's images; an image is held back when its root-mean-square z-score exceeds {review.modality.threshold}. Checked on the shared dermoscopy and fundus
            folders: every fundus photograph and no dermoscopy image is held back in a dermoscopy workspace.
          </details>
        </>
      )}
      {reported.length > 0 && <Notice tone="warn">{reported.length} image{reported.length === 1 ? '' : 's'} look unlike the rest of the workspace (reported only).</Notice>}
      {review.nearDuplicates.length > 0 && (
        <>
          <h2 className="card-title">Possible duplicates: <span data-testid="near-duplicate-count">{review.nearDuplicates.length}</span></h2>
          <p className="muted small">New images that look almost identical to one already here. Nothing was merged: different photographs of one lesion can look alike. Exclude the new one if it is the same image.</p>
          <ul className="dup-list">
            {review.nearDuplicates.map((d) => (
              <li key={d.sampleId} className="dup-pair" data-testid="near-duplicate">
                {samples.get(d.sampleId) && <img src={samples.get(d.sampleId)!.thumbnailUrl} alt={`new: ${name(d.sampleId)}`} />}
                {samples.get(d.matchId) && <img src={samples.get(d.matchId)!.thumbnailUrl} alt={`already here: ${name(d.matchId)}`} />}
                <span>
                  <span className="mono">{name(d.sampleId)}</span> (new) looks like <span className="mono">{name(d.matchId)}</span>
                </span>
                {doneDup.has(d.sampleId) ? (
                  <span className="muted small">Excluded as a duplicate</span>
                ) : (
                  <button type="button" className="btn ghost" disabled={busy} onClick={() => void excludeDuplicate(d.sampleId, name(d.matchId))} data-testid="dup-exclude">Exclude the new one</button>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      {error && <Notice tone="error">{error}</Notice>}
    </section>
  );
}
