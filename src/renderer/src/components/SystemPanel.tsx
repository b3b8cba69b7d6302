// About this installation: where data lives and how the ML engine chose its backend.
import { useEffect, useState } from 'react';
import type { SystemStatus } from '../../../shared/api';
import { useApi } from '../api/ApiContext';

export function SystemPanel() {
  const api = useApi();
  const [status, setStatus] = useState<SystemStatus | null>(null);
  useEffect(() => {
    void api.system.getStatus(undefined).then(setStatus, () => setStatus(null));
    return api.system.on('backendReady', () => void api.system.getStatus(undefined).then(setStatus));
  }, [api]);
  if (!status) return <section className="panel">Loading…</section>;
  return (
    <section className="panel" aria-labelledby="system-title">
      <h2 id="system-title">This installation</h2>
      <dl className="facts">
        <dt>Version</dt>
        <dd>{status.appVersion}</dd>
        <dt>Running as</dt>
        <dd>{status.host === 'electron' ? 'Desktop app' : 'Local web host'} · {status.platform}</dd>
        <dt>Data folder</dt>
        <dd className="mono">{status.dataDir}</dd>
        <dt>ML backend</dt>
        <dd>
          {status.backend ? (
            // What runs, in a word; why the others did not, for whoever supports the installation.
            <details>
              <summary>{status.backend.attempts.find((a) => a.name === status.backend!.active)?.name ?? status.backend.active} is running · details</summary>
              <ul className="attempts">
                {status.backend.attempts.map((a) => (
                  <li key={a.name} className={a.ok ? 'ok' : 'skipped'}>
                    <strong>{a.name}</strong> {a.ok ? (a.name === status.backend!.active ? '— active' : '— available') : `— skipped: ${a.reason ?? 'unavailable'}`}
                  </li>
                ))}
              </ul>
            </details>
          ) : (
            status.backendError ?? 'starting…'
          )}
        </dd>
      </dl>
    </section>
  );
}
