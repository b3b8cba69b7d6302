// The queue: the images the strategy chose, one at a time, large. Keys 1-9 label, U unsure,
// S skip, Z undo, arrows move, +/-/0 zoom; every key has a button too.
import { useBalance } from '../dashboard/useBalance';
import { useEffect, useMemo } from 'react';
import { CycleControl } from '../../components/CycleControl';
import { EmptyState, Kbd, Notice, ProgressBar, singleClick } from '../../components/ui';
import { ZoomPanImage } from '../../components/ZoomPanImage';
import type { ClassInfo } from '../../domain/classes';
import { currentItem, type LabelValue } from '../../domain/queue-machine';
import { useWorkspace } from '../../workspace/WorkspaceContext';
import { ClassBar } from './ClassBar';
import { ReasonPanel } from './ReasonPanel';
import { NoteField } from '../../components/NoteField';
import { ExcludeControl } from '../../components/ExcludeControl';
import { SimilarLabeled } from '../../components/SimilarLabeled';
import { useQueueController } from './useQueueController';
import { useQueueData } from './useQueueData';

const PRELOAD = 3;

export function QueueScreen({ onNavigate }: { onNavigate?: (to: string) => void }) {
  const ws = useWorkspace();
  const data = useQueueData(ws.db, ws.cycle.value?.cycle ?? null);
  const items = useMemo(() => data?.entries.map((e) => ({ sampleId: e.sample.id, label: e.label })), [data]);
  const queueKey = useMemo(() => `${data?.cycle ?? ''}:${data?.entries.map((e) => e.sample.id).join(',') ?? ''}`, [data]);
  const ctl = useQueueController({
    db: ws.db,
    items,
    cycle: data?.cycle ?? null,
    queueKey,
    annotator: ws.annotatorName,
    sessionId: ws.sessionId,
    keymap: ws.settings.keymap,
    classCount: ws.classes.length,
  });
  const { state, send } = ctl;
  const entries = data?.entries ?? [];
  const item = currentItem(state);
  const entry = item ? entries.find((e) => e.sample.id === item.sampleId) ?? null : null;
  const decided = state.items.filter((i) => i.label !== null).length;
  const labeled = state.items.filter((i) => i.label?.kind === 'class').length;
  const budget = ws.cycle.value?.budget || entries.length;
  // The labeled set's class counts: "why this image" says when a class is under-represented.
  const balance = useBalance(ws.db, ws.classes.length, ws.cycle.value?.cycle ?? null, budget);

  // Smooth switching: the next few previews are fetched before they are needed.
  useEffect(() => {
    for (let k = 1; k <= PRELOAD; k++) {
      const next = entries.find((e) => e.sample.id === state.items[state.index + k]?.sampleId);
      if (next?.sample.previewUrl) new Image().src = next.sample.previewUrl;
    }
  }, [entries, state.index, state.items]);

  if (!data) return <div className="screen loading">Loading queue…</div>;
  if (entries.length === 0) {
    return (
      <div className="screen queue-screen">
        <EmptyState
          title="No images waiting for you"
          icon="◎"
          action={<CycleControl allDecided={false} />}
        >
          When a cycle’s query is ready, the images chosen for labeling appear here, one at a time. Import images first if the workspace is empty.
          {onNavigate && (
            <button type="button" className="btn link" onClick={() => onNavigate('import')}>Import images</button>
          )}
        </EmptyState>
      </div>
    );
  }

  const allDecided = decided === state.items.length;
  // Labels given anywhere this round (gallery too); the queue's own count until that is known.
  const labeledThisCycle = balance?.labeledThisCycle ?? labeled;
  return (
    <div className="screen queue-screen" data-testid="queue-screen">
      <div className="queue-top">
        <div className="queue-progress">
          <span className="queue-count" data-testid="queue-progress">
            <strong>{labeledThisCycle}</strong> / {budget} labeled this cycle
          </span>
          <ProgressBar value={budget ? Math.min(1, labeledThisCycle / budget) : 0} label="Labeled this cycle" />
          <SaveState saving={ctl.saving} failed={ctl.writeError !== null} />
        </div>
        <CycleControl allDecided={allDecided} compact />
      </div>
      {ctl.writeError && <Notice tone="error">Could not save the last label: {ctl.writeError}</Notice>}
      <div className="queue-body">
        <div className="viewer">
          {entry ? (
            <>
              <div className="viewer-head">
                <span className="file-name mono" data-testid="current-file">{entry.sample.fileName}</span>
                <span className="muted">{state.index + 1} of {state.items.length}</span>
                <CurrentLabel label={item?.label ?? null} classes={ws.classes} />
              </div>
              <ZoomPanImage src={entry.sample.previewUrl} alt={`Image ${entry.sample.fileName}`} command={ctl.zoom} testId="queue-image" />
              <ClassBar classes={ws.classes} current={item?.label ?? null} onPick={(classIndex) => send({ type: 'class', classIndex, ...(item ? { seen: item.sampleId } : {}) })} disabled={false} />
              <div className="action-bar">
                <button type="button" className="btn" onClick={() => send({ type: 'previous' })} aria-label="Previous image"><Kbd k="ArrowLeft" /> Previous</button>
                <button type="button" className="btn" onClick={singleClick(() => send({ type: 'unsure', ...(item ? { seen: item.sampleId } : {}) }))} data-testid="btn-unsure"><Kbd k={ws.settings.keymap.unsure[0]!} /> Unsure</button>
                <button type="button" className="btn" onClick={singleClick(() => send({ type: 'skip', ...(item ? { seen: item.sampleId } : {}) }))} data-testid="btn-skip"><Kbd k={ws.settings.keymap.skip[0]!} /> Skip</button>
                <button type="button" className="btn" onClick={singleClick(() => send({ type: 'undo' }))} disabled={state.undo.length === 0} data-testid="btn-undo"><Kbd k={ws.settings.keymap.undo[0]!} /> Undo</button>
                <span className="spacer" />
                <button type="button" className="btn ghost" onClick={() => send({ type: 'zoomOut' })} aria-label="Zoom out"><Kbd k="-" /></button>
                <button type="button" className="btn ghost" onClick={() => send({ type: 'fit' })} aria-label="Fit to view"><Kbd k="0" /> Fit</button>
                <button type="button" className="btn ghost" onClick={() => send({ type: 'zoomIn' })} aria-label="Zoom in"><Kbd k="+" /></button>
                <button type="button" className="btn" onClick={() => send({ type: 'next' })} aria-label="Next image">Next <Kbd k="ArrowRight" /></button>
              </div>
            </>
          ) : (
            <EmptyState title="Every image in this queue has a decision" icon="✓" action={<CycleControl allDecided={allDecided} />}>
              {labeled} labeled, {decided - labeled} marked unsure. Use ← to review, or submit the labeled set to finish the cycle.
            </EmptyState>
          )}
        </div>
        {entry && (
          <ReasonPanel row={entry.row} classes={ws.classes} queueSize={entries.length} {...(balance ? { labeledCounts: balance.counts } : {})}>
            <SimilarLabeled sampleId={entry.sample.id} modelKey={entry.row.prediction ? `${data.cycle ?? 0}:${entry.row.addedAt}` : null} />
            <NoteField key={entry.sample.id} sampleId={entry.sample.id} />
            <ExcludeControl key={`x-${entry.sample.id}`} sampleId={entry.sample.id} />
          </ReasonPanel>
        )}
      </div>
      <Filmstrip entries={entries} index={state.index} onPick={(i) => send({ type: 'goto', index: i })} labels={state.items} />
    </div>
  );
}

function SaveState({ saving, failed }: { saving: number; failed: boolean }) {
  const state = failed ? 'failed' : saving > 0 ? 'saving' : 'saved';
  return (
    <span className={`save-state save-${state}`} data-testid="save-state" data-state={state} aria-live="polite">
      {state === 'failed' ? 'Not saved' : state === 'saving' ? 'Saving…' : '✓ Saved on this workstation'}
    </span>
  );
}

function CurrentLabel({ label, classes }: { label: LabelValue; classes: ClassInfo[] }) {
  if (!label) return <span className="chip muted" data-testid="current-label">Not labeled</span>;
  if (label.kind === 'unsure') return <span className="chip chip-warn" data-testid="current-label">Unsure</span>;
  const c = classes[label.classIndex];
  return <span className="chip" style={{ ['--chip-color' as string]: c?.color }} data-testid="current-label">{c?.name ?? label.classIndex}</span>;
}

function Filmstrip({ entries, index, onPick, labels }: { entries: { sample: { id: string; thumbnailUrl?: string | null; previewUrl: string | null; fileName: string } }[]; index: number; onPick(i: number): void; labels: { label: unknown }[] }) {
  return (
    <nav className="filmstrip" aria-label="Queue">
      {entries.map((e, i) => (
        <button
          key={e.sample.id}
          type="button"
          className={`film ${i === index ? 'current' : ''} ${labels[i]?.label ? 'done' : ''}`}
          onClick={() => onPick(i)}
          title={e.sample.fileName}
          tabIndex={-1}
        >
          {(e.sample.thumbnailUrl ?? e.sample.previewUrl) && <img src={(e.sample.thumbnailUrl ?? e.sample.previewUrl)!} alt="" loading="lazy" />}
        </button>
      ))}
    </nav>
  );
}
