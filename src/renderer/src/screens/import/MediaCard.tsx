// Previews and thumbnails are built after the import (the import only makes what training and
// the query need). This card follows that background work: how many are left, rate and time
// left, while it waits for an import, and any image whose preview could not be made and why.
// Images the annotator opens are built at once whatever the backlog, so nobody waits for it.
import { useEffect, useState } from 'react';
import type { MediaProgress } from '../../../../shared/api';
import { useApi } from '../../api/ApiContext';
import { Notice, ProgressBar } from '../../components/ui';
import { formatEta } from './useImport';

export function useMediaProgress(): MediaProgress | null {
  const api = useApi();
  const [progress, setProgress] = useState<MediaProgress | null>(null);
  useEffect(() => {
    let live = true;
    void api.vault.getStats(undefined).then((s) => live && setProgress((p) => p ?? s.media), () => {});
    const off = api.vault.on('mediaProgress', setProgress);
    return () => {
      live = false;
      off();
    };
  }, [api]);
  return progress;
}

export function MediaCard() {
  const p = useMediaProgress();
  // Peak of this screen's backlog, for the bar: built / (built + pending) since it was opened.
  const [peak, setPeak] = useState(0);
  useEffect(() => {
    if (p) setPeak((x) => Math.max(x, p.pending));
  }, [p]);
  if (!p || (p.pending === 0 && p.failed === 0 && p.built === 0)) return null;
  const busy = p.pending > 0;
  return (
    <section className="card" aria-label="Previews" data-testid="media-progress" data-state={p.state}>
      <h2 className="card-title">{busy ? 'Building previews and thumbnails' : 'Previews and thumbnails ready'}</h2>
      {busy && <ProgressBar value={peak > 0 ? 1 - p.pending / peak : null} label="Preview building progress" />}
      <div className="stat-row">
        <div className="stat">
          <div className="stat-value" data-testid="media-pending">{p.pending.toLocaleString()}</div>
          <div className="stat-label">Still to build</div>
        </div>
        <div className="stat">
          <div className="stat-value" data-testid="media-built">{p.built.toLocaleString()}</div>
          <div className="stat-label">Built since the app started</div>
        </div>
        {p.state === 'building' && (
          <>
            <div className="stat">
              <div className="stat-value">{`${p.ratePerSecond.toFixed(p.ratePerSecond < 10 ? 1 : 0)} images/s`}</div>
              <div className="stat-label">Rate</div>
            </div>
            <div className="stat">
              <div className="stat-value">{formatEta(p.etaSeconds)}</div>
              <div className="stat-label">Time left</div>
            </div>
          </>
        )}
        {p.failed > 0 && (
          <div className="stat stat-warn">
            <div className="stat-value" data-testid="media-failed">{p.failed.toLocaleString()}</div>
            <div className="stat-label">Without a preview</div>
          </div>
        )}
      </div>
      {p.state === 'waiting-for-import' && <Notice tone="info">Waiting for the import to finish; images you open are shown at once.</Notice>}
      {busy && p.state !== 'waiting-for-import' && (
        <p className="muted small">Training and the query can start now; images you open get their preview at once.</p>
      )}
      {p.retryError && <Notice tone="warn">Building paused after an error and will retry: {p.retryError}</Notice>}
      {p.failures.length > 0 && (
        <details className="file-list">
          <summary>Images without a preview and why</summary>
          <ul>{p.failures.map((f) => <li key={f.sampleId}><span className="mono">{f.name}</span> <span className="muted small">{f.error}</span></li>)}</ul>
        </details>
      )}
    </section>
  );
}
