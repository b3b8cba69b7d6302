// Agreement between readers on the doubly-read images: Cohen's kappa overall and per class, each
// with its n, and how many disagreements still wait for adjudication.
import { cohenKappa, perClassKappa, type CallPair } from '../../domain/agreement';
import { useLiveQuery } from '../../hooks/useLiveQuery';
import { useWorkspace } from '../../workspace/WorkspaceContext';

const fmt = (k: number | null) => (k === null ? '—' : k.toFixed(2));

export function AgreementCard() {
  const ws = useWorkspace();
  const data = useLiveQuery(async () => {
    const reads = await ws.db.reads.toArray();
    const adjudicated = new Set((await ws.db.adjudications.toArray()).map((a) => a.sampleId));
    const bySample = new Map<string, CallPair & { ok: number }>();
    for (const r of reads) {
      const p = bySample.get(r.sampleId) ?? { first: null, second: null, ok: 0 };
      if (r.role === 'first') p.first = r.classIndex;
      else p.second = r.classIndex;
      p.ok++;
      bySample.set(r.sampleId, p);
    }
    const pairs = [...bySample.values()].filter((p) => p.ok === 2);
    const waiting = [...bySample].filter(([id, p]) => p.ok === 2 && p.first !== p.second && !adjudicated.has(id)).length;
    return { pairs, waiting };
  }, [ws.db]);
  if (!data) return null;
  const overall = cohenKappa(data.pairs);
  const per = perClassKappa(data.pairs, ws.classes.length).filter((k) => k.n > 0);
  return (
    <section className="card" aria-labelledby="agreement-title" data-testid="agreement">
      <h2 id="agreement-title" className="card-title">Agreement between readers</h2>
      {data.pairs.length === 0 ? (
        <p className="muted">No image has been read twice yet. Add a second reader and choose a share for second reading in Settings.</p>
      ) : (
        <>
          <p>
            <strong data-testid="kappa-overall">κ = {fmt(overall.kappa)}</strong> over <span data-testid="kappa-n">{overall.n}</span> images read twice · the two calls agree on{' '}
            {Math.round(overall.observed * 100)}% · <span data-testid="kappa-waiting">{data.waiting}</span> waiting for adjudication
          </p>
          <table className="preview-table" data-testid="kappa-per-class">
            <thead><tr><th>Class</th><th>κ (this class vs the rest)</th><th>n</th></tr></thead>
            <tbody>
              {per.map((k) => <tr key={k.classIndex}><td>{ws.classes[k.classIndex]?.name ?? k.classIndex}</td><td>{fmt(k.kappa)}</td><td>{k.n}</td></tr>)}
            </tbody>
          </table>
          <p className="muted small">Cohen’s kappa: 1 is perfect agreement, 0 is what chance alone gives. n per class: images either reader put in that class. Few images make kappa unsteady.</p>
        </>
      )}
    </section>
  );
}
