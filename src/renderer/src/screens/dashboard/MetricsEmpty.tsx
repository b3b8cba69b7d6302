// No quality figure yet: say why (figures come only from labels kept aside, never from the
// training labels) and what brings the first one, rather than leave the card blank.
import type { FederationPlan } from '../../../../shared/api';
import { emptyMetricsWords } from '../../domain/metrics-words';

export function MetricsEmpty({ validation, countsPerClass }: { validation: FederationPlan['validation'] | undefined; countsPerClass?: readonly number[] }) {
  const words = emptyMetricsWords(validation, countsPerClass);
  return (
    <div className="empty-state metrics-empty" role="note" data-testid="metrics-empty">
      <div className="empty-icon" aria-hidden>◔</div>
      <h3>{words.title}</h3>
      {words.sentences.map((s) => <p key={s} className="muted">{s}</p>)}
    </div>
  );
}
