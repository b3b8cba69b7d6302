// The federation (task) definition an admin writes as JSON and `server federation create` loads.
import { z } from 'zod';
import { STRATEGY_NAMES } from '../../core/strategies/registry';
import type { AggregatorName, AggregatorSpec } from '../../core/protocol';

export const AggregationConfigSchema = z.discriminatedUnion('name', [
  /** FedAvg weighted by each client's labeled sample count (the default). */
  z.strictObject({ name: z.literal('fedavg') }),
  /** FedProx: clients add (mu/2)||w - w_global||^2 to their loss; the server aggregates with FedAvg. */
  z.strictObject({ name: z.literal('fedprox'), mu: z.number().nonnegative().default(0.01) }),
  /** SCAFFOLD: server keeps a control variate c; clients upload weights plus their control delta. */
  z.strictObject({ name: z.literal('scaffold'), globalLearningRate: z.number().positive().default(1) }),
  /** Coordinate-wise median of client weights (unweighted; robust to a minority of bad clients). */
  z.strictObject({ name: z.literal('median') }),
  /** Coordinate-wise mean after dropping the `trimFraction` smallest and largest values. */
  z.strictObject({ name: z.literal('trimmed-mean'), trimFraction: z.number().min(0).lt(0.5).default(0.1) }),
]);
export type AggregationConfig = z.infer<typeof AggregationConfigSchema>;
export type AggregationName = AggregationConfig['name'];
// The wire carries exactly the protocol's aggregators (src/core/protocol): a config the schema
// accepts is one createAggregator understands, and no aggregator is missing from the wire.
const sameAggregators: [AggregationConfig extends AggregatorSpec ? true : false, AggregatorName extends AggregationName ? true : false] = [true, true];
void sameAggregators;

export const ModelSpecSchema = z.strictObject({
  /** Name in the engine's model registry, e.g. "CNN4Conv". */
  name: z.string().min(1).max(64),
  /** [height, width, channels]. */
  inputShape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
});
export type ModelSpec = z.infer<typeof ModelSpecSchema>;

export const LearningRateScheduleSchema = z.strictObject({
  initial: z.number().positive().default(0.01),
  /** lr is multiplied by `decayFactor` from this fraction of the cycle's rounds on (paper: 0.75). */
  decayAtRoundFraction: z.number().min(0).max(1).default(0.75),
  decayFactor: z.number().positive().max(1).default(0.1),
});

export const SelectionStrategySchema = z.strictObject({
  /** Query strategy clients run locally (FairFAL default; baselines for comparison runs). */
  name: z.enum(STRATEGY_NAMES).default('fairfal'),
  /** Strategy parameters, passed through to clients unchanged (e.g. delta, kappa, temperature). */
  params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
});

export const FederationConfigSchema = z.strictObject({
  name: z.string().min(1).max(200),
  classNames: z.array(z.string().min(1).max(200)).min(2).max(1000),
  model: ModelSpecSchema,
  /** Number of active-learning cycles (training campaigns); query + labeling follow every one but the last. */
  cycles: z.number().int().positive().max(1000),
  roundsPerCycle: z.number().int().positive().max(100_000),
  localEpochs: z.number().int().positive().max(1000),
  learningRate: LearningRateScheduleSchema.default({ initial: 0.01, decayAtRoundFraction: 0.75, decayFactor: 0.1 }),
  /** Re-initialise the global model at the start of every cycle (as in the paper). */
  reinitializeEachCycle: z.boolean().default(true),
  /** Total new labels per cycle across the federation; each client gets floor(budget / clients). */
  labelingBudgetPerCycle: z.number().int().positive(),
  strategy: SelectionStrategySchema.default({ name: 'fairfal', params: {} }),
  aggregation: AggregationConfigSchema.default({ name: 'fedavg' }),
  /** A round aggregates as soon as this many updates are in (or at the deadline with at least one). */
  minClientsPerRound: z.number().int().positive(),
  /** The labeling phase ends when this many clients are ready (default minClientsPerRound). */
  minReadyClients: z.number().int().positive().optional(),
  roundDeadlineSeconds: z.number().positive(),
  queryDeadlineSeconds: z.number().positive().default(3600),
  labelingDeadlineSeconds: z.number().positive(),
  /**
   * Optional absolute bound on ||uploaded weights - round's global weights||; the bound in
   * force is the smaller of this and maxRelativeUpdateNorm x ||round's global weights||.
   */
  maxUpdateNorm: z.number().positive().optional(),
  /** The default bound, relative to the model (honest CNN4Conv updates measure 0.25-0.55x). */
  maxRelativeUpdateNorm: z.number().positive().max(1000).default(3),
  /** Scale an update that exceeds the bound back onto it instead of rejecting it. */
  clipUpdates: z.boolean().default(false),
  /** Largest label count one client may declare (its FedAvg weight). */
  maxSampleCountPerClient: z.number().int().positive().max(1e9).default(100_000),
  /** How far a client's declared count may move between two rounds of one cycle (never down). */
  maxSampleCountStepPerCycle: z.number().int().nonnegative().default(1000),
  /** No client's share of a round's total FedAvg weight exceeds this (capped weights). */
  maxClientWeightShare: z.number().gt(0).max(1).default(0.5),
});
/** The config as written by the admin (defaults optional). */
export type FederationConfigInput = z.input<typeof FederationConfigSchema>;
/** The config with defaults applied, as stored and served. */
export type FederationConfig = z.infer<typeof FederationConfigSchema>;
