// "Exclude from study" with a reason, in the queue and the gallery, and the matching notice
// with "Restore to study" for an image already excluded. Excluded images leave the pool: the
// model never trains on them and the strategy never offers them again.
import { useState } from 'react';
import type { ExclusionReason } from '../../../shared/api';
import { EXCLUSION_REASON_TEXT, EXCLUSION_REASONS, excludeSample, MAX_EXCLUSION_DETAIL, restoreSample } from '../db/exclusions';
import { useLiveQuery } from '../hooks/useLiveQuery';
import { useWorkspace } from '../workspace/WorkspaceContext';

export function ExcludeControl({ sampleId, onExcluded }: { sampleId: string; onExcluded?: () => void }) {
  const ws = useWorkspace();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState<ExclusionReason | null>(null);
  const [detail, setDetail] = useState('');
  const [error, setError] = useState<string | null>(null);

  if (!open) {
    return (
      <button type="button" className="btn ghost" onClick={() => setOpen(true)} data-testid="btn-exclude" title="Take this image out of the study: it is never offered or trained on again (it can be restored from the gallery)">
        Exclude from study…
      </button>
    );
  }
  const close = () => {
    setOpen(false);
    setReason(null);
    setDetail('');
    setError(null);
  };
  const confirm = async () => {
    if (!reason) return;
    try {
      await excludeSample(ws.db, { sampleId, reason, detail, annotator: ws.annotatorName, cycle: ws.cycle.value?.cycle ?? 0 });
      close();
      onExcluded?.();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <div className="exclude-panel" role="dialog" aria-label="Exclude this image from the study" data-testid="exclude-panel">
      <p className="panel-title">Why does this image leave the study?</p>
      <div role="radiogroup" aria-label="Reason">
        {EXCLUSION_REASONS.map((r, i) => (
          <label key={r} className="exclude-reason">
            <input type="radio" name={`exclude-${sampleId}`} value={r} checked={reason === r} onChange={() => setReason(r)} autoFocus={i === 0} data-testid={`exclude-reason-${r}`} />
            {EXCLUSION_REASON_TEXT[r]}
          </label>
        ))}
      </div>
      <input
        type="text"
        className="exclude-detail"
        maxLength={MAX_EXCLUSION_DETAIL}
        placeholder={reason === 'duplicate' ? 'Which image it duplicates (file name)' : reason === 'other' ? 'Why (required)' : 'Details (optional)'}
        value={detail}
        onChange={(e) => setDetail(e.target.value)}
        data-testid="exclude-detail"
      />
      {error && <p className="error-text" role="alert">{error}</p>}
      <div className="exclude-actions">
        <button type="button" className="btn primary" disabled={!reason} onClick={() => void confirm()} data-testid="confirm-exclude">Exclude</button>
        <button type="button" className="btn ghost" onClick={close}>Cancel</button>
      </div>
    </div>
  );
}

/** For an excluded image: why, by whom, and the way back. */
export function ExcludedNotice({ sampleId }: { sampleId: string }) {
  const ws = useWorkspace();
  const row = useLiveQuery(() => ws.db.exclusions.get(sampleId), [ws.db, sampleId]);
  const [error, setError] = useState<string | null>(null);
  if (!row) return null;
  const restore = () =>
    void restoreSample(ws.db, { sampleId, annotator: ws.annotatorName, cycle: ws.cycle.value?.cycle ?? 0 }).catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  return (
    <div className="notice notice-warn excluded-notice" data-testid="excluded-notice">
      <strong>Excluded from the study:</strong> {EXCLUSION_REASON_TEXT[row.reason]}
      {row.detail ? ` (${row.detail})` : ''}. <span className="muted small">{row.annotator}, {new Date(row.at).toLocaleString()}</span>
      <div>
        <button type="button" className="btn" onClick={restore} data-testid="btn-restore">Restore to study</button>
      </div>
      {error && <p className="error-text" role="alert">{error}</p>}
    </div>
  );
}
