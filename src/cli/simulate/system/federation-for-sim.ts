// A simulation's settings as what the product runs: the federation config an admin would
// write (every training and query rule the clinics follow), and each simulated clinic's
// images and start labels. Limits meant to stop abuse by one clinic are opened up: a
// simulation's clinics are honest, and the official protocol has no such caps.
import { cycleInitSeed, federationBudget, perClientBudget } from '../../../core';
import { CONVERGE_ROUND_RECIPE } from '../../../core/protocol';
import type { FederationConfigInput } from '../../../shared/wire';
import type { SimConfig } from '../config';
import type { SimData, SimPartition } from '../data';
import { cycleFractions } from '../plan';
import type { ClinicSpec } from './simulated-clinic';

/** No deadline a simulation could hit: rounds and phases close by count. */
const NEVER_SECONDS = 10 * 365 * 24 * 3600;

export function federationConfigFor(cfg: SimConfig, data: SimData): FederationConfigInput {
  const K = cfg.clients;
  const perClient = perClientBudget(federationBudget(data.train.count, cfg.queryFraction), K);
  return {
    name: `${data.name} simulation: ${cfg.strategy}, seed ${cfg.seed}`,
    classNames: Array.from({ length: data.numClasses }, (_, c) => `class ${c}`),
    // The vault hands every model RGB (grey archives are expanded on import).
    model: { name: 'cnn4conv', inputShape: [data.train.height, data.train.width, 3], inputScaling: cfg.inputScaling },
    cycles: cycleFractions(cfg).length,
    roundsPerCycle: cfg.rounds,
    localEpochs: cfg.localEpochs,
    learningRate: { initial: cfg.lr, decayAtRoundFraction: cfg.lrDecayAt, decayFactor: cfg.lrDecay },
    reinitializeEachCycle: cfg.modelInit === 'reinit',
    freshInitSeed: cfg.seed,
    // The paper's recipe trains on every label; the converging one keeps a fifth of each
    // clinic's labels aside (its early stopping and the figures a clinic would see).
    ...(cfg.recipe === 'converge'
      ? { training: CONVERGE_ROUND_RECIPE, validation: {} }
      : { training: { momentum: cfg.momentum, weightDecay: cfg.weightDecay, batchSize: cfg.batchSize, hflip: cfg.hflip }, validation: { fraction: 0 } }),
    localOnly: { maxEpochs: cfg.localOnlyEpochs, stopAccuracy: cfg.localOnlyStopAccuracy, scheduleUnit: cfg.localOnlySchedule, stopOn: cfg.localOnlyStopOn },
    // The official budget int(round(N, -2) * q / K) per clinic, times K.
    labelingBudgetPerCycle: Math.max(1, perClient * K),
    strategy: { name: cfg.strategy, params: cfg.strategy === 'fairfal' ? { delta: cfg.delta, kappa: cfg.kappa, temperature: cfg.temperature } : {} },
    aggregation: cfg.fl === 'fedprox' ? { name: 'fedprox', mu: cfg.proxMu } : cfg.fl === 'scaffold' ? { name: 'scaffold', globalLearningRate: 1 } : { name: 'fedavg' },
    minClientsPerRound: K,
    roundDeadlineSeconds: NEVER_SECONDS,
    queryDeadlineSeconds: NEVER_SECONDS,
    labelingDeadlineSeconds: NEVER_SECONDS,
    maxRelativeUpdateNorm: 1000,
    maxClientWeightShare: 1,
    maxSampleCountPerClient: 1e9,
    maxSampleCountStepPerCycle: 1e9,
    // Issue 19's protections, as an admin would switch them on.
    ...(cfg.secureAggregation ? { secureAggregation: {} } : {}),
    ...(cfg.dpNoise !== undefined && cfg.dpClip !== undefined
      ? { differentialPrivacy: { noiseMultiplier: cfg.dpNoise, clipNorm: cfg.dpClip, ...(cfg.dpWeightCap !== undefined ? { weightCap: cfg.dpWeightCap } : {}) } }
      : {}),
  };
}

/** The initial model: cycle 0's fresh init, drawn as the server draws every later cycle's. */
export function initialSeed(cfg: SimConfig): number {
  return cycleInitSeed(cfg.seed, 0);
}

/** Each clinic's archive indices (the train split, before any long-tail subsetting) and start labels. */
export function clinicSpecs(cfg: SimConfig, data: SimData, partition: SimPartition, initialLabeled: readonly (readonly number[])[]): ClinicSpec[] {
  const origin = (i: number) => data.trainOrigin[i] as number;
  return partition.pools.map((pool, k) => ({
    npz: cfg.dataset,
    split: 'train',
    indices: pool.map(origin),
    initialLabeled: (initialLabeled[k] ?? []).map(origin),
  }));
}
