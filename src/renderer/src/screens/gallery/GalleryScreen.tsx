// Every sample as a windowed grid with filters by status, label and predicted class;
// click one to relabel it.
import { useState } from 'react';
import type { SampleRow, SampleStatus } from '../../db/rows';
import { EmptyState, ScreenHeader } from '../../components/ui';
import { VirtualGrid } from '../../components/VirtualGrid';
import { useWorkspace } from '../../workspace/WorkspaceContext';
import { SampleDrawer } from './SampleDrawer';
import { NO_FILTER, useGallery, useStatusCounts, type GalleryFilter } from './useGallery';

const STATUSES: (SampleStatus | 'all')[] = ['all', 'queued', 'labeled', 'unlabeled', 'unsure', 'excluded'];

export function GalleryScreen() {
  const ws = useWorkspace();
  const [filter, setFilter] = useState<GalleryFilter>(NO_FILTER);
  const [openId, setOpenId] = useState<string | null>(null);
  const rows = useGallery(ws.db, filter);
  const counts = useStatusCounts(ws.db);
  const open = rows?.find((r) => r.id === openId) ?? null;

  return (
    <div className={`screen gallery-screen ${open ? 'with-drawer' : ''}`}>
      <ScreenHeader title="Gallery" subtitle={rows ? `${rows.length.toLocaleString()} of ${(counts?.all ?? 0).toLocaleString()} samples` : 'Loading…'} />
      <div className="filters" role="toolbar" aria-label="Filters">
        <div className="segmented small" role="group" aria-label="Status">
          {STATUSES.map((s) => (
            <button key={s} type="button" className={filter.status === s ? 'on' : ''} aria-pressed={filter.status === s} onClick={() => setFilter({ ...filter, status: s })} data-testid={`filter-${s}`}>
              {s === 'all' ? 'All' : s[0]!.toUpperCase() + s.slice(1)}
              {counts && <span className="count">{counts[s].toLocaleString()}</span>}
            </button>
          ))}
        </div>
        <label className="select">
          Label
          <select value={filter.label} onChange={(e) => setFilter({ ...filter, label: Number(e.target.value) })} data-testid="filter-label">
            <option value={-1}>Any</option>
            {ws.classes.map((c) => <option key={c.code} value={c.index}>{c.name}</option>)}
          </select>
        </label>
        <label className="select">
          Predicted
          <select value={filter.predicted} onChange={(e) => setFilter({ ...filter, predicted: Number(e.target.value) })} data-testid="filter-predicted">
            <option value={-1}>Any</option>
            {ws.classes.map((c) => <option key={c.code} value={c.index}>{c.name}</option>)}
          </select>
        </label>
        {(filter.status !== 'all' || filter.label >= 0 || filter.predicted >= 0) && (
          <button type="button" className="btn ghost" onClick={() => setFilter(NO_FILTER)}>Clear filters</button>
        )}
      </div>
      <div className="gallery-body">
        {rows && rows.length === 0 ? (
          <EmptyState title={counts?.all ? 'No sample matches these filters' : 'No images yet'} icon="▦">
            {counts?.all ? 'Try another status or class.' : 'Import a folder to fill the vault.'}
          </EmptyState>
        ) : (
          rows && (
            <VirtualGrid
              count={rows.length}
              minCellWidth={150}
              rowHeight={184}
              label="Samples"
              renderCell={(i) => <Tile row={rows[i]!} onOpen={() => setOpenId(rows[i]!.id)} selected={rows[i]!.id === openId} />}
            />
          )
        )}
        {open && <SampleDrawer sample={open} onClose={() => setOpenId(null)} />}
      </div>
    </div>
  );
}

function Tile({ row, onOpen, selected }: { row: SampleRow; onOpen(): void; selected: boolean }) {
  const { classes } = useWorkspace();
  const label = row.labelClass >= 0 ? classes[row.labelClass] : null;
  // A near-flat prediction (an untrained model) says nothing: do not show it.
  const meaningful = row.predictedProb === null || row.predictedProb >= 1.5 / Math.max(1, classes.length);
  const pred = row.predictedClass >= 0 && meaningful ? classes[row.predictedClass] : null;
  const src = row.thumbnailUrl ?? row.previewUrl;
  return (
    <button type="button" className={`tile status-${row.status} ${selected ? 'selected' : ''}`} onClick={onOpen} data-testid="gallery-tile" data-status={row.status}>
      <span className="tile-img">{src ? <img src={src} alt="" loading="lazy" /> : null}</span>
      <span className="tile-meta">
        <span className="tile-name mono">{row.fileName}</span>
        <span className="tile-tags">
          {label ? <span className="chip" style={{ ['--chip-color' as string]: label.color }}>{label.code}</span> : <span className={`chip chip-${row.status}`}>{row.status}</span>}
          {pred && <span className="muted small" title={`Model predicts ${pred.name}`}>→ {pred.code}</span>}
        </span>
      </span>
    </button>
  );
}
