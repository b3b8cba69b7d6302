// First run: join a federation (server URL + enrolment code) or work standalone with a
// preset label set. Either way the workspace opens on the import screen next.
import { normalizeFingerprint, transportWarning } from '../../../../shared/api/transport-security';
import { useState, type FormEvent } from 'react';
import { LABEL_SET_PRESETS as API_PRESETS, type LabelSetPreset, type StandaloneModel } from '../../../../shared/api';
import { useApi } from '../../api/ApiContext';
import { Notice } from '../../components/ui';
import { describeClasses } from '../../domain/classes';
import { useWorkspace } from '../../workspace/WorkspaceContext';

const PRESET_INFO: Record<LabelSetPreset, { title: string; description: string }> = {
  ham10000: { title: 'Dermoscopy', description: 'HAM10000 skin lesions · 7 classes' },
  fundus: { title: 'Fundus photography', description: 'ODIR single-diagnosis fundus · 7 classes' },
};

export function FirstRunScreen({ onDone }: { onDone(): void }) {
  const [mode, setMode] = useState<'join' | 'standalone'>('standalone');
  return (
    <div className="first-run" data-testid="first-run">
      <div className="first-run-head">
        <span className="logo big" aria-hidden>◐</span>
        <h1>Welcome to FairFAL Annotator</h1>
        <p className="muted">
          Label the images that matter most. Images never leave this workstation; only model weights are shared when you join a federation.
        </p>
      </div>
      <div className="segmented" role="tablist" aria-label="How this workstation takes part">
        <button type="button" role="tab" aria-selected={mode === 'standalone'} className={mode === 'standalone' ? 'on' : ''} onClick={() => setMode('standalone')} data-testid="mode-standalone">
          Work standalone
        </button>
        <button type="button" role="tab" aria-selected={mode === 'join'} className={mode === 'join' ? 'on' : ''} onClick={() => setMode('join')} data-testid="mode-join">
          Join a federation
        </button>
      </div>
      {mode === 'standalone' ? <StandaloneForm onDone={onDone} /> : <JoinForm onDone={onDone} />}
    </div>
  );
}

function useSubmit(onDone: () => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (what: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await what();
      onDone();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

function StandaloneForm({ onDone }: { onDone(): void }) {
  const api = useApi();
  const ws = useWorkspace();
  const [preset, setPreset] = useState<LabelSetPreset>('ham10000');
  const [budget, setBudget] = useState(20);
  const [imageSize, setImageSize] = useState<28 | 64 | 96>(28);
  const [model, setModel] = useState<StandaloneModel>('cnn4conv');
  const [backbonePath, setBackbonePath] = useState('');
  const [backboneMode, setBackboneMode] = useState<'frozen' | 'fine-tune-last-block'>('frozen');
  const [annotator, setAnnotator] = useState(ws.settings.annotator);
  const { busy, error, run } = useSubmit(onDone);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      if (annotator.trim()) await ws.updateSettings({ annotator: annotator.trim() });
      const status = await api.federation.startStandalone({ name: `${PRESET_INFO[preset].title} (standalone)`, preset, budgetPerCycle: budget, epochs: 10, strategy: 'fairfal', imageSize, model, ...(backbonePath.trim() ? { backbonePath: backbonePath.trim(), backboneMode } : {}) });
      ws.connection.set(status);
    });
  };
  return (
    <form className="card form" onSubmit={submit} aria-label="Work standalone">
      <fieldset>
        <legend>Label set</legend>
        <div className="preset-grid">
          {(Object.keys(API_PRESETS) as LabelSetPreset[]).map((p) => (
            <label key={p} className={`preset ${preset === p ? 'on' : ''}`} data-testid={`preset-${p}`}>
              <input type="radio" name="preset" value={p} checked={preset === p} onChange={() => setPreset(p)} />
              <span className="preset-title">{PRESET_INFO[p].title}</span>
              <span className="muted small">{PRESET_INFO[p].description}</span>
              <ul className="preset-classes">
                {describeClasses(API_PRESETS[p]).map((c) => (
                  <li key={c.code}>
                    <span className="swatch" style={{ background: c.color }} aria-hidden />
                    <span className="mono small">{c.code}</span> {c.name !== c.code ? c.name : ''}
                  </li>
                ))}
              </ul>
            </label>
          ))}
        </div>
      </fieldset>
      <div className="form-row">
        <AnnotatorNameField value={annotator} onChange={setAnnotator} testId="annotator-input" />
        <label>
          Images to label per cycle
          <input type="number" min={1} max={100000} value={budget} onChange={(e) => setBudget(Math.max(1, Number(e.target.value) || 1))} data-testid="budget-input" />
        </label>
      </div>
      <div className="form-row even">
        <label>
          Image detail the model sees
          <select value={imageSize} onChange={(e) => setImageSize(Number(e.target.value) as 28 | 64 | 96)} data-testid="image-size">
            <option value={28}>28 × 28 px: fastest, as in the FairFAL paper</option>
            <option value={64}>64 × 64 px: finer detail, about 5× slower training</option>
            <option value={96}>96 × 96 px: finest, about 12× slower training</option>
          </select>
        </label>
        <label>
          Network
          <select value={model} onChange={(e) => setModel(e.target.value as StandaloneModel)} data-testid="model-select">
            <option value="cnn4conv">Compact 4-layer network (FairFAL paper)</option>
            <option value="resnet9s">Residual network, ResNet-9 small: better at 64 or 96 px</option>
          </select>
        </label>
      </div>
      <div className="form-row single">
        <label>
          Pretrained feature extractor (optional)
          <input value={backbonePath} onChange={(e) => setBackbonePath(e.target.value)} placeholder="/path/to/model.json or .onnx" data-testid="backbone-input" />
          <span className="muted small">A model pretrained on many images like yours. It replaces the network and image detail above.</span>
        </label>
        {backbonePath.trim() !== '' && (
          <label>
            How your labels train it
            <select value={backboneMode} onChange={(e) => setBackboneMode(e.target.value as 'frozen' | 'fine-tune-last-block')} data-testid="backbone-mode">
              <option value="frozen">A small classifier on its features (computed once per image; fastest)</option>
              <option value="fine-tune-last-block">Fine-tune its last block and a new classifier (only for models exported by FairFAL Annotator)</option>
            </select>
          </label>
        )}
      </div>
      {error && <Notice tone="error">{error}</Notice>}
      <div className="form-actions">
        <button className="btn primary" type="submit" disabled={busy} data-testid="start-standalone">
          {busy ? 'Setting up…' : 'Start standalone workspace'}
        </button>
      </div>
    </form>
  );
}

function JoinForm({ onDone }: { onDone(): void }) {
  const api = useApi();
  const ws = useWorkspace();
  const [serverUrl, setServerUrl] = useState('https://');
  const [code, setCode] = useState('');
  const [pin, setPin] = useState('');
  const [annotator, setAnnotator] = useState(ws.settings.annotator);
  const { busy, error, run } = useSubmit(onDone);
  const insecure = transportWarning(serverUrl.trim());
  const pinInvalid = pin.trim() !== '' && normalizeFingerprint(pin) === null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      if (annotator.trim()) await ws.updateSettings({ annotator: annotator.trim() });
      const status = await api.federation.join({
        serverUrl: serverUrl.trim(),
        code: code.trim().toUpperCase(),
        ...(annotator.trim() ? { displayName: annotator.trim() } : {}),
        ...(pin.trim() ? { certificatePin: pin.trim() } : {}),
      });
      ws.connection.set(status);
    });
  };
  return (
    <form className="card form" onSubmit={submit} aria-label="Join a federation">
      <p className="muted">Your federation’s coordinator gives you the server address and a one-time enrolment code.</p>
      <label>
        Server address
        <input value={serverUrl} onChange={(e) => setServerUrl(e.target.value)} required data-testid="server-url" inputMode="url" />
      </label>
      {insecure && (
        <Notice tone="warn">
          {insecure}
        </Notice>
      )}
      <label>
        Enrolment code
        <input value={code} onChange={(e) => setCode(e.target.value)} required placeholder="ABCD-EFGH-JKLM-NPQR" className="mono code-input" data-testid="enrol-code" autoComplete="off" />
      </label>
      <details>
        <summary>Security: server certificate (only if your coordinator gave you a fingerprint)</summary>
        <label>
          Certificate fingerprint (SHA-256)
          <input value={pin} onChange={(e) => setPin(e.target.value)} placeholder="AB:CD:…:EF" className="mono" data-testid="certificate-pin" autoComplete="off" />
        </label>
        <p className="muted small">With a fingerprint, this workstation trusts exactly that server certificate and refuses any other, even one a certificate authority signed.</p>
        {pinInvalid && <Notice tone="error">A fingerprint is 64 hexadecimal digits, usually written in pairs separated by colons.</Notice>}
      </details>
      <AnnotatorNameField value={annotator} onChange={setAnnotator} />
      {error && <Notice tone="error">{error}</Notice>}
      <div className="form-actions">
        <button className="btn primary" type="submit" disabled={busy || pinInvalid} data-testid="join">
          {busy ? 'Joining…' : 'Join federation'}
        </button>
      </div>
    </form>
  );
}

/** The annotator's name, written into label history and exports; asked in both set-up forms. */
function AnnotatorNameField({ value, onChange, testId }: { value: string; onChange: (v: string) => void; testId?: string }) {
  return (
    <label>
      Your name <span className="muted small">(written into label history and exports)</span>
      <input value={value} onChange={(e) => onChange(e.target.value)} placeholder="e.g. Dr. A. Rossi" data-testid={testId} />
    </label>
  );
}
