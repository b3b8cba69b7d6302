// The clinic's choice of optional reports (issue 19's allow-list): its balance figure gamma_k and
// its accuracy figures, each shared or withheld. Model updates are the federation itself and are
// not optional here.
import { useEffect, useState } from 'react';
import type { ReportPolicy } from '../../../../shared/api';
import { useApi } from '../../api/ApiContext';
import { Notice } from '../../components/ui';

export function ReportChoices() {
  const api = useApi();
  const [policy, setPolicy] = useState<ReportPolicy | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void api.federation.getReportPolicy(undefined).then(setPolicy, (e: unknown) => setError(String(e)));
  }, [api]);
  if (!policy) return error ? <Notice tone="error">{error}</Notice> : null;
  // Shown at once; put back if the client node refuses it.
  const change = (patch: Partial<ReportPolicy>) => {
    const before = policy;
    setPolicy({ ...policy, ...patch });
    void api.federation.setReportPolicy({ ...policy, ...patch }).then(setPolicy, (e: unknown) => {
      setPolicy(before);
      setError(e instanceof Error ? e.message : String(e));
    });
  };
  return (
    <div className="report-choices" data-testid="report-choices">
      <label>
        <input type="checkbox" checked={policy.gamma === 'share'} onChange={(e) => change({ gamma: e.target.checked ? 'share' : 'withhold' })} data-testid="share-gamma" />{' '}
        Share our balance figure (gamma_k). Withheld, the server is told only “withheld”, and the study’s FairFAL uses the other clinics’ figures (or each clinic its own).
      </label>
      <label>
        <input type="checkbox" checked={policy.metrics === 'share'} onChange={(e) => change({ metrics: e.target.checked ? 'share' : 'withhold' })} data-testid="share-metrics" />{' '}
        Share our accuracy figures with the study.
      </label>
      {error && <Notice tone="error">{error}</Notice>}
    </div>
  );
}
