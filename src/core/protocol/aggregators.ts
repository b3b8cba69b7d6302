// Aggregators (how a round's updates become the next global model), named apart from query
// strategies (which samples to label). One definition for the server and the simulator: the
// math is in ../aggregation, this is the policy around it (which rule, capped FedAvg weights,
// SCAFFOLD's control variate).
import { cappedWeights, coordinateMedian, fedAvg, scaffoldAggregate, trimmedMean } from '../aggregation';
import { adaptClipNorm, addGaussianNoise, cappedWeight, clipToNorm, deltaNoiseMultiplier, noisePlan, type AdaptiveClipping } from '../privacy';

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
  /** Standard normal draws for differential privacy's noise (the server: a cryptographic source). */
  normal?: () => number;
}

/** DP-FedAvg's settings as the aggregator uses them (core/privacy; the wire validates them). */
export interface DpSettings {
  noiseMultiplier: number;
  /** This round's clipping norm (the config's, or where adaptive clipping has moved it). */
  clipNorm: number;
  weightCap: number;
  adaptiveClipping?: AdaptiveClipping | undefined;
}

export interface AggregationOutput {
  weights: Float32Array;
  control?: Float32Array;
  /** Adaptive clipping: the noised fraction of clinics whose delta was within the clip norm. */
  unclippedFraction?: number;
}

/** The noise multiplier on the model delta: z, or what adaptive clipping's count query leaves of it. */
export function deltaNoise(dp: DpSettings): number {
  return dp.adaptiveClipping ? deltaNoiseMultiplier(dp.noiseMultiplier, dp.adaptiveClipping.countNoiseMultiplier) : dp.noiseMultiplier;
}

/** Adaptive clipping's next norm from this round's noised unclipped fraction (unchanged without it). */
export function nextClipNorm(dp: DpSettings, unclippedFraction: number | undefined): number {
  if (!dp.adaptiveClipping || unclippedFraction === undefined) return dp.clipNorm;
  const a = dp.adaptiveClipping;
  return adaptClipNorm(dp.clipNorm, unclippedFraction, a.targetQuantile, a.learningRate);
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

/**
 * DP-FedAvg (McMahan et al. 2018) with central noise: global + (sum_k w_k clip(delta_k) + noise) / D,
 * w_k = min(1, labels_k / weightCap), D = the enrolled clients (a fixed denominator, so that one
 * clinic moves the average by at most clipNorm / D whatever the others do), noise N(0, (z C)^2).
 * BatchNorm statistics are part of the clipped and noised vector.
 */
export function dpFedAvg(input: AggregationInput, dp: DpSettings): AggregationOutput {
  const { global, updates } = input;
  if (!input.normal) throw new Error('differential privacy needs a noise source');
  const denominator = Math.max(input.totalClients, updates.length);
  const sum = new Float32Array(global.length);
  let unclipped = 0;
  for (const u of updates) {
    const delta = new Float32Array(global.length);
    for (let i = 0; i < delta.length; i++) delta[i] = (u.weights[i] as number) - (global[i] as number);
    const { clipped, norm } = clipToNorm(delta, dp.clipNorm);
    if (norm <= dp.clipNorm) unclipped++;
    const w = cappedWeight(u.sampleCount, dp.weightCap);
    for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + w * (clipped[i] as number);
  }
  addGaussianNoise(sum, noisePlan(deltaNoise(dp), dp.clipNorm, denominator, 1).sumStd, input.normal);
  const weights = new Float32Array(global.length);
  for (let i = 0; i < weights.length; i++) weights[i] = (global[i] as number) + (sum[i] as number) / denominator;
  if (!dp.adaptiveClipping) return { weights };
  const noisedCount = unclipped + dp.adaptiveClipping.countNoiseMultiplier * input.normal();
  return { weights, unclippedFraction: noisedCount / Math.max(1, updates.length) };
}

export function createAggregator(config: AggregatorSpec, dp?: DpSettings): Aggregator {
  if (dp) {
    if (config.name !== 'fedavg' && config.name !== 'fedprox') throw new Error(`differential privacy works with FedAvg and FedProx, not ${config.name}`);
    return { config, vectorsPerUpdate: 1, usesControlVariate: false, configureRound: () => ({ aggregation: config }), aggregate: (input) => dpFedAvg(input, dp) };
  }
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
