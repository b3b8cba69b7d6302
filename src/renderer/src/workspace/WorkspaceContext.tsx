// Everything a screen needs about this workspace, built once: the Dexie database, the sync
// with the client node, the annotator's settings and session, and the node's live status.
import { createContext, useContext, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { ConnectionStatus, CycleMetrics, CycleStatus } from '../../../shared/api';
import { useApi } from '../api/ApiContext';
import type { AnnotatorDb } from '../db/database';
import { startSession } from '../db/label-writes';
import { describeClasses, type ClassInfo } from '../domain/classes';
import { useConnectionStatus, useCycleMetrics, useCycleStatus, type Loadable } from '../hooks/useNodeState';
import { useSettings, type Settings } from '../hooks/useSettings';
import { NodeSync, type SyncState } from '../sync/node-sync';

export interface Workspace {
  db: AnnotatorDb;
  sync: NodeSync;
  syncState: SyncState;
  settings: Settings;
  updateSettings(patch: Partial<Settings>): Promise<void>;
  sessionId: number | null;
  connection: Loadable<ConnectionStatus> & { set(v: ConnectionStatus): void };
  cycle: Loadable<CycleStatus>;
  metrics: Loadable<CycleMetrics[]>;
  classes: ClassInfo[];
  /** The name written into label history and exports. */
  annotatorName: string;
}

const Ctx = createContext<Workspace | null>(null);
/** For tests that render a screen with a hand-built workspace. */
export const WorkspaceContext = Ctx;

export function WorkspaceProvider({ db, children }: { db: AnnotatorDb; children: ReactNode }) {
  const api = useApi();
  const sync = useMemo(() => new NodeSync(api, db), [api, db]);
  useEffect(() => {
    sync.start();
    return () => sync.stop();
  }, [sync]);
  const syncState = useSyncExternalStore(sync.subscribe, sync.snapshot);
  const { settings, update } = useSettings(db);
  const connection = useConnectionStatus();
  const cycle = useCycleStatus();
  const metrics = useCycleMetrics();
  const annotatorName = settings?.annotator || connection.value?.displayName || 'Annotator';
  const [sessionId, setSessionId] = useState<number | null>(null);
  // One annotation session per launch and annotator name (a new name starts a new session).
  const ready = settings !== undefined;
  useEffect(() => {
    if (!ready) return;
    let live = true;
    void startSession(db, annotatorName).then((id) => live && setSessionId(id));
    return () => {
      live = false;
    };
  }, [db, annotatorName, ready]);
  const classNames = connection.value?.task?.classNames;
  const classes = useMemo(() => describeClasses(classNames ?? []), [classNames]);

  useEffect(() => {
    if (settings) document.documentElement.dataset.theme = settings.theme;
  }, [settings]);

  if (!settings) return null;
  const value: Workspace = { db, sync, syncState, settings, updateSettings: update, sessionId, connection, cycle, metrics, classes, annotatorName };
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useWorkspace(): Workspace {
  const w = useContext(Ctx);
  if (!w) throw new Error('useWorkspace outside WorkspaceProvider');
  return w;
}
