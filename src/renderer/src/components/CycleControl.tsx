// The cycle's step in one line with the action that moves it on: start (standalone), cancel
// local work, or submit the labeled set and finish the cycle.
import { useState } from 'react';
import type { CycleStatus } from '../../../shared/api';
import { useApi } from '../api/ApiContext';
import { useWorkspace } from '../workspace/WorkspaceContext';
import { ProgressBar } from './ui';

export const STEP_LABEL: Record<CycleStatus['step'], string> = {
  idle: 'Not set up',
  joined: 'Waiting to start',
  training: 'Training',
  query: 'Choosing images',
  labeling: 'Labeling',
  ready: 'Labels submitted',
  finished: 'Federation finished',
  error: 'Needs attention',
};

export function CycleControl({ allDecided, compact = false }: { allDecided: boolean; compact?: boolean }) {
  const api = useApi();
  const { cycle, connection, sync } = useWorkspace();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const status = cycle.value;
  const standalone = connection.value?.mode === 'standalone';

  const run = async (what: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await what();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  if (!status) return <div className="cycle-control muted">{cycle.error ? `Cycle status unavailable: ${cycle.error}` : 'Loading cycle status…'}</div>;
  // Standalone is a federation of one: once started it moves on by itself (labels done ->
  // training -> query); a click is needed only to begin, and to retry after an error.
  const canStart = standalone && !status.busy && ((status.step === 'joined' && status.round === null) || status.step === 'error');
  const canFinish = status.step === 'labeling' && allDecided && !status.busy;
  return (
    <div className={`cycle-control ${compact ? 'compact' : ''}`} data-testid="cycle-control" data-step={status.step}>
      <div className="cycle-line">
        <span className={`step-badge step-${status.step}`}>{STEP_LABEL[status.step]}</span>
        <span className="cycle-msg">
          Cycle {status.cycle + 1}
          {status.round !== null && status.roundsPerCycle ? ` · round ${status.round + 1}/${status.roundsPerCycle}` : ''} — {status.message}
        </span>
      </div>
      {status.busy && <ProgressBar value={status.progress} label="Local work progress" />}
      <div className="cycle-actions">
        {canFinish && (
          <button type="button" className="btn primary" disabled={busy} onClick={() => void run(() => sync.drain(true))} data-testid="finish-cycle">
            Submit labels and finish cycle
          </button>
        )}
        {canStart && (
          <button type="button" className="btn primary" disabled={busy} onClick={() => void run(() => api.cycle.startLocalWork(undefined))} data-testid="start-cycle">
            {status.step === 'error' ? 'Retry' : 'Start first cycle'}
          </button>
        )}
        {status.busy && (
          <button type="button" className="btn" disabled={busy} onClick={() => void run(() => api.cycle.cancelLocalWork(undefined))}>
            Cancel
          </button>
        )}
      </div>
      {error && <div className="notice notice-error" role="alert">{error}</div>}
    </div>
  );
}
