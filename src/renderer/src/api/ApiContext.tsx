// Makes the host connection available to every component: `const api = useApi()`.
import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import type { ApiClient } from '../../../shared/api';
import type { HostConnection } from './connection';
import type { ConnectionState } from './ws-transport';

const Ctx = createContext<HostConnection | null>(null);

export function ApiProvider({ connection, children }: { connection: HostConnection; children: ReactNode }) {
  return <Ctx.Provider value={connection}>{children}</Ctx.Provider>;
}

export function useConnection(): HostConnection {
  const c = useContext(Ctx);
  if (!c) throw new Error('useConnection outside ApiProvider');
  return c;
}

export function useApi(): ApiClient {
  return useConnection().client;
}

export function useConnectionState(): ConnectionState {
  const c = useConnection();
  // An external store: the socket may open before this component subscribes.
  return useSyncExternalStore(c.subscribeState, c.state);
}
