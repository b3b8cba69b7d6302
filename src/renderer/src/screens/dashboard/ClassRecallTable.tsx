// Per-class recall of the latest cycle as a compact table: how many images each figure rests
// on and its 95% interval, so a 100% on two images is read for what it is.
import type { CycleMetrics } from '../../../../shared/api';
import type { ClassInfo } from '../../domain/classes';
import { classRecallRows, countHeader } from '../../domain/metrics-words';

export function ClassRecallTable({ m, classes }: { m: CycleMetrics; classes: ClassInfo[] }) {
  const rows = classRecallRows(m, classes);
  return (
    <div className="recall-table-wrap" data-testid="class-recall-table">
      <table className="recall-table">
        <caption className="chart-title">Recall (sensitivity) per class, cycle {m.cycle + 1}</caption>
        <thead>
          <tr>
            <th scope="col">Class</th>
            <th scope="col" className="num">{countHeader(m)}</th>
            <th scope="col" className="num">Recall</th>
            <th scope="col">95% interval</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.index} data-class={r.index} className={r.measured ? undefined : 'unmeasured'}>
              <th scope="row"><span className="swatch" style={{ background: r.color }} aria-hidden />{r.name}</th>
              <td className="num">{r.n ?? '—'}</td>
              <td className="num">{r.recall}</td>
              <td className={r.measured ? undefined : 'muted'}>{r.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
