// Where the work stands: the labeled set's class balance against the equal quota, the
// model's held-out per-class recall and balanced accuracy per cycle, the cycle and the link.
import { BarChart } from '../../components/charts/BarChart';
import { AgreementCard } from './AgreementCard';
import { MetricsEmpty } from './MetricsEmpty';
import { MetricsView } from './MetricsView';
import { CycleControl } from '../../components/CycleControl';
import { describeConnection } from '../../components/NavBar';
import { ScreenHeader } from '../../components/ui';
import { useLiveQuery } from '../../hooks/useLiveQuery';
import { useWorkspace } from '../../workspace/WorkspaceContext';
import { useBalance } from './useBalance';

export function DashboardScreen() {
  const ws = useWorkspace();
  const status = ws.cycle.value;
  // Only an open labeling step still has budget to spend; the quota then includes it.
  const balance = useBalance(ws.db, ws.classes.length, status?.cycle ?? null, status?.step === 'labeling' ? status.budget : 0);
  const unsynced = useLiveQuery(() => ws.db.outbox.where('state').anyOf('pending', 'failed').count(), [ws.db]);
  const metrics = ws.metrics.value ?? [];
  const conn = ws.connection.value;

  return (
    <div className="screen dashboard-screen">
      <ScreenHeader title="Dashboard" subtitle={conn?.task ? `${conn.task.name} · ${conn.task.strategy === 'fairfal' ? 'FairFAL' : conn.task.strategy} · ${conn.task.classNames.length} classes` : undefined} />
      <div className="dash-grid">
        <section className="card span-2" aria-labelledby="balance-title">
          <div className="row between">
            <h2 id="balance-title" className="card-title">Class balance of the labeled set</h2>
            <span className="muted small" data-testid="balance-total">{balance ? `${balance.total} labeled · equal quota ${balance.quota} per class` : ''}</span>
          </div>
          {balance && (
            <BarChart
              title="Labeled images per class against the equal quota"
              testId="class-balance-chart"
              bars={ws.classes.map((c) => ({ key: c.code, label: c.name, value: balance.counts[c.index] ?? 0, color: c.color }))}
              reference={balance.quota}
              referenceLabel={`equal quota ${balance.quota}`}
            />
          )}
        </section>
        <section className="card" aria-labelledby="cycle-title">
          <h2 id="cycle-title" className="card-title">Cycle</h2>
          <CycleControl allDecided={false} />
          {status && (
            <dl className="facts compact">
              <dt>Labeled this cycle</dt><dd>{balance?.labeledThisCycle ?? 0} / {status.budget}</dd>
              <dt>Labeled set</dt><dd>{balance?.total ?? 0} here · {status.labeledTotal} received by the client node</dd>
              <dt>Pool</dt><dd>{status.poolSize.toLocaleString()} images</dd>
            </dl>
          )}
        </section>
        <section className="card" aria-labelledby="link-title">
          <h2 id="link-title" className="card-title">Connection</h2>
          <dl className="facts compact" data-testid="dash-connection">
            <dt>State</dt><dd><span className={`conn conn-${conn?.state ?? 'none'}`}><span className="dot" aria-hidden /> {describeConnection(conn?.state, conn?.serverUrl ?? null)}</span></dd>
            {conn?.lastContactAt && conn.mode === 'federated' && (<><dt>Last contact</dt><dd>{new Date(conn.lastContactAt).toLocaleString()}</dd></>)}
            {conn?.mode === 'federated' && (<><dt>Reports waiting for the server</dt><dd data-testid="outbox-main">{conn.outboxPending}</dd></>)}
            <dt>Label changes not yet saved for training</dt><dd data-testid="outbox-renderer">{unsynced ?? '—'}</dd>
            {conn?.lastError && (<><dt>Last error</dt><dd className="warn">{conn.lastError}</dd></>)}
          </dl>
        </section>
        <AgreementCard />
        <section className="card span-2" aria-labelledby="metrics-title">
          <h2 id="metrics-title" className="card-title">Model quality per cycle</h2>
          {metrics.length === 0 ? (
            <MetricsEmpty validation={conn?.task?.validation} countsPerClass={balance?.counts} />
          ) : (
            <MetricsView metrics={metrics} classes={ws.classes} />
          )}
        </section>
      </div>
    </div>
  );
}
