// Live views of the client node: connection (mode, task, server, outbox), the cycle's status
// and per-cycle metrics. Each is fetched once and then follows main's events.
import { useEffect, useState } from 'react';
import type { ConnectionStatus, CycleMetrics, CycleStatus } from '../../../shared/api';
import { useApi } from '../api/ApiContext';

export interface Loadable<T> {
  value: T | null;
  error: string | null;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function useConnectionStatus(): Loadable<ConnectionStatus> & { set(v: ConnectionStatus): void } {
  const api = useApi();
  const [state, setState] = useState<Loadable<ConnectionStatus>>({ value: null, error: null });
  useEffect(() => {
    let live = true;
    const load = () =>
      api.federation.getConnection(undefined).then(
        (value) => live && setState({ value, error: null }),
        (err: unknown) => live && setState((s) => ({ ...s, error: message(err) })),
      );
    void load();
    const off = api.federation.on('connectionChanged', (value) => setState({ value, error: null }));
    // Outbox size and last contact change without an event when the server is silent.
    const timer = setInterval(load, 5000);
    return () => {
      live = false;
      off();
      clearInterval(timer);
    };
  }, [api]);
  return { ...state, set: (value) => setState({ value, error: null }) };
}

export function useCycleStatus(): Loadable<CycleStatus> {
  const api = useApi();
  const [state, setState] = useState<Loadable<CycleStatus>>({ value: null, error: null });
  useEffect(() => {
    let live = true;
    api.cycle.getStatus(undefined).then(
      (value) => live && setState({ value, error: null }),
      (err: unknown) => live && setState((s) => ({ ...s, error: message(err) })),
    );
    const off = api.cycle.on('statusChanged', (value) => setState({ value, error: null }));
    return () => {
      live = false;
      off();
    };
  }, [api]);
  return state;
}

export function useCycleMetrics(): Loadable<CycleMetrics[]> {
  const api = useApi();
  const [state, setState] = useState<Loadable<CycleMetrics[]>>({ value: null, error: null });
  useEffect(() => {
    let live = true;
    api.cycle.getMetrics(undefined).then(
      (value) => live && setState({ value, error: null }),
      (err: unknown) => live && setState((s) => ({ ...s, error: message(err) })),
    );
    const off = api.cycle.on('metricsUpdated', (value) => setState({ value, error: null }));
    return () => {
      live = false;
      off();
    };
  }, [api]);
  return state;
}
