// Readers of this workspace: who is reading now (every label, reading and adjudication records
// it), the other named readers, and the share of each cycle's queue read again, blind, by a
// second reader.
import { useState } from 'react';
import { useWorkspace } from '../../workspace/WorkspaceContext';

export function ReadersPanel() {
  const ws = useWorkspace();
  const [newName, setNewName] = useState('');
  const current = ws.annotatorName;
  const all = [...new Set([current, ...ws.settings.readers].filter(Boolean))];
  const add = () => {
    const name = newName.trim();
    if (!name || all.includes(name)) return;
    void ws.updateSettings({ readers: [...ws.settings.readers, name] });
    setNewName('');
  };
  const switchTo = (name: string) => void ws.updateSettings({ annotator: name, readers: all.filter((r) => r !== name) });
  return (
    <section className="card" aria-labelledby="s-readers" data-testid="readers-panel">
      <h2 id="s-readers" className="card-title">Readers</h2>
      <label className="select">
        Reading now
        <select value={current} onChange={(e) => switchTo(e.target.value)} data-testid="current-reader">
          {all.map((r) => <option key={r} value={r}>{r}</option>)}
        </select>
      </label>
      <form className="input-row" onSubmit={(e) => { e.preventDefault(); add(); }}>
        <input value={newName} onChange={(e) => setNewName(e.target.value)} placeholder="Another reader’s name" aria-label="New reader" data-testid="new-reader" />
        <button type="submit" className="btn" disabled={!newName.trim() || all.includes(newName.trim())} data-testid="add-reader">Add reader</button>
      </form>
      <label className="select">
        Read twice
        <select value={String(ws.settings.secondReadShare)} onChange={(e) => void ws.updateSettings({ secondReadShare: Number(e.target.value) })} data-testid="second-read-share">
          {[0, 0.1, 0.2, 0.3, 0.5, 1].map((s) => <option key={s} value={String(s)}>{s === 0 ? 'off' : `${Math.round(s * 100)}% of the queue`}</option>)}
        </select>
      </label>
      <p className="muted small">
        Images chosen for a second reading are shown to another reader without the first call. When the two disagree, the image goes to adjudication and its label is held back
        from training until someone decides. Agreement (Cohen’s kappa) is on the dashboard.
      </p>
    </section>
  );
}
