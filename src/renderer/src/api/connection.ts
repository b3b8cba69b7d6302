// Picks the transport for this window: the preload bridge inside Electron, the web host's
// WebSocket in a browser. The rest of the UI only sees the typed ApiClient.
import { bridgeTransport, createApiClient, type ApiBridge } from '../../../shared/api/client';
import type { ApiClient } from '../../../shared/api';
import { createWebSocketTransport, type ConnectionState } from './ws-transport';

declare global {
  interface Window {
    fairfal?: ApiBridge;
  }
}

export interface HostConnection {
  client: ApiClient;
  host: 'electron' | 'web';
  subscribeState(listener: () => void): () => void;
  state(): ConnectionState;
}

export function connectToHost(): HostConnection {
  const listeners = new Set<() => void>();
  let current: ConnectionState = 'connecting';
  const setState = (s: ConnectionState) => {
    current = s;
    for (const l of listeners) l();
  };
  const inElectron = typeof window.fairfal !== 'undefined';
  const transport = inElectron ? bridgeTransport(window.fairfal!) : createWebSocketTransport(setState);
  if (inElectron) current = 'open';
  return {
    client: createApiClient(transport),
    host: inElectron ? 'electron' : 'web',
    subscribeState(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    state: () => current,
  };
}
