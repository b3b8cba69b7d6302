// Bottom status bar: which ML backend trains the model (and why others were skipped), the
// host link with its measured round-trip time, and the app version.
import { useEffect, useState } from 'react';
import type { BackendReport, SystemStatus } from '../../../shared/api';
import { useApi, useConnectionState } from '../api/ApiContext';

const BACKEND_LABEL: Record<string, string> = {
  tensorflow: 'TensorFlow native',
  wasm: 'WebAssembly',
  cpu: 'CPU (slow)',
};

export function StatusBar() {
  const api = useApi();
  const link = useConnectionState();
  const [status, setStatus] = useState<SystemStatus | null>(null);
  const [rttMs, setRttMs] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const refresh = async () => {
      try {
        const t0 = performance.now();
        await api.system.ping({ message: 'status-bar' });
        const s = await api.system.getStatus(undefined);
        if (!live) return;
        setRttMs(Math.round(performance.now() - t0));
        setStatus(s);
        setError(null);
      } catch (err) {
        if (live) setError(err instanceof Error ? err.message : String(err));
      }
    };
    void refresh();
    const off = api.system.on('backendReady', () => void refresh());
    const timer = setInterval(refresh, 10_000);
    return () => {
      live = false;
      off();
      clearInterval(timer);
    };
  }, [api]);

  return (
    <footer className="status-bar" role="status" aria-label="Status bar">
      <BackendBadge report={status?.backend ?? null} error={status?.backendError ?? null} />
      <span className={`status-item link link-${error ? 'closed' : link}`} data-testid="host-link">
        <span className="dot" aria-hidden /> {describeLink(link, error, rttMs, status?.host)}
      </span>
      <span className="status-spacer" />
      {status && <span className="status-item muted">v{status.appVersion}</span>}
    </footer>
  );
}

function BackendBadge({ report, error }: { report: BackendReport | null; error: string | null }) {
  if (error) return <span className="status-item warn" data-testid="ml-backend">ML engine unavailable: {error}</span>;
  if (!report) return <span className="status-item muted" data-testid="ml-backend">ML engine: starting…</span>;
  const skipped = report.attempts.filter((a) => !a.ok).map((a) => `${a.name}: ${a.reason ?? 'unavailable'}`);
  const kernels = report.kernels ? ` · ${report.kernels}` : '';
  return (
    <span
      className={`status-item backend backend-${report.active}`}
      data-testid="ml-backend"
      data-backend={report.active}
      title={(skipped.length ? `Skipped — ${skipped.join(' · ')}` : 'Fastest backend active') + kernels}
    >
      ML engine: {BACKEND_LABEL[report.active] ?? report.active}
      {report.threads > 1 ? ` · ${report.threads} threads` : ''}
      {report.kernels?.startsWith('wasm SIMD') ? ' · SIMD' : ''}
    </span>
  );
}

function describeLink(state: string, error: string | null, rtt: number | null, host?: string): string {
  if (error) return `Host unreachable — ${error}`;
  if (state === 'connecting') return 'Connecting to host…';
  if (state === 'closed') return 'Host connection lost — retrying';
  const where = host === 'electron' ? 'Desktop' : 'Local web host';
  return rtt === null ? where : `${where} · ${rtt} ms`;
}
