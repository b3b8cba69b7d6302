import { StatusBar } from './components/StatusBar';
import { SystemPanel } from './components/SystemPanel';

export function App() {
  return (
    <div className="app-shell">
      <header className="app-header">
        <span className="brand">FairFAL Annotator</span>
      </header>
      <main className="app-main">
        <SystemPanel />
      </main>
      <StatusBar />
    </div>
  );
}
