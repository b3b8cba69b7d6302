// Implements the `system` contract: host facts and the engine backend the status bar shows.
import type { ApiImpl, BackendReport } from '../../shared/api';
import type { ApiEventBus } from './event-bus';

export interface SystemServiceDeps {
  appVersion: string;
  host: 'electron' | 'web';
  dataDir: string;
  /** Resolves once the engine has picked its backend (tfjs-node -> wasm -> cpu). */
  backend: Promise<BackendReport>;
  events: ApiEventBus;
  now?: () => Date;
}

export function createSystemService(deps: SystemServiceDeps): ApiImpl['system'] {
  const now = deps.now ?? (() => new Date());
  const startedAt = now().toISOString();
  let backend: BackendReport | null = null;
  let backendError: string | null = null;
  deps.backend.then(
    (report) => {
      backend = report;
      deps.events.emit('system', 'backendReady', report);
    },
    (err: unknown) => {
      backendError = err instanceof Error ? err.message : String(err);
    },
  );
  return {
    async getStatus() {
      return {
        appVersion: deps.appVersion,
        host: deps.host,
        platform: `${process.platform}-${process.arch} node ${process.versions.node}`,
        dataDir: deps.dataDir,
        backend,
        backendError,
        startedAt,
      };
    },
    async ping({ message }) {
      return { echo: message, receivedAt: now().toISOString() };
    },
  };
}
