// Composition root of the client node's services. The Electron shell, the web host and the
// tests all build the services here, so every host runs exactly the same code.
import { mkdirSync } from 'node:fs';
import { api, ApiError, type ApiImpl, type ApiServiceName, type BackendReport } from '../../shared/api';
import { ApiEventBus } from './event-bus';
import { createSystemService } from './system-service';


export interface AppServicesOptions {
  host: 'electron' | 'web';
  dataDir: string;
  appVersion: string;
  /** The engine's backend choice; defaults to probing the engine in this process. */
  backend?: Promise<BackendReport>;
}

export interface AppServices {
  impl: ApiImpl;
  events: ApiEventBus;
  dispose(): Promise<void>;
}

export async function createAppServices(opts: AppServicesOptions): Promise<AppServices> {
  mkdirSync(opts.dataDir, { recursive: true });
  const events = new ApiEventBus();
  const backend = opts.backend ?? probeEngineBackend();
  const impl: ApiImpl = {
    system: createSystemService({ ...opts, backend, events }),
    vault: unavailable('vault'),
    federation: unavailable('federation'),
    cycle: unavailable('cycle'),
  };
  return { impl, events, dispose: async () => {} };
}

async function probeEngineBackend(): Promise<BackendReport> {
  const { loadBestBackend } = await import('../../engine/backend');
  return loadBestBackend();
}

/** Placeholder while a service is being built: every method answers 'unavailable'. */
function unavailable<S extends ApiServiceName>(service: S): ApiImpl[S] {
  const impl: Record<string, () => Promise<never>> = {};
  for (const m of Object.keys(api[service].methods)) {
    impl[m] = () => Promise.reject(new ApiError('unavailable', `${service}.${m} is not available yet`));
  }
  return impl as unknown as ApiImpl[S];
}
