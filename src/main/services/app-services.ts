// Composition root of the client node's services. The Electron shell, the web host and the
// tests all build the services here, so every host runs exactly the same code.
import { ensurePrivateDataDir } from '../../platform/private-fs';
import path from 'node:path';
import type { ApiImpl, BackendReport } from '../../shared/api';
import { createClientNode, type ClientNode } from './client-node';
import { FileSecretStore, type SecretStore } from './federation/secret-store';
import { electronMediaUrl, webMediaUrl } from './vault/media-store';
import { ApiEventBus } from './event-bus';
import { createSystemService } from './system-service';

export interface AppServicesOptions {
  host: 'electron' | 'web';
  dataDir: string;
  appVersion: string;
  /** Overrides the backend report (tests); default: what the engine worker picked at its start. */
  backend?: Promise<BackendReport>;
  /** Where the federation credential is kept (Electron: safeStorage); default a 0600 file. */
  secrets?: SecretStore;
  /** The host's native folder picker (Electron dialog). */
  pickFolder?: () => Promise<string | null>;
}

export interface AppServices {
  impl: ApiImpl;
  events: ApiEventBus;
  /** The client node (vault, link, orchestrator) behind the API, e.g. for the media route. */
  node: ClientNode;
  dispose(): Promise<void>;
}

export async function createAppServices(opts: AppServicesOptions): Promise<AppServices> {
  // Owner-only, contents included (a folder from an older version is tightened once).
  ensurePrivateDataDir(opts.dataDir);
  const events = new ApiEventBus();
  const node = createClientNode({
    dataDir: opts.dataDir,
    events,
    secrets: opts.secrets ?? new FileSecretStore(path.join(opts.dataDir, 'secrets')),
    mediaUrl: opts.host === 'electron' ? electronMediaUrl : webMediaUrl,
    ...(opts.pickFolder ? { pickFolder: opts.pickFolder } : {}),
    log: (line) => console.error(`[client-node] ${line}`),
    // A clinician is there to decide: images unlike the workspace wait for confirmation.
    reviewPolicy: 'hold',
  });
  const backend = opts.backend ?? node.engine.backend();
  const impl: ApiImpl = {
    system: createSystemService({ ...opts, backend, events }),
    ...node.services,
  };
  void node.resume().catch((err: unknown) => console.error('client node could not resume:', err));
  return { impl, events, node, dispose: () => node.close() };
}
