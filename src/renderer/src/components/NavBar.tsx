// Left navigation: the screens, the queue's open count, and where this workspace stands
// (mode, connection, labels not yet handed to the client node).
import { withheldFromTraining } from '../db/second-read';
import { useLiveQuery } from '../hooks/useLiveQuery';
import { useWorkspace } from '../workspace/WorkspaceContext';

export type Route = 'queue' | 'review' | 'gallery' | 'dashboard' | 'import' | 'settings';

const ITEMS: { route: Route; label: string; icon: string; hint: string }[] = [
  { route: 'queue', label: 'Queue', icon: '▣', hint: 'Label the chosen images' },
  { route: 'review', label: 'Second reading', icon: '◑', hint: 'Blind second readings and adjudication' },
  { route: 'gallery', label: 'Gallery', icon: '▦', hint: 'All samples' },
  { route: 'dashboard', label: 'Dashboard', icon: '◔', hint: 'Balance and metrics' },
  { route: 'import', label: 'Import', icon: '⇩', hint: 'Add images' },
  { route: 'settings', label: 'Settings', icon: '⚙', hint: 'Preferences and export' },
];

export function NavBar({ route, onNavigate }: { route: Route; onNavigate(r: Route): void }) {
  const { db, connection, syncState } = useWorkspace();
  const queued = useLiveQuery(() => db.samples.where('status').equals('queued').count(), [db]);
  const disputes = useLiveQuery(async () => (await withheldFromTraining(db)).size, [db]);
  const unsynced = useLiveQuery(() => db.outbox.where('state').anyOf('pending', 'failed').count(), [db]);
  const conn = connection.value;
  return (
    <nav className="nav" aria-label="Main">
      <div className="nav-brand">
        <span className="logo" aria-hidden>◐</span>
        <div>
          <div className="brand">FairFAL</div>
          <div className="muted small">{conn?.task?.name ?? 'Annotator'}</div>
        </div>
      </div>
      <ul>
        {ITEMS.map((it) => (
          <li key={it.route}>
            <a
              href={`#/${it.route}`}
              className={route === it.route ? 'active' : ''}
              aria-current={route === it.route ? 'page' : undefined}
              onClick={(e) => {
                e.preventDefault();
                onNavigate(it.route);
              }}
              data-testid={`nav-${it.route}`}
              title={it.hint}
            >
              <span className="nav-icon" aria-hidden>{it.icon}</span>
              {it.label}
              {it.route === 'queue' && !!queued && <span className="nav-count">{queued}</span>}
              {it.route === 'review' && !!disputes && <span className="nav-count" title="Disagreements waiting for adjudication">{disputes}</span>}
            </a>
          </li>
        ))}
      </ul>
      <div className="nav-foot">
        <div className={`conn conn-${conn?.state ?? 'none'}`} data-testid="connection-state">
          <span className="dot" aria-hidden />
          {describeConnection(conn?.state, conn?.serverUrl ?? null)}
        </div>
        {/* The labels go from this window to the workstation's training store (never to a server
            directly): say "saved for training", in standalone and federated mode alike, and only
            colour it when handing over fails. */}
        <div className={`sync ${unsynced && syncState.lastError ? 'sync-pending' : 'sync-ok'}`} data-testid="sync-state" title={syncState.lastError ?? undefined}>
          {unsynced ? `Saving ${unsynced} label change${unsynced === 1 ? '' : 's'} for training…` : 'All labels saved for training'}
          {syncState.lastError && unsynced ? <span className="warn"> · retrying</span> : null}
        </div>
        {syncState.ignored.length > 0 && (
          <div className="warn" title={syncState.ignored.slice(0, 10).map((i) => `${i.sampleId.slice(0, 12)}…: ${i.reason}`).join('\n')}>
            {syncState.ignored.length} label{syncState.ignored.length === 1 ? '' : 's'} refused by the client node
          </div>
        )}
      </div>
    </nav>
  );
}

export function describeConnection(state: string | undefined, serverUrl: string | null): string {
  switch (state) {
    case 'standalone':
      return 'Standalone — no server';
    case 'online':
      return `Online · ${serverUrl ? new URL(serverUrl).host : 'server'}`;
    case 'offline':
      return 'Offline — working locally';
    case 'connecting':
      return 'Connecting…';
    case 'rejected':
      return 'Server refused this client';
    default:
      return 'Not joined';
  }
}
