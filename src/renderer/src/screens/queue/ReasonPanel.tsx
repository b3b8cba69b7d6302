// Beside the image: why the strategy chose this sample and what the model currently thinks
// (and, below, whatever the screen adds: the image's note).
import type { ReactNode } from 'react';
import type { QueueRow } from '../../db/rows';
import type { ClassInfo } from '../../domain/classes';
import { ClassSwatch } from '../../components/ui';
import { reasonSentences } from '../../domain/reason-words';

function pct(v: number | null | undefined, digits = 0): string {
  return v === null || v === undefined ? '—' : `${(v * 100).toFixed(digits)}%`;
}

export function ReasonPanel({ row, classes, queueSize, labeledCounts, children }: { row: QueueRow; classes: ClassInfo[]; queueSize: number; labeledCounts?: readonly number[]; children?: ReactNode }) {
  const r = row.reason;
  const pseudo = r.pseudoLabel === null ? null : classes[r.pseudoLabel];
  const pred = row.prediction;
  const ranked = pred ? pred.probs.map((p, i) => ({ p, c: classes[i] })).sort((a, b) => b.p - a.p).slice(0, 3) : [];
  return (
    <aside className="reason-panel" aria-label="Why this image was chosen" data-testid="reason-panel">
      <section>
        <h2 className="panel-title">Why this image</h2>
        <p className="reason-summary" data-testid="reason-summary">
          {reasonSentences({ reason: r, probs: pred && !untrained(pred.probs) ? pred.probs : null, classes, labeledCounts }).join(' ')}
        </p>
        <details className="reason-details">
          <summary>Technical details</summary>
        <dl className="reason-facts">
          <dt>Rank</dt>
          <dd data-testid="reason-rank">#{r.rank + 1} of {queueSize}{r.classRank !== null ? ` · #${r.classRank + 1} in its class` : ''}</dd>
          <dt>Strategy</dt>
          <dd>{r.strategy === 'fairfal' ? 'FairFAL' : r.strategy === 'random' ? 'Random start' : r.strategy === 'cold-start' ? 'First set: one image per group' : r.strategy}</dd>
          {r.pseudoLabel !== null && (
            <>
              <dt title="The labeled class whose examples this image's features are closest to (prototype similarity), not a diagnosis">Closest labeled class</dt>
              <dd>
                {pseudo ? <span className="nowrap" title={pseudo.name}><ClassSwatch color={pseudo.color} /> {pseudo.short}</span> : `class ${r.pseudoLabel}`}
                {r.prototypeProb !== null && <span className="muted">{pct(r.prototypeProb)}</span>}
              </dd>
            </>
          )}
          {r.normalizedEntropy !== null && (
            <>
              <dt title="Entropy of the model's prediction, 0 = certain, 100% = no idea">Model uncertainty</dt>
              <dd>
                <span className="meter" aria-hidden><span style={{ width: pct(r.normalizedEntropy) }} /></span> {pct(r.normalizedEntropy)}
              </dd>
            </>
          )}
          {r.queryModel && (
            <>
              <dt>Queried by</dt>
              <dd>{r.queryModel === 'global' ? 'Main (global) model' : 'Local-only model (this clinic’s labels)'}</dd>
            </>
          )}
          {r.kcenterDistance !== null && (
            <>
              <dt title="Distance in the model's gradient space to the nearest image already labeled or chosen (k-center)">Distance to labeled images</dt>
              <dd className="mono">{r.kcenterDistance.toPrecision(3)}</dd>
            </>
          )}
          {r.score && r.score.value !== null && (
            <>
              <dt>{r.score.metric}</dt>
              <dd className="mono">{r.score.value === null ? '—' : r.score.value.toPrecision(3)}</dd>
            </>
          )}
        </dl>
        </details>
      </section>
      <section>
        <h2 className="panel-title">Model prediction</h2>
        {pred && untrained(pred.probs) && <p className="muted small">The model has not learned from labels yet: its prediction is flat.</p>}
        {pred ? (
          <ul className="prediction" data-testid="prediction">
            {ranked.map(({ p, c }, i) => (
              <li key={c?.code ?? i} className={i === 0 ? 'top' : ''}>
                <span className="pred-name" title={c?.name}>{c ? <><ClassSwatch color={c.color} /> {c.short}</> : '?'}</span>
                <span className="pred-bar" aria-hidden><span style={{ width: pct(p), background: c?.color }} /></span>
                <span className="pred-p mono">{pct(p)}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No model prediction yet — the first cycle is chosen before any model has been trained.</p>
        )}
      </section>
      {children}
    </aside>
  );
}

function untrained(probs: number[]): boolean {
  return probs.length > 0 && Math.max(...probs) - Math.min(...probs) < 0.02;
}
