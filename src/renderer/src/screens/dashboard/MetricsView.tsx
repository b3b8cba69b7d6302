// The model's quality per cycle, for a clinician: the latest held-out figures with their 95%
// interval and n, what the model trained on, why the figures cannot be trusted yet (if so),
// then balanced accuracy and per-class recall over cycles (lines from two cycles on; a single
// cycle's recall as bars) and a per-class table with n and intervals.
import type { CycleMetrics } from '../../../../shared/api';
import { BarChart } from '../../components/charts/BarChart';
import { LineChart } from '../../components/charts/LineChart';
import type { ClassInfo } from '../../domain/classes';
import { earlierCyclesNote, intervalWords, leftOutOfLines, measuredOnWords, percent, readingHelp, trainedOnWords, trustIntro, trustNotes } from '../../domain/metrics-words';
import { ClassRecallTable } from './ClassRecallTable';

export function MetricsView({ metrics, classes }: { metrics: CycleMetrics[]; classes: ClassInfo[] }) {
  const latest = metrics[metrics.length - 1]!;
  const notes = trustNotes(latest);
  const earlier = metrics.length >= 2 ? earlierCyclesNote(metrics) : null;
  return (
    <div className="metrics">
      <HeadlineFigures m={latest} />
      {notes.length > 0 && <TrustWarning intro={trustIntro(latest)} notes={notes} />}
      {metrics.length >= 2 ? <RecallOverCycles metrics={metrics} classes={classes} /> : <RecallOfOneCycle m={latest} classes={classes} />}
      {earlier && <p className="muted small" data-testid="metrics-earlier">{earlier}</p>}
      <ClassRecallTable m={latest} classes={classes} />
    </div>
  );
}

function HeadlineFigures({ m }: { m: CycleMetrics }) {
  const baInterval = intervalWords(m.intervals?.balancedAccuracy);
  const trained = trainedOnWords(m);
  return (
    <div className="metrics-headline">
      <div className="stat-row">
        <div className="stat">
          <div className="stat-figure">
            <span className="stat-value" data-testid="latest-bacc">{percent(m.balancedAccuracy)}</span>
            <span className="stat-interval" data-testid="latest-bacc-interval" title="95% confidence interval: the true value likely lies in this range">
              {baInterval ? `(${baInterval})` : '(no interval for this measurement)'}
            </span>
          </div>
          <div className="stat-label">Balanced accuracy · cycle {m.cycle + 1}</div>
        </div>
        <div className="stat">
          <div className="stat-figure">
            <span className="stat-value">{percent(m.accuracy)}</span>
            {m.intervals && <span className="stat-interval">({intervalWords(m.intervals.accuracy)})</span>}
          </div>
          <div className="stat-label">Accuracy (all images alike)</div>
        </div>
      </div>
      <p className="metrics-trust">
        <span data-testid="metrics-n">{measuredOnWords(m)}</span>
        {trained && <> <span data-testid="metrics-trained">{trained}</span></>}
      </p>
      <p className="muted small">{readingHelp(m)}</p>
    </div>
  );
}

// Calm, not an error: the figures are real, only too uncertain to act on yet.
function TrustWarning({ intro, notes }: { intro: string; notes: string[] }) {
  return (
    <div className="metrics-warning" role="status" data-testid="metrics-warning">
      <p className="metrics-warning-title">Read these figures with care</p>
      <p>{intro}</p>
      <ul>
        {notes.map((n) => <li key={n}>{n}</li>)}
      </ul>
    </div>
  );
}

function RecallOverCycles({ metrics, classes }: { metrics: CycleMetrics[]; classes: ClassInfo[] }) {
  const xLabels = metrics.map((m) => `C${m.cycle + 1}`);
  const charted = (m: CycleMetrics, v: number | null | undefined) => (leftOutOfLines(m, metrics) ? null : (v ?? null));
  return (
    <div className="chart-pair">
      <div>
        <h3 className="chart-title">Balanced accuracy per cycle</h3>
        <LineChart
          title="Balanced accuracy per cycle"
          testId="balanced-accuracy-chart"
          xLabels={xLabels}
          series={[
            { key: 'bacc', label: 'Balanced accuracy', color: 'var(--accent)', values: metrics.map((m) => charted(m, m.balancedAccuracy)), emphasis: true },
            { key: 'acc', label: 'Accuracy', color: 'var(--muted)', values: metrics.map((m) => charted(m, m.accuracy)) },
          ]}
        />
      </div>
      <div>
        <h3 className="chart-title">Recall per class per cycle</h3>
        <LineChart
          title="Per-class recall per cycle"
          testId="recall-chart"
          xLabels={xLabels}
          series={classes.map((c) => ({ key: c.code, label: c.code, color: c.color, values: metrics.map((m) => charted(m, m.perClassRecall[c.index])) }))}
        />
      </div>
    </div>
  );
}

function RecallOfOneCycle({ m, classes }: { m: CycleMetrics; classes: ClassInfo[] }) {
  // A class without a held-out image has no recall: no bar rather than a bar at 0.
  const measured = classes.filter((c) => m.perClassRecall[c.index] != null);
  return (
    <div>
      <h3 className="chart-title">Recall per class, cycle {m.cycle + 1} (%) — lines appear from the second cycle on</h3>
      <BarChart
        title="Per-class recall of the latest cycle, in percent"
        testId="recall-chart"
        bars={measured.map((c) => ({ key: c.code, label: c.name, value: Math.round((m.perClassRecall[c.index] ?? 0) * 100), color: c.color }))}
      />
    </div>
  );
}
