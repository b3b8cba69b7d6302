// Import: choose a folder (typed path in the browser; also a native picker in the desktop
// app), watch progress with rate and ETA, then read what was imported, skipped as duplicate
// or rejected and why.
import { useEffect, useState, type FormEvent } from 'react';
import type { ImportProgress, ImportSummary, RejectReason, VaultStats } from '../../../../shared/api';
import { useApi, useConnection } from '../../api/ApiContext';
import { CycleControl } from '../../components/CycleControl';
import { Notice, ProgressBar, ScreenHeader } from '../../components/ui';
import { ImportReviewCard, useImportReviews } from './ImportReviewCard';
import { LabelCsvCard } from './LabelCsvCard';
import { MediaCard } from './MediaCard';
import { formatEta, useImport } from './useImport';

const REASON_TEXT: Record<RejectReason, string> = {
  'unsupported-format': 'Not a supported image format',
  'empty-file': 'Empty file (0 bytes)',
  corrupt: 'Damaged or truncated image',
  'too-large': 'Larger than the vault accepts',
  unreadable: 'Could not be read (permissions or disk error)',
  'npz-invalid': 'Archive is not in MedMNIST format',
  'not-an-image': 'Not an image (skipped)',
};

export function ImportScreen({ onNavigate }: { onNavigate(to: string): void }) {
  const api = useApi();
  const { host } = useConnection();
  const run = useImport();
  const review = useImportReviews(run.summary?.importId ?? null);
  const [path, setPath] = useState('');
  const [stats, setStats] = useState<VaultStats | null>(null);
  const [pickError, setPickError] = useState<string | null>(null);
  useEffect(() => {
    void api.vault.getStats(undefined).then(setStats, () => setStats(null));
  }, [api, run.summary]);

  const running = run.progress && ['scanning', 'running'].includes(run.progress.state);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (path.trim()) void run.start([path.trim()]);
  };
  const browse = async () => {
    setPickError(null);
    try {
      const r = await api.vault.chooseFolder(undefined);
      if (!r.supported) setPickError('This host has no folder picker: type the folder path instead.');
      else if (r.path) setPath(r.path);
    } catch (err) {
      setPickError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <div className="screen import-screen">
      <ScreenHeader
        title="Import images"
        subtitle={stats ? `${stats.samples.toLocaleString()} images in this workstation’s vault · originals are never modified` : 'Originals are never modified; the vault keeps a preview and a model-size copy.'}
      />
      {stats?.interruptedImport && !running && (
        <Notice tone="warn">
          An import was interrupted when the app stopped.{' '}
          <button type="button" className="btn link" onClick={() => void run.resume(stats.interruptedImport!)}>Resume it</button>
        </Notice>
      )}
      <form className="card form import-form" onSubmit={submit}>
        <label htmlFor="import-path">Folder with images <span className="muted small">JPEG, PNG, WebP, TIFF or MedMNIST .npz · subfolders included</span></label>
        <div className="input-row">
          <input id="import-path" className="mono" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/data/dermoscopy/2024" data-testid="import-path" disabled={!!running} />
          {host === 'electron' && (
            <button type="button" className="btn" onClick={() => void browse()} disabled={!!running}>Browse…</button>
          )}
          <button type="submit" className="btn primary" disabled={!path.trim() || !!running} data-testid="import-start">Import</button>
        </div>
        {pickError && <Notice tone="warn">{pickError}</Notice>}
        {run.error && <Notice tone="error">{run.error}</Notice>}
      </form>
      {run.progress && <ProgressCard progress={run.progress} onCancel={running ? () => void run.cancel() : undefined} />}
      {run.summary && <SummaryCard summary={run.summary} onNavigate={onNavigate} />}
      {review.reviews.map((r) => <ImportReviewCard key={r.importId} review={r} onChanged={review.refresh} />)}
      <MediaCard />
      <LabelCsvCard />
    </div>
  );
}

function ProgressCard({ progress: p, onCancel }: { progress: ImportProgress; onCancel?: () => void }) {
  const frac = p.total > 0 ? p.done / p.total : p.state === 'scanning' ? null : 0;
  const live = p.state === 'running' || p.state === 'scanning';
  // Once an import has ended, the average over its whole run says more than the last seconds.
  const seconds = p.finishedAt ? Math.max(0.001, (Date.parse(p.finishedAt) - Date.parse(p.startedAt)) / 1000) : null;
  const rate = !live && seconds ? p.done / seconds : p.ratePerSecond;
  return (
    <section className="card" aria-label="Import progress" data-testid="import-progress" data-state={p.state}>
      <div className="row between">
        <h2 className="card-title">{stateTitle(p.state)}</h2>
        {onCancel && <button type="button" className="btn" onClick={onCancel}>Cancel</button>}
      </div>
      <ProgressBar value={p.state === 'finished' ? 1 : frac} label="Import progress" />
      <div className="stat-row">
        <Stat label="Processed" value={`${p.done.toLocaleString()} / ${p.total.toLocaleString()}`} />
        <Stat label={live ? 'Rate' : 'Average rate'} value={`${rate.toFixed(rate < 10 ? 1 : 0)} images/s`} testId="import-rate" />
        {live ? <Stat label="Time left" value={formatEta(p.etaSeconds)} testId="import-eta" /> : <Stat label="Took" value={seconds ? formatEta(seconds) : '—'} />}
      </div>
      {p.error && <Notice tone="error">{p.error}</Notice>}
    </section>
  );
}

function SummaryCard({ summary: s, onNavigate }: { summary: ImportSummary; onNavigate(to: string): void }) {
  return (
    <section className="card" aria-label="Import summary" data-testid="import-summary">
      <h2 className="card-title">Summary</h2>
      <div className="stat-row">
        <Stat label="Imported" value={s.imported.toLocaleString()} tone="ok" testId="summary-imported" />
        <Stat label="Duplicates skipped" value={s.duplicates.toLocaleString()} testId="summary-duplicates" />
        <Stat label="Rejected" value={s.rejected.toLocaleString()} tone={s.rejected ? 'warn' : undefined} testId="summary-rejected" />
      </div>
      {s.otherFiles > 0 && (
        <p className="muted small" data-testid="summary-other-files">
          {s.otherFiles.toLocaleString()} other file{s.otherFiles === 1 ? '' : 's'} beside the images skipped (not images): {s.otherFileNames.slice(0, 10).join(', ')}
          {s.otherFiles > 10 ? ', …' : ''}
        </p>
      )}
      {s.rejectedFiles.length > 0 && (
        <details className="file-list" open={s.rejectedFiles.length <= 20}>
          <summary>Rejected files and why</summary>
          <table>
            <tbody>
              {s.rejectedFiles.slice(0, 500).map((f) => (
                <tr key={f.path}>
                  <td className="mono">{f.path}</td>
                  <td>{REASON_TEXT[f.reason]}</td>
                  <td className="muted small">{f.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
      {s.duplicateFiles.length > 0 && (
        <details className="file-list">
          <summary>Duplicates (already in the vault)</summary>
          <ul>{s.duplicateFiles.slice(0, 500).map((f) => <li key={f.path} className="mono">{f.path}</li>)}</ul>
        </details>
      )}
      <div className="next-steps">
        <CycleControl allDecided={false} />
        <button type="button" className="btn" onClick={() => onNavigate('gallery')}>Browse the gallery</button>
      </div>
    </section>
  );
}

function Stat({ label, value, tone, testId }: { label: string; value: string; tone?: 'ok' | 'warn'; testId?: string }) {
  return (
    <div className={`stat ${tone ? `stat-${tone}` : ''}`}>
      <div className="stat-value" data-testid={testId}>{value}</div>
      <div className="stat-label">{label}</div>
    </div>
  );
}

function stateTitle(s: ImportProgress['state']): string {
  return { scanning: 'Looking for images…', running: 'Importing…', finished: 'Import finished', cancelled: 'Import cancelled', failed: 'Import failed', interrupted: 'Import interrupted' }[s];
}
