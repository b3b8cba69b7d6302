// The model's quality per cycle: the latest numbers, then balanced accuracy and per-class
// recall over cycles (lines from two cycles on; a single cycle's recall as bars).
import type { CycleMetrics } from '../../../../shared/api';
import { BarChart } from '../../components/charts/BarChart';
import { LineChart } from '../../components/charts/LineChart';
import type { ClassInfo } from '../../domain/classes';

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

export function MetricsView({ metrics, classes }: { metrics: CycleMetrics[]; classes: ClassInfo[] }) {
  const latest = metrics[metrics.length - 1]!;
  const xLabels = metrics.map((m) => `C${m.cycle + 1}`);
  return (
    <div className="metrics">
      <div className="stat-row">
        <div className="stat"><div className="stat-value" data-testid="latest-bacc">{pct(latest.balancedAccuracy)}</div><div className="stat-label">Balanced accuracy · cycle {latest.cycle + 1}</div></div>
        <div className="stat"><div className="stat-value">{pct(latest.accuracy)}</div><div className="stat-label">Accuracy</div></div>
        <div className="stat"><div className="stat-value">{latest.labeledCount}</div><div className="stat-label">Labels it learned from</div></div>
      </div>
      {metrics.length >= 2 ? (
        <div className="chart-pair">
          <div>
            <h3 className="chart-title">Balanced accuracy per cycle</h3>
            <LineChart
              title="Balanced accuracy per cycle"
              testId="balanced-accuracy-chart"
              xLabels={xLabels}
              series={[
                { key: 'bacc', label: 'Balanced accuracy', color: 'var(--accent)', values: metrics.map((m) => m.balancedAccuracy), emphasis: true },
                { key: 'acc', label: 'Accuracy', color: 'var(--muted)', values: metrics.map((m) => m.accuracy) },
              ]}
            />
          </div>
          <div>
            <h3 className="chart-title">Recall per class per cycle</h3>
            <LineChart
              title="Per-class recall per cycle"
              testId="recall-chart"
              xLabels={xLabels}
              series={classes.map((c) => ({ key: c.code, label: c.code, color: c.color, values: metrics.map((m) => m.perClassRecall[c.index] ?? null) }))}
            />
          </div>
        </div>
      ) : (
        <div>
          <h3 className="chart-title">Recall per class, cycle {latest.cycle + 1} (%) — lines appear from the second cycle on</h3>
          <BarChart
            title="Per-class recall of the latest cycle, in percent"
            testId="recall-chart"
            bars={classes.filter((c) => latest.perClassRecall[c.index] !== null && latest.perClassRecall[c.index] !== undefined).map((c) => ({ key: c.code, label: c.name, value: Math.round((latest.perClassRecall[c.index] ?? 0) * 100), color: c.color }))}
          />
        </div>
      )}
      <p className="muted small">Measured on {latest.evaluatedOn} ({latest.samples} images).</p>
    </div>
  );
}
