// The one allow-list for the optional reports a clinic sends besides its model updates (issue 19):
// gamma_k (its class-balance score, which the server averages into gamma_bar for FairFAL's choice
// of query model) and its local accuracy figures. Each can be shared or withheld; a withheld
// gamma_k is still reported as "withheld" so the federation does not wait for it.
import { ReportPolicySchema, type ReportPolicy } from '../../../shared/api';
import { KvCell, type Db } from '../storage/node-db';

/** gamma_k is shared by default (FairFAL uses it); accuracy figures are withheld until the clinic opts in. */
export const DEFAULT_REPORT_POLICY: ReportPolicy = { gamma: 'share', metrics: 'withhold' };

export class ReportPolicyStore {
  private readonly cell: KvCell<typeof ReportPolicySchema>;

  constructor(db: Db) {
    this.cell = new KvCell(db, 'federation.reportPolicy', ReportPolicySchema);
  }

  get(): ReportPolicy {
    return this.cell.get() ?? DEFAULT_REPORT_POLICY;
  }

  set(policy: ReportPolicy): ReportPolicy {
    this.cell.set(ReportPolicySchema.parse(policy));
    return policy;
  }

  /** What of gamma_k leaves: the value, or null ("withheld"). */
  gammaToSend(gamma: number): number | null {
    return this.get().gamma === 'share' ? gamma : null;
  }

  metricsAllowed(): boolean {
    return this.get().metrics === 'share';
  }
}
