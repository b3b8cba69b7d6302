// The keyboard map: classes on 1-9 (fixed), action keys rebindable by pressing a new key.
import { useState } from 'react';
import { ACTION_LABEL, DEFAULT_KEYMAP, KeyActionSchema, rebind, type KeyAction, type KeyMap } from '../../domain/keymap';
import type { ClassInfo } from '../../domain/classes';
import { Kbd } from '../../components/ui';

export function KeymapEditor({ keymap, classes, onChange }: { keymap: KeyMap; classes: ClassInfo[]; onChange(k: KeyMap): void }) {
  const [listening, setListening] = useState<KeyAction | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="keymap">
      <table className="keymap-table">
        <tbody>
          {classes.filter((c) => c.key).map((c) => (
            <tr key={c.code}>
              <td><Kbd k={c.key!} /></td>
              <td><span className="swatch" style={{ background: c.color }} aria-hidden /> {c.name}</td>
              <td className="muted small">class</td>
            </tr>
          ))}
          {KeyActionSchema.options.map((a) => (
            <tr key={a}>
              <td>{keymap[a].map((k) => <Kbd key={k} k={k} />)}</td>
              <td>{ACTION_LABEL[a]}</td>
              <td>
                <button
                  type="button"
                  className={`btn small ${listening === a ? 'primary' : 'ghost'}`}
                  onClick={() => { setError(null); setListening(a); }}
                  onKeyDown={(e) => {
                    if (listening !== a || e.key === 'Tab') return;
                    e.preventDefault();
                    if (e.key === 'Escape') return setListening(null);
                    const next = rebind(keymap, a, e.key);
                    if ('error' in next) setError(next.error);
                    else onChange(next);
                    setListening(null);
                  }}
                  onBlur={() => setListening(null)}
                >
                  {listening === a ? 'Press a key…' : 'Change'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {error && <p className="warn small">{error}</p>}
      <button type="button" className="btn ghost small" onClick={() => onChange(DEFAULT_KEYMAP)}>Reset to defaults</button>
    </div>
  );
}
