// Settings: who is labeling, theme, keyboard map, server and data folder, label and model export.
import { useEffect, useState } from 'react';
import type { SystemStatus, VaultStats } from '../../../../shared/api';
import { useApi } from '../../api/ApiContext';
import { describeModel, describePrivacy } from '../../domain/model-words';
import { BackbonePanel } from './BackbonePanel';
import { Notice, ScreenHeader } from '../../components/ui';
import { describeConnection } from '../../components/NavBar';
import { SystemPanel } from '../../components/SystemPanel';
import { useWorkspace } from '../../workspace/WorkspaceContext';
import { buildExport, download } from './exportLabels';
import { KeymapEditor } from './KeymapEditor';
import { ReadersPanel } from './ReadersPanel';
import { ReportChoices } from './ReportChoices';
import { WhatLeavesPanel } from './WhatLeavesPanel';

export function SettingsScreen() {
  const api = useApi();
  const ws = useWorkspace();
  const [name, setName] = useState(ws.settings.annotator);
  const [system, setSystem] = useState<SystemStatus | null>(null);
  const [vault, setVault] = useState<VaultStats | null>(null);
  const [modelResult, setModelResult] = useState<{ tone: 'ok' | 'error'; text: string } | null>(null);
  const [leaving, setLeaving] = useState(false);
  useEffect(() => {
    void api.system.getStatus(undefined).then(setSystem, () => {});
    void api.vault.getStats(undefined).then(setVault, () => {});
  }, [api]);
  const conn = ws.connection.value;

  const exportLabels = async (format: 'csv' | 'json') => {
    const f = await buildExport(ws.db, format, ws.classes, { exportedBy: ws.annotatorName, task: conn?.task?.name ?? null });
    download(f.text, f.fileName, f.mime);
  };
  const exportModel = async (format: 'tfjs' | 'binary') => {
    setModelResult(null);
    try {
      const r = await api.cycle.exportModel({ format });
      setModelResult({ tone: 'ok', text: `Saved ${r.files.length} file${r.files.length === 1 ? '' : 's'}: ${r.files.join(', ')} (model ${r.modelHash.slice(0, 12)}…)` });
    } catch (err) {
      setModelResult({ tone: 'error', text: err instanceof Error ? err.message : String(err) });
    }
  };
  const leave = async () => {
    if (!window.confirm('Leave and return to first-run setup? Images and labels stay on this workstation.')) return;
    setLeaving(true);
    try {
      ws.connection.set(await api.federation.leave(undefined));
    } finally {
      setLeaving(false);
    }
  };

  return (
    <div className="screen settings-screen">
      <ScreenHeader title="Settings" />
      <div className="settings-grid">
        <section className="card" aria-labelledby="s-you">
          <h2 id="s-you" className="card-title">Annotator</h2>
          <form className="input-row" onSubmit={(e) => { e.preventDefault(); void ws.updateSettings({ annotator: name.trim() }); }}>
            <input value={name} onChange={(e) => setName(e.target.value)} placeholder="Your name" aria-label="Annotator name" data-testid="settings-annotator" />
            <button type="submit" className="btn" disabled={name.trim() === ws.settings.annotator}>Save</button>
          </form>
          <p className="muted small">Every label records who made it and when.</p>
          <h2 className="card-title">Theme</h2>
          <div className="segmented small" role="group" aria-label="Theme">
            {(['light', 'dark'] as const).map((t) => (
              <button key={t} type="button" className={ws.settings.theme === t ? 'on' : ''} aria-pressed={ws.settings.theme === t} onClick={() => void ws.updateSettings({ theme: t })} data-testid={`theme-${t}`}>
                {t === 'light' ? 'Light' : 'Dark'}
              </button>
            ))}
          </div>
        </section>
        <ReadersPanel />
        <section className="card" aria-labelledby="s-fed">
          <h2 id="s-fed" className="card-title">Federation</h2>
          <dl className="facts compact">
            <dt>Mode</dt><dd>{conn?.mode === 'federated' ? 'Federated' : conn?.mode === 'standalone' ? 'Standalone' : 'Not set up'}</dd>
            <dt>Server</dt><dd className="mono">{conn?.serverUrl ?? '—'}</dd>
            <dt>Status</dt><dd>{describeConnection(conn?.state, conn?.serverUrl ?? null)}</dd>
            {conn?.clientId && (<><dt>Client id</dt><dd className="mono">{conn.clientId}</dd></>)}
            <dt>Credential</dt><dd>{conn?.secretStore === 'safe-storage' ? 'OS keychain (encrypted)' : conn?.secretStore === 'file-0600' ? 'Private file (owner only)' : (conn?.secretStore ?? '—')}</dd>
            {conn?.mode === 'federated' && (
              <>
                <dt>Server certificate</dt>
                <dd>{conn.certificatePin ? <span title={conn.certificatePin}>pinned: only the certificate {conn.certificatePin.slice(0, 11)}… is trusted</span> : conn.serverUrl?.startsWith('https://') ? 'checked against this computer’s certificate authorities' : 'none (plain http)'}</dd>
              </>
            )}
            <dt>Study</dt><dd>{conn?.task ? <span title={`model ${conn.task.model}`}>{conn.task.name} · {conn.task.budgetPerCycle} labels per cycle</span> : '—'}</dd>
            {conn?.task && (<><dt>Model</dt><dd data-testid="model-description">{describeModel(conn.task)}</dd></>)}
            {conn?.task && describePrivacy(conn.task) && (
              <>
                <dt>Privacy</dt>
                <dd data-testid="privacy-description">{describePrivacy(conn.task)?.map((p) => <p key={p.slice(0, 24)} className="privacy-paragraph">{p}</p>)}</dd>
              </>
            )}
          </dl>
          {conn?.task && <BackbonePanel taskKey={`${conn.task.name}:${conn.task.backbone?.sha256 ?? ''}`} />}
          {conn?.transportWarning && <Notice tone="warn">{conn.transportWarning}</Notice>}
          <button type="button" className="btn danger-ghost" onClick={() => void leave()} disabled={leaving}>Leave and set up again</button>
        </section>
        <section className="card" aria-labelledby="s-keys">
          <h2 id="s-keys" className="card-title">Keyboard</h2>
          <KeymapEditor keymap={ws.settings.keymap} classes={ws.classes} onChange={(k) => void ws.updateSettings({ keymap: k })} />
        </section>
        <section className="card" aria-labelledby="s-data">
          <h2 id="s-data" className="card-title">Data</h2>
          <dl className="facts compact">
            <dt>Data folder</dt><dd className="mono" data-testid="data-folder">{system?.dataDir ?? '—'}</dd>
            <dt>Image vault</dt><dd className="mono">{vault ? `${vault.vaultDir} · ${vault.samples.toLocaleString()} images · ${(vault.bytesOnDisk / 1e6).toFixed(1)} MB` : '—'}</dd>
            <dt>Labels</dt><dd>Kept in this window’s database first, then handed to the client node.</dd>
          </dl>
          <h2 className="card-title">Export labels</h2>
          <div className="row gap">
            <button type="button" className="btn" onClick={() => void exportLabels('csv')} data-testid="export-csv">Download CSV</button>
            <button type="button" className="btn" onClick={() => void exportLabels('json')} data-testid="export-json">Download JSON (with history)</button>
          </div>
          <h2 className="card-title">Export model</h2>
          <div className="row gap">
            <button type="button" className="btn" onClick={() => void exportModel('tfjs')} data-testid="export-model-tfjs">TensorFlow.js folder</button>
            <button type="button" className="btn" onClick={() => void exportModel('binary')}>Weights file</button>
          </div>
          {modelResult && <Notice tone={modelResult.tone}>{modelResult.text}</Notice>}
        </section>
        <WhatLeavesPanel conn={conn ?? null} choices={<ReportChoices />} />
        <SystemPanel />
      </div>
    </div>
  );
}
