// Second reading and adjudication. Second reading: the images of this cycle's queue chosen for a
// blind second call, labeled by another reader; shown without the first call or the model's
// prediction. Adjudication: images whose two calls differ, with both calls and who made them;
// the adjudicated class becomes the label that trains the model.
import { useEffect, useState } from 'react';
import { EmptyState, Kbd, Notice, ScreenHeader } from '../../components/ui';
import { ZoomPanImage } from '../../components/ZoomPanImage';
import { useLiveQuery } from '../../hooks/useLiveQuery';
import type { SampleRow } from '../../db/rows';
import { adjudicate, disagreements, pendingSecondReads, recordSecondRead } from '../../db/second-read';
import { useWorkspace } from '../../workspace/WorkspaceContext';
import { ClassBar } from '../queue/ClassBar';

type Tab = 'read' | 'adjudicate';

export function ReviewScreen() {
  const ws = useWorkspace();
  const cycle = ws.cycle.value?.cycle ?? null;
  const share = ws.settings.secondReadShare;
  const pending = useLiveQuery(() => (cycle === null ? Promise.resolve([]) : pendingSecondReads(ws.db, cycle, share, ws.annotatorName)), [ws.db, cycle, share, ws.annotatorName]);
  const open = useLiveQuery(async () => {
    const ds = (await disagreements(ws.db)).filter((d) => !d.adjudicated);
    const samples = await ws.db.samples.bulkGet(ds.map((d) => d.sampleId));
    return ds.flatMap((d, i) => (samples[i] ? [{ ...d, sample: samples[i] as SampleRow }] : []));
  }, [ws.db]);
  const [tab, setTab] = useState<Tab>('read');
  const [result, setResult] = useState<{ tone: 'ok' | 'warn' | 'error'; text: string } | null>(null);
  const item = pending?.[0] ?? null;
  const dispute = open?.[0] ?? null;
  const name = (i: number | null) => (i === null ? 'Unsure' : (ws.classes[i]?.name ?? `class ${i}`));

  const read = async (classIndex: number | null) => {
    if (!item || cycle === null) return;
    try {
      const r = await recordSecondRead(ws.db, { sampleId: item.sample.id, reader: ws.annotatorName, classIndex, cycle });
      setResult(r === 'agreed' ? { tone: 'ok', text: `${item.sample.fileName}: agrees with the first reading.` } : { tone: 'warn', text: `${item.sample.fileName}: differs from the first reading, sent to adjudication.` });
    } catch (err) {
      setResult({ tone: 'error', text: err instanceof Error ? err.message : String(err) });
    }
  };
  const settle = async (classIndex: number) => {
    if (!dispute) return;
    try {
      await adjudicate(ws.db, { sampleId: dispute.sampleId, classIndex, adjudicator: ws.annotatorName, cycle: cycle ?? 0, sessionId: ws.sessionId });
      setResult({ tone: 'ok', text: `${dispute.sample.fileName}: adjudicated as ${name(classIndex)}.` });
    } catch (err) {
      setResult({ tone: 'error', text: err instanceof Error ? err.message : String(err) });
    }
  };

  // Keys 1-9 give the class, U unsure (second reading only); one decision per press.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.repeat || e.ctrlKey || e.metaKey || e.altKey || (e.target as HTMLElement | null)?.tagName === 'INPUT') return;
      const k = /^[1-9]$/.test(e.key) ? Number(e.key) - 1 : null;
      if (k !== null && k < ws.classes.length) {
        e.preventDefault();
        if (tab === 'read') void read(k);
        else void settle(k);
      } else if (tab === 'read' && e.key.toLowerCase() === 'u') void read(null);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  return (
    <div className="screen review-screen" data-testid="review-screen">
      <ScreenHeader title="Second reading" subtitle={`Reading as ${ws.annotatorName} · ${share === 0 ? 'second reading is off (Settings)' : `${Math.round(share * 100)}% of each cycle’s queue is read twice`}`} />
      <div className="segmented small" role="tablist">
        <button type="button" role="tab" className={tab === 'read' ? 'on' : ''} aria-selected={tab === 'read'} onClick={() => setTab('read')} data-testid="tab-read">
          To read <span className="count" data-testid="pending-reads">{pending?.length ?? 0}</span>
        </button>
        <button type="button" role="tab" className={tab === 'adjudicate' ? 'on' : ''} aria-selected={tab === 'adjudicate'} onClick={() => setTab('adjudicate')} data-testid="tab-adjudicate">
          To adjudicate <span className="count" data-testid="pending-adjudications">{open?.length ?? 0}</span>
        </button>
      </div>
      {result && <Notice tone={result.tone}>{result.text}</Notice>}
      {tab === 'read' &&
        (item ? (
          <div className="viewer" data-testid="second-read">
            <div className="viewer-head">
              <span className="file-name mono" data-testid="review-file">{item.sample.fileName}</span>
              <span className="muted">{pending!.length} waiting · the first reading is hidden until you decide</span>
            </div>
            <ZoomPanImage src={item.sample.previewUrl} alt={`Image ${item.sample.fileName}`} command={null} testId="review-image" />
            <ClassBar classes={ws.classes} current={null} onPick={(c) => void read(c)} disabled={false} />
            <div className="action-bar">
              <button type="button" className="btn" onClick={() => void read(null)} data-testid="review-unsure"><Kbd k="u" /> Unsure</button>
            </div>
          </div>
        ) : (
          <EmptyState title="Nothing to read" icon="✓">
            Images chosen for a second reading appear here once another reader has labeled them. Switch reader in Settings.
          </EmptyState>
        ))}
      {tab === 'adjudicate' &&
        (dispute ? (
          <div className="viewer" data-testid="adjudication">
            <div className="viewer-head">
              <span className="file-name mono" data-testid="review-file">{dispute.sample.fileName}</span>
              <span data-testid="calls">
                {dispute.first.reader}: <strong>{name(dispute.first.classIndex)}</strong> · {dispute.second.reader}: <strong>{name(dispute.second.classIndex)}</strong>
              </span>
            </div>
            <ZoomPanImage src={dispute.sample.previewUrl} alt={`Image ${dispute.sample.fileName}`} command={null} testId="review-image" />
            <ClassBar classes={ws.classes} current={null} onPick={(c) => void settle(c)} disabled={false} />
            <p className="muted small">The class you choose becomes the label; until then this image does not train the model.</p>
          </div>
        ) : (
          <EmptyState title="No disagreements" icon="✓">When two readers call an image differently, it waits here for a decision.</EmptyState>
        ))}
    </div>
  );
}
