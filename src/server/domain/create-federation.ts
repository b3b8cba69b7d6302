// Creates the one federation a data directory holds: config, admin token, initial weights
// (version 0), and the first open round.
import { queryStrategyFor, StrategyParamsError } from '../../core/protocol';
import { FederationConfigSchema, type FederationConfig, type FederationConfigInput } from '../../shared/wire';
import { BlobStore } from '../../platform/blob-store';
import { openDatabase } from '../data/db';
import { FederationStore } from '../data/store';
import { hashSecret, newAdminToken } from './credentials';
import { allFinite } from '../../core/aggregation';
import { ConflictError, BadRequestError } from './errors';
import { RoundEngine } from './round-engine';
import { silentLogger, systemClock, type Clock } from './runtime';

export interface CreateFederationOptions {
  dataDir: string;
  config: FederationConfigInput | FederationConfig;
  /** The model's initial parameters (see initial-weights.ts for where they come from). */
  initialWeights: Float32Array;
  clock?: Clock;
  /**
   * Start at the beginning of a later cycle instead of cycle 0, with gamma_bar already frozen:
   * a federation rebuilt at a cycle boundary from a record of its earlier cycles (the
   * simulator's resume from its committed log). `initialWeights` are that cycle's start model.
   */
  startAt?: { cycle: number; gammaBar: number | null };
}

export interface CreatedFederation {
  /** Shown once; only its sha256 is stored. */
  adminToken: string;
  initialModelHash: string;
  paramCount: number;
}

export function createFederation(opts: CreateFederationOptions): CreatedFederation {
  const config = FederationConfigSchema.parse(opts.config);
  const clock = opts.clock ?? systemClock;
  if (opts.initialWeights.length === 0) throw new BadRequestError('initial weights are empty');
  if (!allFinite(opts.initialWeights)) throw new BadRequestError('initial weights contain NaN or Infinity');
  // Clients build the query strategy from these: a bad parameter is refused now, not at a clinic.
  try {
    queryStrategyFor(config.strategy.name, config.strategy.params);
  } catch (e) {
    if (e instanceof StrategyParamsError) throw new BadRequestError(`strategy: ${e.message}`);
    throw e;
  }
  const db = openDatabase(opts.dataDir);
  try {
    const store = new FederationStore(db);
    if (store.hasFederation()) throw new ConflictError(`${opts.dataDir} already holds federation "${store.federation().config.name}"`);
    const blobs = new BlobStore(opts.dataDir);
    const engine = new RoundEngine({ store, blobs, clock, log: silentLogger, fault: () => undefined });
    const initialHash = engine.storeVector(opts.initialWeights);
    const adminToken = newAdminToken();
    const now = clock();
    const paramCount = opts.initialWeights.length;
    const usesControl = engine.aggregator(config).usesControlVariate;
    const cycle = opts.startAt?.cycle ?? 0;
    if (!Number.isInteger(cycle) || cycle < 0 || cycle >= config.cycles) throw new BadRequestError(`start cycle ${cycle} is outside the federation's ${config.cycles} cycles`);
    const gammaBar = opts.startAt?.gammaBar ?? null;
    if (gammaBar !== null && !(gammaBar >= 0 && gammaBar <= 1)) throw new BadRequestError(`gamma_bar ${gammaBar} is outside [0, 1]`);
    store.transaction(() => {
      store.insertFederation({ config, adminTokenHash: hashSecret(adminToken), initialHash, paramCount, now });
      store.insertVersion({ hash: initialHash, kind: 'initial', cycle: null, round_id: null, created_at: now });
      if (cycle > 0) store.setPhase('training', cycle, null);
      if (gammaBar !== null) store.setGammaBar(gammaBar);
      const control = usesControl ? engine.zeroControl(paramCount, now) : null;
      engine.openRound(store.federation(), cycle, 0, initialHash, control, now);
    });
    return { adminToken, initialModelHash: initialHash, paramCount };
  } finally {
    db.close();
  }
}
