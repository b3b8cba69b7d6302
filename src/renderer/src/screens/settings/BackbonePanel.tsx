// A federation that trains on a pretrained backbone's features needs the same file at every
// site: this panel says so and installs it from a path on this computer (checked by sha256).
import { useEffect, useState, type FormEvent } from 'react';
import type { BackboneStatus } from '../../../../shared/api';
import { useApi } from '../../api/ApiContext';
import { Notice } from '../../components/ui';

export function BackbonePanel({ taskKey }: { taskKey: string }) {
  const api = useApi();
  const [status, setStatus] = useState<BackboneStatus | null>(null);
  const [file, setFile] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void api.federation.getBackbone(undefined).then(setStatus, () => setStatus(null));
  }, [api, taskKey]);
  if (!status?.required) return null;
  const install = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setStatus(await api.federation.installBackbone({ path: file.trim() }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div data-testid="backbone-panel">
      <h2 className="card-title">Pretrained backbone</h2>
      {status.installed ? (
        <p className="muted small">Installed. Each image’s features are computed once, on this computer, and kept with the images.</p>
      ) : (
        <form onSubmit={(e) => void install(e)} className="form">
          <Notice tone="warn">
            This study trains on the features of a pretrained model that is not on this computer yet. Ask your study coordinator for its file
            (sha256 {status.required.sha256.slice(0, 12)}…) and give its location here.
          </Notice>
          <label>
            File on this computer (model.json or .onnx)
            <input value={file} onChange={(e) => setFile(e.target.value)} placeholder="/path/to/model.json" data-testid="backbone-path" />
          </label>
          <button type="submit" className="btn" disabled={busy || file.trim() === ''}>{busy ? 'Checking…' : 'Install'}</button>
        </form>
      )}
      {error && <Notice tone="error">{error}</Notice>}
    </div>
  );
}
