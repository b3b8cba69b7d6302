// Aggregators (how a round's updates become the next global model), named apart from query
// strategies (which samples to label). One definition for the server and the simulator: the
// math is in ../aggregation, this is the policy around it (which rule, capped FedAvg weights,
// SCAFFOLD's control variate).
import { cappedWeights, coordinateMedian, fedAvg, scaffoldAggregate, trimmedMean } from '../aggregation';

export const AGGREGATOR_NAMES = ['fedavg', 'fedprox', 'scaffold', 'median', 'trimmed-mean'] as const;
export type AggregatorName = (typeof AGGREGATOR_NAMES)[number];

/** An aggregator and its parameters, as a federation config names it (shared/wire validates it). */
export type AggregatorSpec =
  | { name: 'fedavg' }
  | { name: 'fedprox'; mu: number }
  | { name: 'scaffold'; globalLearningRate: number }
  | { name: 'median' }
  | { name: 'trimmed-mean'; trimFraction: number };

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
  /** FedAvg/FedProx: no client's share of the round's weight above this (default 1: plain FedAvg). */
  maxClientShare?: number;
}

export interface AggregationOutput {
  weights: Float32Array;
  control?: Float32Array;
}

/** What a train task tells clients about the round (e.g. FedProx mu); sent as-is. */
export interface RoundConfiguration {
  aggregation: AggregatorSpec;
}

export interface Aggregator {
  readonly config: AggregatorSpec;
  /** Float32 vectors in each upload: 1 (weights) or 2 (weights + control delta). */
  readonly vectorsPerUpdate: 1 | 2;
  /** Rounds carry a server control variate blob that clients download. */
  readonly usesControlVariate: boolean;
  configureRound(round: { roundIndex: number; roundsPerCycle: number }): RoundConfiguration;
  aggregate(input: AggregationInput): AggregationOutput;
}

function simple(config: AggregatorSpec, aggregate: (input: AggregationInput) => Float32Array): Aggregator {
  return {
    config,
    vectorsPerUpdate: 1,
    usesControlVariate: false,
    configureRound: () => ({ aggregation: config }),
    aggregate: (input) => ({ weights: aggregate(input) }),
  };
}

/** FedAvg over the updates with each claimed count capped to the round's maxClientShare. */
function cappedFedAvg({ updates, maxClientShare }: AggregationInput): Float32Array {
  const w = cappedWeights(updates.map((u) => u.sampleCount), maxClientShare ?? 1);
  return fedAvg(updates.map((u, k) => ({ weights: u.weights, sampleCount: w[k] as number })));
}

export function createAggregator(config: AggregatorSpec): Aggregator {
  switch (config.name) {
    case 'fedavg':
      return simple(config, cappedFedAvg);
    case 'fedprox':
      // The proximal term lives in the clients' loss; the server side is plain FedAvg.
      return simple(config, cappedFedAvg);
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
