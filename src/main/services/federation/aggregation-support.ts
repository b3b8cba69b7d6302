// Which server aggregations this client can take part in. SCAFFOLD needs each client to keep a
// control variate c_i and to train with the corrected gradient g - c_i + c; the engine's
// training loop (src/engine/train/trainer.ts) has no gradient-correction hook, so this client
// cannot produce the control delta a SCAFFOLD server requires with every update. It refuses to
// join such a federation instead of sending updates the server would reject.
import type { AggregationConfig } from '../../../shared/wire';

export class UnsupportedAggregationError extends Error {
  override readonly name = 'UnsupportedAggregationError';
  constructor(readonly aggregation: AggregationConfig['name']) {
    super(
      aggregation === 'scaffold'
        ? 'this federation aggregates with SCAFFOLD, which this client cannot take part in: SCAFFOLD updates must carry a control-variate delta, and the engine has no gradient-correction hook to train with control variates'
        : `this client cannot take part in '${aggregation}' aggregation`,
    );
  }
}

/** Throws UnsupportedAggregationError for an aggregation the client cannot serve. */
export function assertAggregationSupported(a: AggregationConfig): void {
  if (a.name === 'scaffold') throw new UnsupportedAggregationError(a.name);
}
