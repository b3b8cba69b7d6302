// Standalone mode is a federation of one (issue 15): the node hosts the federation server's
// domain in its own data folder (`standalone-federation/`) and follows it through the
// in-memory transport, so one clinic trains, measures and queries exactly as a federated
// clinic does, through the same driver, steps and protocol rules. Nothing listens on a port.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomInt } from 'node:crypto';
import { CONVERGE_LEARNING_RATE, CONVERGE_RECIPE, cycleInitSeed } from '../../../core/protocol';
import { createFederation, engineInitialWeights, silentLogger, startInMemoryServer, type InMemoryServer, type Logger } from '../../../server';
import { FederationConfigSchema, type BackboneSpec, type FederationConfig } from '../../../shared/wire';

export interface StandalonePlan {
  name: string;
  classNames: readonly string[];
  budgetPerCycle: number;
  epochs: number;
  strategy: string;
  /** Side of the square model input (default 28, the paper's). */
  imageSize?: number;
  /** Engine model name (default 'cnn4conv', the paper's). */
  model?: string;
  /** A pretrained backbone: the model is then a linear head on its features. */
  backbone?: BackboneSpec;
  /** Or a pretrained network fine-tuned: its weights start every cycle, `frozenBlocks` stay fixed. */
  pretrained?: { spec: BackboneSpec; model: string; weights: Float32Array; frozenBlocks: string[] };
}

/** Long enough that no phase of one clinic ever closes by a deadline. */
const NEVER_SECONDS = 100 * 365 * 24 * 3600;

export function standaloneConfig(plan: StandalonePlan, seed: number): FederationConfig {
  return FederationConfigSchema.parse({
    name: plan.name,
    classNames: [...plan.classNames],
    model: plan.backbone
      ? { name: 'linear-head', inputShape: [1, 1, plan.backbone.featureDim] }
      : plan.pretrained
        ? { name: plan.pretrained.model, inputShape: plan.pretrained.spec.inputShape }
        : { name: plan.model ?? 'cnn4conv', inputShape: [plan.imageSize ?? 28, plan.imageSize ?? 28, 3] },
    ...(plan.backbone ? { backbone: plan.backbone } : {}),
    ...(plan.pretrained ? { pretrained: plan.pretrained.spec } : {}),
    cycles: 1000,
    // One round per cycle: a clinic alone trains one model on its labels (its held-out part
    // aside) with the recipe that converges for any label count (issue 16): at least
    // CONVERGE_RECIPE.minSteps steps, or E epochs where those are more.
    roundsPerCycle: 1,
    localEpochs: plan.epochs,
    learningRate: { initial: CONVERGE_LEARNING_RATE, decayAtRoundFraction: 1, decayFactor: 1 },
    training: { ...CONVERGE_RECIPE, frozenBlocks: plan.pretrained?.frozenBlocks ?? [] },
    reinitializeEachCycle: true,
    // Fine-tuning restarts every cycle from the pretrained weights (the federation's initial ones).
    ...(plan.pretrained ? {} : { freshInitSeed: seed }),
    labelingBudgetPerCycle: plan.budgetPerCycle,
    strategy: { name: plan.strategy, params: {} },
    minClientsPerRound: 1,
    // The bounds that protect a federation from one clinic's updates have no one to protect
    // here, and the converging recipe's long runs move the weights further than the paper's
    // few epochs (0.6-0.9x the initial weights' norm measured, against 0.25-0.55x).
    maxRelativeUpdateNorm: 1000,
    maxClientWeightShare: 1,
    maxSampleCountStepPerCycle: 1_000_000,
    roundDeadlineSeconds: NEVER_SECONDS,
    queryDeadlineSeconds: NEVER_SECONDS,
    labelingDeadlineSeconds: NEVER_SECONDS,
  });
}

export class LocalFederation {
  private server: InMemoryServer | null = null;
  readonly dir: string;

  /** `log` hears the federation's warnings and errors (a failing step must not pass silently). */
  constructor(dataDir: string, private readonly log?: (line: string) => void) {
    this.dir = path.join(dataDir, 'standalone-federation');
  }

  exists(): boolean {
    return existsSync(path.join(this.dir, 'federation.sqlite'));
  }

  /** Creates the federation of one (at `startCycle` for a clinic that was standalone before) and opens it. */
  create(plan: StandalonePlan, startCycle = 0): InMemoryServer {
    this.close();
    rmSync(this.dir, { recursive: true, force: true });
    const seed = randomInt(0, 2 ** 31 - 1);
    const config = standaloneConfig(plan, seed);
    createFederation({
      dataDir: this.dir,
      config,
      initialWeights: plan.pretrained ? plan.pretrained.weights : engineInitialWeights(config, cycleInitSeed(seed, startCycle)),
      ...(startCycle > 0 ? { startAt: { cycle: startCycle, gammaBar: null } } : {}),
    });
    return this.open();
  }

  open(): InMemoryServer {
    const log = this.log;
    const logger: Logger = log ? (level, msg, fields) => (level === 'warn' || level === 'error' ? log(`standalone federation ${level}: ${msg} ${JSON.stringify(fields ?? {})}`) : undefined) : silentLogger;
    this.server ??= startInMemoryServer({ dataDir: this.dir, logger, pollIntervalMs: 200, name: 'standalone' });
    return this.server;
  }

  /** The transport while open: the link sends requests for `url` through `fetch`. */
  transport(): { url: string; fetch: typeof fetch } | null {
    return this.server ? { url: this.server.url, fetch: this.server.fetch } : null;
  }

  /** A one-time enrolment code for this node (the admin side of the federation of one). */
  enrolmentCode(): string {
    const code = this.open().coordinator.createEnrolmentCodes(1, 1).codes[0];
    if (!code) throw new Error('the standalone federation gave no enrolment code');
    return code;
  }

  close(): void {
    void this.server?.stop();
    this.server = null;
  }

  /** Leaving standalone mode: the federation of one goes; the vault and labels stay. */
  remove(): void {
    this.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
