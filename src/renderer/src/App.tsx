// The shell: left navigation, the current screen, the status bar. First run (neither joined
// nor standalone) shows the setup screen instead of the workspace.
import { useEffect, useState } from 'react';
import { NavBar, type Route } from './components/NavBar';
import { StatusBar } from './components/StatusBar';
import { EmptyState } from './components/ui';
import { DashboardScreen } from './screens/dashboard/DashboardScreen';
import { FirstRunScreen } from './screens/first-run/FirstRunScreen';
import { GalleryScreen } from './screens/gallery/GalleryScreen';
import { ImportScreen } from './screens/import/ImportScreen';
import { QueueScreen } from './screens/queue/QueueScreen';
import { ReviewScreen } from './screens/review/ReviewScreen';
import { SettingsScreen } from './screens/settings/SettingsScreen';
import { useWorkspace } from './workspace/WorkspaceContext';

const ROUTES: Route[] = ['queue', 'review', 'gallery', 'dashboard', 'import', 'settings'];

function routeFromHash(): Route {
  const r = location.hash.replace(/^#\/?/, '') as Route;
  return ROUTES.includes(r) ? r : 'queue';
}

export function App() {
  const { connection } = useWorkspace();
  const [route, setRoute] = useState<Route>(routeFromHash);
  useEffect(() => {
    const onHash = () => setRoute(routeFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const navigate = (r: string) => {
    if (ROUTES.includes(r as Route)) location.hash = `/${r}`;
  };

  let body;
  if (!connection.value) {
    body = connection.error ? (
      <main className="app-main centered">
        <EmptyState title="The client node is not answering" icon="⚠">
          {connection.error}. Labels you make are kept in this window’s database; they are handed over once the client node is back.
        </EmptyState>
      </main>
    ) : (
      <main className="app-main centered muted">Connecting to the client node…</main>
    );
  } else if (connection.value.mode === 'none') {
    body = (
      <main className="app-main">
        <FirstRunScreen onDone={() => navigate('import')} />
      </main>
    );
  } else {
    body = (
      <div className="workspace">
        <NavBar route={route} onNavigate={navigate} />
        <main className="app-main" data-route={route}>
          {route === 'queue' && <QueueScreen onNavigate={navigate} />}
          {route === 'review' && <ReviewScreen />}
          {route === 'gallery' && <GalleryScreen />}
          {route === 'dashboard' && <DashboardScreen />}
          {route === 'import' && <ImportScreen onNavigate={navigate} />}
          {route === 'settings' && <SettingsScreen />}
        </main>
      </div>
    );
  }
  return (
    <div className="app-shell">
      {body}
      <StatusBar />
    </div>
  );
}
