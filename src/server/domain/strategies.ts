// Aggregation strategies: how a round is configured for clients and how its updates become
// the next global version. The math is in src/core/aggregation; this is the policy around it.
import { coordinateMedian, fedAvg, scaffoldAggregate, trimmedMean } from '../../core/aggregation';
import type { AggregationConfig } from '../../shared/wire';

export interface ClientUpdate {
  clientId: string;
  weights: Float32Array;
  /** SCAFFOLD only. */
  controlDelta?: Float32Array;
  sampleCount: number;
}

export interface AggregationInput {
  global: Float32Array;
  /** Server control variate of the round (SCAFFOLD only). */
  control: Float32Array | null;
  updates: readonly ClientUpdate[];
  /** Enrolled, non-revoked clients (SCAFFOLD's N). */
  totalClients: number;
}

export interface AggregationOutput {
  weights: Float32Array;
  control?: Float32Array;
}

/** What a train task tells clients about the round (e.g. FedProx mu); sent as-is. */
export interface RoundConfiguration {
  aggregation: AggregationConfig;
}

export interface AggregationStrategy {
  readonly config: AggregationConfig;
  /** Float32 vectors in each upload: 1 (weights) or 2 (weights + control delta). */
  readonly vectorsPerUpdate: 1 | 2;
  /** Rounds carry a server control variate blob that clients download. */
  readonly usesControlVariate: boolean;
  configureRound(round: { roundIndex: number; roundsPerCycle: number }): RoundConfiguration;
  aggregate(input: AggregationInput): AggregationOutput;
}

function simple(config: AggregationConfig, aggregate: (input: AggregationInput) => Float32Array): AggregationStrategy {
  return {
    config,
    vectorsPerUpdate: 1,
    usesControlVariate: false,
    configureRound: () => ({ aggregation: config }),
    aggregate: (input) => ({ weights: aggregate(input) }),
  };
}

export function createStrategy(config: AggregationConfig): AggregationStrategy {
  switch (config.name) {
    case 'fedavg':
      return simple(config, ({ updates }) => fedAvg(updates));
    case 'fedprox':
      // The proximal term lives in the clients' loss; the server side is plain FedAvg.
      return simple(config, ({ updates }) => fedAvg(updates));
    case 'median':
      return simple(config, ({ updates }) => coordinateMedian(updates.map((u) => u.weights)));
    case 'trimmed-mean':
      return simple(config, ({ updates }) => trimmedMean(updates.map((u) => u.weights), config.trimFraction));
    case 'scaffold':
      return {
        config,
        vectorsPerUpdate: 2,
        usesControlVariate: true,
        configureRound: () => ({ aggregation: config }),
        aggregate: ({ global, control, updates, totalClients }) => {
          if (!control) throw new Error('SCAFFOLD round has no control variate');
          const scaffoldUpdates = updates.map((u) => {
            if (!u.controlDelta) throw new Error(`SCAFFOLD update of ${u.clientId} has no control delta`);
            return { weights: u.weights, controlDelta: u.controlDelta };
          });
          return scaffoldAggregate(global, control, scaffoldUpdates, Math.max(totalClients, updates.length), config.globalLearningRate);
        },
      };
  }
}
