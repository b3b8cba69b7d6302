// What every step of the cycle shares: the dependencies, the persisted state and its status
// events, the busy/progress/cancel flags of the one piece of local work that runs at a time,
// the idle wait that labels or a cancel can cut short, and the vault's samples as a pool.
// The driver (federated-driver.ts, which standalone mode's federation of one runs too) and the steps (cycle-steps.ts) are
// functions of this runtime; orchestrator.ts is the public face.
import type { QueryInput, QuerySelection } from '../../../core';
import type { ImageSet, Pixels } from '../../../engine/dataset';
import type { BackboneSpec } from '../../../shared/wire';
import type { CycleStatus, CycleMetrics, Queue, FederationPlan } from '../../../shared/api';
import type { FederationLink } from '../federation/link';
import type { Vault } from '../vault/vault';
import { type CycleStore, initialState, type CycleState } from './cycle-store';
import type { Trainer, EngineModel } from '../../../engine/trainer';
import { type ModelFiles } from './model-files';
import { NO_VALIDATION, splitValidation } from '../../../core/protocol';
import { fnv1a } from '../../../core/hash';
import type { Backbones } from '../backbone/backbones';

export interface EvaluationSet {
  describe: string;
  data: ImageSet;
}

export interface OrchestratorDeps {
  store: CycleStore;
  vault: Vault;
  engine: Trainer;
  link: FederationLink | null;
  models: ModelFiles;
  /** Held-out labeled data to measure the model on (the CLI's oracle test split); else the labeled set. */
  evaluation?: () => EvaluationSet | null;
  onStatus?: (s: CycleStatus) => void;
  onQueue?: (q: Queue) => void;
  onMetrics?: (m: CycleMetrics[]) => void;
  now?: () => Date;
  /** Long-poll window for /task (ms). */
  longPollMs?: number;
  /** Epochs of the local-only model (FairFAL step 1; paper: up to 50). */
  localOnlyEpochs?: number;
  log?: (line: string) => void;
  /**
   * Names this node's random streams (default: its client id, else 'standalone'). A simulation
   * sets it per simulated clinic so a run repeats whatever ids the server hands out.
   */
  seedKey?: string;
  /** Called with every query's full state before its queue is stored (the simulator's --dump-query-state). */
  onQueryState?: (s: QueryStateEvent) => void;
  /** Installed backbones and their cached features (a federation on a backbone needs them). */
  backbones?: Backbones;
}

/** One query as the strategy saw it: pool order, both models, gamma_bar, budget and its decision. */
export interface QueryStateEvent {
  cycle: number;
  sampleIds: readonly string[];
  /** Indices into sampleIds. */
  labeled: Int32Array;
  unlabeled: Int32Array;
  global: Float32Array;
  local: Float32Array | null;
  gammaBar: number | undefined;
  budget: number;
  input: QueryInput;
  selection: QuerySelection;
}

/** Seed salts per purpose; training rounds use ROUND_SALT + round index so none collide. */
export const SEED_SALT = { firstQueue: 3, localOnlyInit: 7, localOnlyTrain: 8, query: 9, round: 1000 } as const;

export class CycleCancelledError extends Error {
  override readonly name = 'CycleCancelledError';
  constructor() {
    super('local work was cancelled');
  }
}

/** The vault's samples as the engine sees them, with the current labels. */
export interface Pool {
  ids: string[];
  data: ImageSet;
  /** The labels the model trains on. */
  labeled: Int32Array;
  /** The clinic's held-out labels: never trained on, the model is measured on them (issue 16). */
  heldOut: Int32Array;
  unlabeled: Int32Array;
}

/** The federation trains on a backbone this data folder does not have yet. */
export class BackboneMissingError extends Error {
  override readonly name = 'BackboneMissingError';
  constructor(readonly spec: BackboneSpec) {
    super(
      `This federation trains on the features of a pretrained backbone (${spec.description || 'no description'}; sha256 ${spec.sha256.slice(0, 12)}…) that is not installed here: install the file your federation's coordinator shared (Federation settings, or --backbone PATH)`,
    );
  }
}

export class CycleRuntime {
  busy = false;
  progress: number | null = null;
  cancelled = false;
  stopped = true;
  private wake: (() => void) | null = null;
  private lastEmit = 0;
  readonly now: () => Date;
  private images: { version: string; data: Pixels } | null = null;

  constructor(readonly deps: OrchestratorDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  state(): CycleState {
    return this.deps.store.stateCell.get() ?? initialState(this.now().toISOString());
  }

  status(): CycleStatus {
    const s = this.state();
    return {
      step: s.step,
      cycle: s.cycle,
      round: s.round,
      roundsPerCycle: s.roundsPerCycle,
      busy: this.busy,
      progress: this.progress,
      message: s.message,
      budget: s.budget,
      labeledThisCycle: this.deps.store.queuedLabeledCount(),
      labeledTotal: this.deps.store.labelCount(),
      poolSize: this.deps.vault.index.count(),
      updatedAt: s.updatedAt,
    };
  }

  /** Persists a state change, then tells the UI (throttled unless forced). */
  update(patch: Partial<CycleState>, force = true): void {
    const next = { ...this.state(), ...patch, updatedAt: this.now().toISOString() };
    this.deps.store.stateCell.set(next);
    this.emitStatus(force);
  }

  emitStatus(force = false): void {
    const t = Date.now();
    if (!force && t - this.lastEmit < 250) return;
    this.lastEmit = t;
    this.deps.onStatus?.(this.status());
  }

  /** Runs one piece of local work with busy/progress reporting; a cancel turns any outcome into CycleCancelledError. */
  async work<T>(fn: (onProgress: (f: number) => void, isCancelled: () => boolean) => Promise<T>): Promise<T> {
    this.busy = true;
    this.progress = 0;
    this.emitStatus(true);
    try {
      const out = await fn(
        (f) => {
          this.progress = Math.min(1, Math.max(0, f));
          this.emitStatus();
        },
        () => this.cancelled,
      );
      if (this.cancelled) throw new CycleCancelledError();
      return out;
    } catch (err) {
      if (this.cancelled) throw new CycleCancelledError();
      throw err;
    } finally {
      this.busy = false;
      this.progress = null;
      this.emitStatus(true);
    }
  }

  /** Sleeps up to `ms`, woken early by labels, cancel or startLocalWork. */
  idle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).then(() => {
      this.wake = null;
    });
  }

  poke(): void {
    this.wake?.();
  }

  requireTask(): FederationPlan {
    const t = this.deps.store.task();
    if (!t) throw new Error('no task configured: join a federation or start standalone');
    return t;
  }

  /** Seeds differ per client, cycle and purpose (salt), and repeat after a restart. */
  seed(cycle: number, salt: number): number {
    const key = this.deps.seedKey ?? this.deps.link?.enrolment()?.clientId ?? 'standalone';
    return (hashOrder(key, cycle * 131 + salt) * 2 ** 31) | 0;
  }

  /**
   * The pool, after computing any missing backbone features (a federation on a backbone: the
   * engine's worker runs the backbone over new images once; progress shows while it does).
   */
  async readyPool(): Promise<Pool> {
    const spec = this.requireTask().backbone;
    if (spec) {
      const backbones = this.deps.backbones;
      if (!backbones?.file(spec.sha256)) throw new BackboneMissingError(spec);
      const ids = this.poolIds();
      if (backbones.missingCount(spec, ids) > 0) {
        this.update({ message: 'Computing image features with the pretrained backbone (once per image)' }, false);
        await this.work((onProgress, isCancelled) => backbones.ensureFeatures(spec, ids, () => this.pixels(ids), (done, total) => onProgress(done / Math.max(1, total)), isCancelled));
        this.images = null;
      }
    }
    return this.pool();
  }

  /** The vault's samples in pool order: neither excluded nor held for review. */
  private poolIds(): string[] {
    const excluded = this.deps.store.exclusions();
    const held = this.deps.vault.review.heldIds();
    return this.deps.vault.index.allIds().filter((id) => !excluded.has(id) && !held.has(id));
  }

  private features(spec: BackboneSpec, ids: string[]): Float32Array {
    const backbones = this.deps.backbones;
    if (!backbones?.file(spec.sha256)) throw new BackboneMissingError(spec);
    return backbones.read(spec, ids);
  }

  /** Pixels of these samples at the vault's tensor size (labels unset). */
  private pixels(ids: string[]): ImageSet {
    const [h, w, c] = this.deps.vault.tensors.shape;
    return { images: this.deps.vault.tensors.read(ids), labels: new Int32Array(ids.length), count: ids.length, height: h, width: w, channels: c };
  }

  pool(): Pool {
    // Images excluded from the study are in neither set: never queried, trained on or counted.
    // So are images the modality guard holds back until the clinician decides.
    const ids = this.poolIds();
    const labels = this.deps.store.labels();
    const C = this.requireTask().classNames.length;
    const y = new Int32Array(ids.length);
    const allLabeled: number[] = [];
    const unlabeled: number[] = [];
    ids.forEach((id, i) => {
      const l = labels.get(id);
      if (l !== undefined && l < C) {
        y[i] = l;
        allLabeled.push(i);
      } else unlabeled.push(i);
    });
    const split = splitValidation(allLabeled.map((i) => ({ key: ids[i] as string, label: y[i] as number })), this.requireTask().validation ?? NO_VALIDATION);
    const spec = this.requireTask().backbone;
    // With a backbone the model's inputs are its cached features, [1, 1, D] per image.
    const [h, w, c] = spec ? [1, 1, spec.featureDim] : this.deps.vault.tensors.shape;
    // The vault only appends (samples ordered by seq), so shape + count + last id names its
    // version; the same buffer lets the engine keep the images registered in its worker.
    const version = `${spec ? spec.sha256 : this.deps.vault.tensors.key}:${ids.length}:${ids[ids.length - 1] ?? ''}`;
    if (this.images?.version !== version) this.images = { version, data: spec ? this.features(spec, ids) : this.deps.vault.tensors.read(ids) };
    const images = this.images.data;
    return { ids, data: { images, labels: y, count: ids.length, height: h, width: w, channels: c }, labeled: Int32Array.from(split.train, (j) => allLabeled[j] as number), heldOut: Int32Array.from(split.heldOut, (j) => allLabeled[j] as number), unlabeled: Int32Array.from(unlabeled) };
  }
}

/** The size the vault keeps its images at: the backbone's input where there is one, else the model's. */
export function imageShapeOf(plan: FederationPlan): readonly [number, number, number] {
  return plan.backbone?.inputShape ?? plan.inputShape;
}

export function modelTask(info: FederationPlan): EngineModel {
  return { model: info.model, inputShape: info.inputShape, numClasses: info.classNames.length, ...(info.inputScaling ? { inputScaling: info.inputScaling } : {}) };
}

/** A deterministic number in [0, 1) from a string and a salt (FNV-1a). */
export function hashOrder(s: string, salt: number): number {
  return fnv1a(s, salt) / 2 ** 32;
}
