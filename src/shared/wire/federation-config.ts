// The federation (task) definition an admin writes as JSON and `server federation create` loads.
import { z } from 'zod';
import { STRATEGY_NAMES } from '../../core/strategies/registry';
import type { AggregatorName, AggregatorSpec, RecipeSettings } from '../../core/protocol';
import { maxSecureMembers, MIN_SECURE_SURVIVORS } from '../../core/protocol/secure-sum';
import { federationEpsilon } from '../../core/privacy/rdp';

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

/** What the model sees: 'unit' = x/255, 'centered' = (x/255 - 0.5)/0.5 (the official code's Normalize). */
export const InputScalingSchema = z.enum(['unit', 'centered']);

export const ModelSpecSchema = z.strictObject({
  /** Name in the engine's model registry, e.g. "CNN4Conv". */
  name: z.string().min(1).max(64),
  /** [height, width, channels]. */
  inputShape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
  inputScaling: InputScalingSchema.default('unit'),
});
export type ModelSpec = z.infer<typeof ModelSpecSchema>;

/**
 * A pretrained feature extractor every clinic runs locally (issue 16): the federation trains and
 * averages only a head on its features (model 'linear-head', input [1, 1, featureDim]). Its file
 * never travels through the server: each site installs the same file, checked by sha256.
 */
export const BackboneSpecSchema = z.strictObject({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in lowercase hex'),
  format: z.enum(['tfjs-layers', 'tfjs-graph', 'onnx']),
  featureDim: z.number().int().positive().max(16_384),
  /** [height, width, channels] of the images it takes (the vault keeps its images at this size). */
  inputShape: z.tuple([z.number().int().positive().max(1024), z.number().int().positive().max(1024), z.union([z.literal(1), z.literal(3)])]),
  inputScaling: InputScalingSchema.default('unit'),
  description: z.string().max(2000).default(''),
});
export type BackboneSpec = z.infer<typeof BackboneSpecSchema>;

/**
 * How every client trains a round: the paper's SGD settings (the defaults, FAIRFAL.md), or with
 * the converging recipe's fields set (core/protocol recipe.ts: CONVERGE_RECIPE) at least
 * minSteps steps, class-balanced draws, augmentation, cosine lr and early stopping on held-out labels.
 */
export const TrainingRecipeSchema = z.strictObject({
  momentum: z.number().min(0).lt(1).default(0.9),
  weightDecay: z.number().min(0).max(1).default(1e-5),
  batchSize: z.number().int().min(1).max(4096).default(64),
  /** Random horizontal flips (the official weak augmentation). */
  hflip: z.boolean().default(true),
  /** Train at least this many optimiser steps per round (more epochs on few labels). */
  minSteps: z.number().int().min(0).max(1_000_000).default(0),
  /** 'class-balanced': each class drawn equally often; 'shuffle': each image once per epoch. */
  sampling: z.enum(['shuffle', 'class-balanced']).default('shuffle'),
  /** Flips on both axes, 90-degree turns, brightness/contrast jitter, random resized crops. */
  augment: z
    .strictObject({ vflip: z.boolean(), rot90: z.boolean(), jitter: z.number().min(0).max(0.5), cropScale: z.number().min(0.2).max(1) })
    .nullable()
    .default(null),
  /** Cosine decay of the round's lr over its steps. */
  cosine: z.boolean().default(false),
  /** Keep the weights that score best on the clinic's held-out labels; stop when they stop improving. */
  earlyStopping: z
    .strictObject({ everySteps: z.number().int().positive(), patience: z.number().int().positive(), minHeldOut: z.number().int().min(1) })
    .nullable()
    .default(null),
  /** Blocks every clinic holds fixed (e.g. all but the last of a pretrained network being fine-tuned). */
  frozenBlocks: z.array(z.string().min(1).max(64)).max(64).default([]),
});
const sameRecipe: z.infer<typeof TrainingRecipeSchema> extends RecipeSettings ? (RecipeSettings extends z.infer<typeof TrainingRecipeSchema> ? true : false) : false = true;
void sameRecipe;

/** The clinic's held-out validation labels (core/protocol validation.ts); fraction 0 = none (the paper). */
export const ValidationSettingsSchema = z.strictObject({
  fraction: z.number().min(0).max(0.5).default(0.2),
  minPerClass: z.number().int().min(0).default(1),
  minClassSize: z.number().int().min(2).default(3),
});
export type TrainingRecipe = z.infer<typeof TrainingRecipeSchema>;

/** The local-only model FairFAL, LoGo and KAFAL train at each clinic (core/protocol local-only.ts). */
export const LocalOnlySettingsSchema = z.strictObject({
  maxEpochs: z.number().int().min(1).max(1000).default(50),
  stopAccuracy: z.number().gt(0).max(1).default(0.99),
  /** lr drop at 75% of the epochs counted per 'epoch' (FAIRFAL.md) or per 'batch' (the official quirk). */
  scheduleUnit: z.enum(['epoch', 'batch']).default('epoch'),
  /** Early stop reads an eval-mode pass after each epoch ('eval', official) or the epoch's own steps. */
  stopOn: z.enum(['eval', 'running']).default('eval'),
});
export type LocalOnlySettings = z.infer<typeof LocalOnlySettingsSchema>;

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

/**
 * Client-level differential privacy, DP-FedAvg with the noise added centrally (issue 19; core/
 * privacy): each clinic's round delta clipped to clipNorm, its weight min(1, labels / weightCap)
 * over a fixed denominator (the enrolled clinics), Gaussian noise of std noiseMultiplier x
 * clipNorm on the sum from a cryptographic source. The guarantee covers what the server
 * publishes (every global model), not what the server sees: that is secure aggregation's job.
 */
export const DifferentialPrivacySchema = z.strictObject({
  noiseMultiplier: z.number().refine((z) => z > 0, 'the noise multiplier must be above 0: zero noise gives no differential privacy').refine((z) => z <= 100, 'a noise multiplier above 100 leaves nothing to learn'),
  clipNorm: z.number().positive().max(1e6),
  /** Labels at which a clinic's weight in the sum is full (1); fewer give proportionally less. */
  weightCap: z.number().int().positive().max(1e9).default(100),
  delta: z.number().gt(0).lt(0.1).default(1e-5),
  /** Stop training (and say so) before a round would take epsilon above this. */
  targetEpsilon: z.number().positive().optional(),
  /**
   * Adaptive clipping (Andrew et al. 2021): clipNorm is the start; after each round it moves
   * towards the targetQuantile of the clinics' delta norms, estimated from a noised count. The
   * count's noise comes out of the same budget (the delta keeps z_delta, see core/privacy).
   */
  adaptiveClipping: z
    .strictObject({
      targetQuantile: z.number().gt(0).lt(1).default(0.5),
      learningRate: z.number().positive().max(10).default(0.2),
      countNoiseMultiplier: z.number().positive().max(1e4),
    })
    .optional(),
}).refine((d) => !d.adaptiveClipping || d.adaptiveClipping.countNoiseMultiplier > d.noiseMultiplier / 2, {
  message: 'adaptive clipping: countNoiseMultiplier must exceed noiseMultiplier / 2, or the count would use up the whole privacy budget',
  path: ['adaptiveClipping', 'countNoiseMultiplier'],
});
export type DifferentialPrivacy = z.infer<typeof DifferentialPrivacySchema>;

/**
 * Secure aggregation (issue 19; Bonawitz et al. 2017): the server learns only the sum of a round's
 * contributions, never one clinic's update or label count. Each clinic's FedAvg weight,
 * min(1, labels / weightCap), rides inside its masked vector; values are sent in fixed point
 * and must lie within +-range (a clinic refuses to send one outside it).
 */
export const SecureAggregationSchema = z.strictObject({
  /** Share of a round's members whose shares must survive to unmask the sum (at least a majority). */
  survivorFraction: z.number().gt(0.5).max(1).default(2 / 3),
  /**
   * Labels at which a clinic weighs fully; one with more counts as this many (like
   * maxClientWeightShare, no clinic dominates the sum). Smaller caps also keep more of the
   * fixed-point precision (the sum is divided by the weights' sum).
   */
  weightCap: z.number().int().positive().max(1e6).default(200),
  range: z.number().positive().max(1e6).default(64),
});
export type SecureAggregation = z.infer<typeof SecureAggregationSchema>;

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
  /**
   * With reinitializeEachCycle: draw cycle c's model fresh from the engine with
   * cycleInitSeed(freshInitSeed, c), as the official code does. Absent: every cycle restarts
   * from the federation's initial weights.
   */
  freshInitSeed: z.number().int().nonnegative().max(2 ** 31 - 1).optional(),
  training: TrainingRecipeSchema.default(TrainingRecipeSchema.parse({})),
  /** Labels each clinic keeps out of training to measure its model on (default a fifth per class). */
  validation: ValidationSettingsSchema.default(ValidationSettingsSchema.parse({})),
  localOnly: LocalOnlySettingsSchema.default({ maxEpochs: 50, stopAccuracy: 0.99, scheduleUnit: 'epoch', stopOn: 'eval' }),
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
  /** Train a head on this pretrained backbone's features instead of a whole network. */
  backbone: BackboneSpecSchema.optional(),
  /**
   * The initial weights are this pretrained backbone's (an engine export), fine-tuned: the
   * network is the backbone's own, every cycle restarts from it, `training.frozenBlocks` stay fixed.
   */
  pretrained: BackboneSpecSchema.optional(),
  differentialPrivacy: DifferentialPrivacySchema.optional(),
  secureAggregation: SecureAggregationSchema.optional(),
}).superRefine((c, ctx) => {
  if (c.secureAggregation) {
    if (c.minClientsPerRound < 3) ctx.addIssue({ code: 'custom', path: ['secureAggregation'], message: `secure aggregation needs at least 3 clinics per round (minClientsPerRound is ${c.minClientsPerRound}): with 2, each learns the other's update from the sum` });
    if (c.aggregation.name === 'median' || c.aggregation.name === 'trimmed-mean') ctx.addIssue({ code: 'custom', path: ['secureAggregation'], message: `secure aggregation reveals only a sum: '${c.aggregation.name}' needs every clinic's individual update` });
    const most = maxSecureMembers(c.secureAggregation.range);
    if (c.minClientsPerRound > most) ctx.addIssue({ code: 'custom', path: ['secureAggregation', 'range'], message: `at range ${c.secureAggregation.range} the 32-bit secure sum holds at most ${most} clinics, fewer than minClientsPerRound (${c.minClientsPerRound}): lower the range` });
    const dp = c.differentialPrivacy;
    // A clinic's share of the noise, N(0, (zC)^2 / t) with t >= 3, must fit the range beside its clipped delta (7 std: ~1e-12 per value).
    const reach = dp ? dp.clipNorm * (1 + (7 * dp.noiseMultiplier) / Math.sqrt(MIN_SECURE_SURVIVORS)) : 0;
    if (dp && reach > c.secureAggregation.range) ctx.addIssue({ code: 'custom', path: ['secureAggregation', 'range'], message: `with clip norm ${dp.clipNorm} and noise multiplier ${dp.noiseMultiplier} a clinic's noised values reach ${reach.toPrecision(3)}, beyond the secure-aggregation range ${c.secureAggregation.range}: raise the range or lower the clip norm` });
  }
  const budget = c.differentialPrivacy;
  if (budget?.targetEpsilon !== undefined) {
    const first = federationEpsilon(budget.noiseMultiplier, 1, budget.delta);
    if (first > budget.targetEpsilon) ctx.addIssue({ code: 'custom', path: ['differentialPrivacy', 'targetEpsilon'], message: `one round at noise multiplier ${budget.noiseMultiplier} already spends epsilon ${first.toPrecision(3)}, above the target ${budget.targetEpsilon}: raise the noise multiplier or the target` });
  }
  if (c.differentialPrivacy && c.aggregation.name !== 'fedavg' && c.aggregation.name !== 'fedprox') {
    ctx.addIssue({ code: 'custom', path: ['differentialPrivacy'], message: `differential privacy clips and noises a weighted sum (FedAvg, FedProx); '${c.aggregation.name}' ${c.aggregation.name === 'scaffold' ? 'is not supported with it yet' : 'needs individual updates'}` });
  }
  if (c.pretrained) {
    const same = c.pretrained.inputShape.every((d, i) => d === c.model.inputShape[i]);
    if (c.backbone || c.model.name === 'linear-head' || !same) {
      ctx.addIssue({ code: 'custom', path: ['pretrained'], message: `a fine-tuned pretrained network keeps its own architecture and input [${c.pretrained.inputShape.join(', ')}], without a separate backbone` });
    }
    if (c.freshInitSeed !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['freshInitSeed'], message: 'fine-tuning restarts every cycle from the pretrained weights: remove freshInitSeed (it would draw random ones)' });
    }
    return;
  }
  if (!c.backbone) {
    if (c.model.name === 'linear-head') ctx.addIssue({ code: 'custom', path: ['backbone'], message: "model 'linear-head' trains on a backbone's features: name the backbone" });
    return;
  }
  const [h, w, d] = c.model.inputShape;
  if (c.model.name !== 'linear-head' || h !== 1 || w !== 1 || d !== c.backbone.featureDim) {
    ctx.addIssue({ code: 'custom', path: ['model'], message: `a federation on a backbone trains model 'linear-head' with inputShape [1, 1, ${c.backbone.featureDim}] (the backbone's feature length)` });
  }
});
/** The config as written by the admin (defaults optional). */
export type FederationConfigInput = z.input<typeof FederationConfigSchema>;
/** The config with defaults applied, as stored and served. */
export type FederationConfig = z.infer<typeof FederationConfigSchema>;
