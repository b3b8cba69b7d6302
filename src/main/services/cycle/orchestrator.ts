// The cycle orchestrator: a persisted state machine
//   joined -> training (round r) -> query -> labeling -> ready -> (next cycle) ... -> finished
// that drives the engine and the federation link. Every transition is written to node.sqlite
// before the work of the next step begins, so after a restart the machine resumes where it
// stopped: a queue that was computed is shown again (never recomputed), an update already in
// the outbox is not retrained, and an interrupted training or query step simply runs again.
// Federated, the server's task says what comes next; standalone, the client drives itself.
import type { ImageSet } from '../../../engine/dataset';
import { FederationOfflineError, FederationRejectedError } from '../federation/http';
import type { FederationLink } from '../federation/link';
import type { Vault } from '../vault/vault';
import { ModelHashSchema, RoundIdSchema, type Task } from '../../../shared/wire';
import type { CycleMetrics, CycleStatus, Queue, QueueItem, SampleId, TaskInfo } from '../../../shared/api';
import { type CycleStore, initialState, type CycleState } from './cycle-store';
import type { EngineAdapter, ModelTask } from './engine-adapter';
import { type ModelFiles } from './model-files';
import { computeGammaK, runQueryStep } from './query-step';

export interface EvaluationSet {
  describe: string;
  data: ImageSet;
}

export interface OrchestratorDeps {
  store: CycleStore;
  vault: Vault;
  engine: EngineAdapter;
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
}

export class CycleCancelledError extends Error {
  override readonly name = 'CycleCancelledError';
  constructor() {
    super('local work was cancelled');
  }
}

interface Pool {
  ids: string[];
  data: ImageSet;
  labeled: Int32Array;
  unlabeled: Int32Array;
}

export class CycleOrchestrator {
  private busy = false;
  private progress: number | null = null;
  private cancelled = false;
  private running: Promise<void> | null = null;
  private stopped = true;
  private wake: (() => void) | null = null;
  private lastEmit = 0;
  private readonly now: () => Date;
  private images: { version: string; data: Uint8Array } | null = null;

  constructor(private readonly deps: OrchestratorDeps) {
    this.now = deps.now ?? (() => new Date());
    if (!deps.store.stateCell.get()) deps.store.stateCell.set(initialState(this.now().toISOString()));
  }

  state(): CycleState {
    return this.deps.store.stateCell.get() ?? initialState(this.now().toISOString());
  }

  task(): TaskInfo | null {
    return this.deps.store.task();
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

  queue(): Queue {
    return this.deps.store.queue() ?? { cycle: this.state().cycle, createdAt: this.now().toISOString(), budget: 0, details: {}, items: [] };
  }

  /** The labeled set main last received (sample id -> class). */
  labels(): Map<string, number> {
    return this.deps.store.labels();
  }

  metrics(): CycleMetrics[] {
    return this.deps.store.metrics();
  }

  /** Starts (or resumes) in the given mode with this task; persists both. */
  async configure(mode: 'federated' | 'standalone', task: TaskInfo): Promise<void> {
    await this.stop();
    await this.deps.vault.setTensorShape(task.inputShape);
    const fresh = { ...initialState(this.now().toISOString()), mode, step: 'joined' as const, budget: task.budgetPerCycle, roundsPerCycle: task.roundsPerCycle, message: mode === 'standalone' ? 'Ready: import images and label a few to start' : 'Joined: waiting for the server' };
    this.deps.store.reset(fresh);
    this.deps.store.taskCell.set(task);
    this.emitStatus(true);
  }

  /** Back to first run (leaving the federation). */
  async reset(): Promise<void> {
    await this.stop();
    this.deps.store.reset(initialState(this.now().toISOString()));
    this.emitStatus(true);
  }

  /** Starts following the server (federated) or resumes an interrupted local step (standalone). */
  start(): void {
    const s = this.state();
    if (s.mode === 'none' || this.running) return;
    this.stopped = false;
    this.cancelled = false;
    if (s.mode === 'federated') this.running = this.federatedLoop().finally(() => (this.running = null));
    else if (s.step === 'training' || s.step === 'query' || s.step === 'error') this.running = this.standaloneWork().finally(() => (this.running = null));
  }

  /** Standalone: train + query now. Federated: (re)start following the server. */
  startLocalWork(): void {
    const s = this.state();
    if (s.mode === 'none') return;
    if (s.mode === 'standalone' && !this.running) {
      if (s.step === 'labeling' || s.step === 'joined' || s.step === 'ready' || s.step === 'error') this.update({ step: 'training', message: 'Training' });
      this.stopped = false;
      this.cancelled = false;
      this.running = this.standaloneWork().finally(() => (this.running = null));
      return;
    }
    this.start();
    this.poke();
  }

  /** Cancels running training/query; the machine stays at its step (start resumes it). */
  async cancel(): Promise<void> {
    this.cancelled = true;
    this.stopped = true;
    this.poke();
    await this.running;
    this.cancelled = false;
  }

  /** Stops the loop and waits for it (shutdown). */
  async stop(): Promise<void> {
    await this.cancel();
  }

  /** The renderer's whole labeled set; `final` ends this cycle's labeling. */
  submitLabels(labels: readonly { sampleId: string; label: number }[], final: boolean): void {
    this.deps.store.setLabels(labels);
    const s = this.state();
    if (final && s.step === 'labeling') {
      if (s.mode === 'federated' && s.labelingCycle !== s.cycle) {
        // A random start set, labeled while the federation trains: the server is not in its
        // labeling phase, so there is nothing to report; the labels go into the next round.
        this.update({ step: 'ready', message: 'Labels done: training with them in the next round' });
        this.poke();
      } else if (s.mode === 'federated') {
        this.update({ step: 'ready', message: 'Labels done: waiting for the other clinics' });
        void this.deps.link?.reportReady(s.cycle).catch((err: unknown) => this.deps.log?.(`ready report deferred: ${String(err)}`));
        this.poke();
      } else {
        this.update({ step: 'ready', cycle: s.cycle + 1, message: 'Labels done: training the next model' });
        this.startLocalWork();
      }
    } else {
      this.emitStatus(true);
    }
  }

  // ---- federated -------------------------------------------------------------------------

  private async federatedLoop(): Promise<void> {
    const link = this.deps.link;
    if (!link) throw new Error('federated mode without a federation link');
    let offlineAttempts = 0;
    while (!this.stopped) {
      try {
        await link.flush();
        const s = this.state();
        if (s.step === 'finished') return;
        if (s.step === 'labeling') {
          await this.idle(60_000);
          continue;
        }
        const task = await link.nextTask(this.deps.longPollMs ?? 20_000);
        offlineAttempts = 0;
        if (this.stopped) return;
        await this.handleTask(task);
      } catch (err) {
        if (err instanceof CycleCancelledError || this.stopped) return;
        if (err instanceof FederationOfflineError) {
          offlineAttempts++;
          this.update({ message: 'Server unreachable: working offline, retrying' }, false);
          await this.idle(Math.min(30_000, 1000 * 2 ** Math.min(5, offlineAttempts)));
          continue;
        }
        if (err instanceof FederationRejectedError && err.credentialRejected) {
          this.update({ step: 'error', message: `The server refused this client: ${err.message}. Join again.` });
          return;
        }
        this.deps.log?.(`cycle step failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
        this.update({ step: 'error', message: `Step failed: ${err instanceof Error ? err.message : String(err)}` });
        await this.idle(5000);
      }
    }
  }

  private async handleTask(task: Task): Promise<void> {
    const link = this.deps.link as FederationLink;
    const info = this.requireTask();
    const mt = modelTask(info);
    switch (task.kind) {
      case 'wait': {
        const s = this.state();
        if (s.step === 'error' || s.step === 'joined' || s.step === 'training') this.update({ step: s.step === 'error' ? 'joined' : s.step, message: `Waiting: ${task.reason}` }, false);
        await this.idle(Math.min(task.retryAfterMs, 2000));
        return;
      }
      case 'finished': {
        await link.model(task.finalModelHash);
        this.update({ step: 'finished', modelHash: task.finalModelHash, message: 'The federation has finished: the final model is ready to export' });
        this.stopped = true;
        return;
      }
      case 'train': {
        if (link.outbox.get(`update:${task.roundId}`)) {
          await this.idle(500);
          return;
        }
        const pool = this.pool();
        if (pool.labeled.length === 0) {
          await this.seedQueue(task.cycle, info);
          return;
        }
        this.update({ step: 'training', cycle: task.cycle, round: task.roundIndex, roundsPerCycle: task.roundsPerCycle, message: `Training round ${task.roundIndex + 1} of ${task.roundsPerCycle}` });
        const base = await link.model(task.baseModelHash);
        const proxMu = task.aggregation.name === 'fedprox' ? task.aggregation.mu : undefined;
        const params = { epochs: task.localEpochs, lr: task.learningRate, seed: this.seed(task.cycle, task.roundIndex), ...(proxMu ? { proxMu } : {}) };
        const header = { roundId: RoundIdSchema.parse(task.roundId), baseModelHash: ModelHashSchema.parse(task.baseModelHash), sampleCount: pool.labeled.length };
        if (task.aggregation.name === 'scaffold') {
          // A SCAFFOLD server needs every update to carry c_i+ - c_i next to the weights.
          if (!task.controlHash) throw new Error(`SCAFFOLD round ${task.roundId} came without the server control variate (controlHash)`);
          const server = await link.model(task.controlHash);
          const client = this.deps.store.scaffold.forRound(task.cycle, task.roundId, base.length);
          const r = await this.work((onP, isC) => this.deps.engine.trainScaffold(mt, base, pool.data, pool.labeled, params, { server, client }, onP, isC));
          // c_i advances before the update is queued; a retrain of this round starts from `client` again.
          this.deps.store.scaffold.advance(task.cycle, task.roundId, client, r.control);
          await link.submitUpdate(header, r.weights, r.controlDelta);
        } else {
          const weights = await this.work((onP, isC) => this.deps.engine.train(mt, base, pool.data, pool.labeled, params, onP, isC));
          await link.submitUpdate(header, weights);
        }
        this.update({ step: 'joined', message: `Round ${task.roundIndex + 1} sent: waiting for the federation` });
        return;
      }
      case 'submit-gamma': {
        if (link.outbox.get(`gamma:${task.cycle}`)) {
          await this.idle(500);
          return;
        }
        this.update({ step: 'query', cycle: task.cycle, round: null, message: 'Measuring class balance (gamma)' });
        const global = await link.model(task.modelHash);
        const pool = this.pool();
        const gamma = await this.work(() => computeGammaK(this.deps.engine, mt, global, pool.data, pool.labeled));
        await link.submitGamma(task.cycle, gamma);
        return;
      }
      case 'query-and-label': {
        const s = this.state();
        // Only a queue chosen for this labeling phase counts (not a random start set of the same cycle).
        if ((s.step === 'labeling' || s.step === 'ready') && s.cycle === task.cycle && s.labelingCycle === task.cycle && this.deps.store.queue()?.cycle === task.cycle) {
          if (s.step === 'ready') await link.reportReady(task.cycle);
          await this.idle(s.step === 'ready' ? 1000 : 60_000);
          return;
        }
        // The server's exact share for this client replaces the estimate made at enrolment.
        if (info.budgetPerCycle !== task.budget) this.deps.store.taskCell.set({ ...info, budgetPerCycle: task.budget });
        this.update({ step: 'query', cycle: task.cycle, round: null, budget: task.budget, gammaBar: task.gammaBar, message: 'Choosing the images to label' });
        const global = await link.model(task.modelHash);
        await this.query(task.cycle, info, global, task.gammaBar, task.budget, task.strategy.name, task.strategy.params, false, task.cycle);
        return;
      }
    }
  }

  // ---- standalone ------------------------------------------------------------------------

  private async standaloneWork(): Promise<void> {
    const info = this.requireTask();
    const mt = modelTask(info);
    try {
      const pool = this.pool();
      const s = this.state();
      if (pool.labeled.length === 0) {
        await this.seedQueue(s.cycle, info);
        return;
      }
      this.update({ step: 'training', round: 0, roundsPerCycle: 1, message: `Training cycle ${s.cycle + 1} on ${pool.labeled.length} labels` });
      const init = this.deps.engine.initialWeights(mt, this.seed(s.cycle, 0));
      const weights = await this.work((onP, isC) => this.deps.engine.train(mt, init, pool.data, pool.labeled, { epochs: info.localEpochs, lr: 0.01, seed: this.seed(s.cycle, 1) }, onP, isC));
      this.update({ step: 'query', round: null, message: 'Choosing the images to label' });
      await this.query(s.cycle, info, weights, undefined, info.budgetPerCycle, info.strategy, {}, true);
    } catch (err) {
      if (err instanceof CycleCancelledError) return;
      this.deps.log?.(`standalone step failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      this.update({ step: 'error', message: `Step failed: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  // ---- shared steps ----------------------------------------------------------------------

  /** Trains the local-only model (if the strategy needs it), runs the strategy, stores the queue and moves to labeling. */
  private async query(cycle: number, info: TaskInfo, global: Float32Array, gammaBar: number | undefined, budget: number, strategy: string, params: Record<string, string | number | boolean>, standalone = false, labelingCycle: number | null = null): Promise<void> {
    const mt = modelTask(info);
    const pool = this.pool();
    const modelHash = this.deps.models.save(global);
    await this.measure(cycle, mt, global, pool);
    let local: Float32Array | null = null;
    if (!standalone && pool.labeled.length > 0) {
      const init = this.deps.engine.initialWeights(mt, this.seed(cycle, 7));
      local = await this.work((_p, isC) => this.deps.engine.trainLocalOnly(mt, init, pool.data, pool.labeled, { seed: this.seed(cycle, 8), maxEpochs: this.deps.localOnlyEpochs ?? 50 }, isC));
    }
    const result = await this.work(() =>
      runQueryStep({
        engine: this.deps.engine, task: mt, data: pool.data, sampleIds: pool.ids, labeled: pool.labeled, unlabeled: pool.unlabeled,
        globalWeights: global, localWeights: local, gammaBar, budget, strategy, params, seed: this.seed(cycle, 9),
      }),
    );
    const queue: Queue = { cycle, createdAt: this.now().toISOString(), budget, details: result.details, items: result.items };
    const next: CycleState = { ...this.state(), step: 'labeling', cycle, round: null, budget, modelHash, labelingCycle, message: `${result.items.length} images to label`, updatedAt: this.now().toISOString() };
    this.deps.store.saveQueue(queue, result.poolPredictions.map((p) => ({ sampleId: pool.ids[p.index] as string, label: p.label, probs: p.probs })), next);
    this.emitStatus(true);
    this.deps.onQueue?.(queue);
  }

  /** Cold start (no labels yet): a random first queue so the annotator has something to label. */
  private async seedQueue(cycle: number, info: TaskInfo): Promise<void> {
    const s = this.state();
    if (s.step === 'labeling' && this.deps.store.queue()?.cycle === cycle) {
      await this.idle(60_000);
      return;
    }
    const ids = this.deps.vault.index.allIds();
    if (ids.length === 0) {
      this.update({ step: 'joined', message: 'Import images to begin' }, false);
      await this.idle(5000);
      return;
    }
    const budget = Math.min(info.budgetPerCycle, ids.length);
    const order = ids.map((id) => ({ id, k: hashOrder(id, this.seed(cycle, 3)) })).sort((a, b) => a.k - b.k).slice(0, budget);
    const uniform = Array.from({ length: info.classNames.length }, () => 1 / info.classNames.length);
    const items: QueueItem[] = order.map((o, rank) => ({
      sampleId: o.id as SampleId,
      reason: { strategy: 'random', rank, pseudoLabel: null, prototypeProb: null, normalizedEntropy: null, queryModel: null, kcenterDistance: null, classRank: null, score: { metric: 'random', value: null } },
      prediction: { label: 0, probs: uniform },
    }));
    const queue: Queue = { cycle, createdAt: this.now().toISOString(), budget, details: { strategy: 'random', reason: 'no labels yet: a random first set' }, items };
    this.deps.store.saveQueue(queue, [], { ...this.state(), step: 'labeling', cycle, budget, labelingCycle: null, message: `Label ${budget} images to start`, updatedAt: this.now().toISOString() });
    this.emitStatus(true);
    this.deps.onQueue?.(queue);
  }

  private async measure(cycle: number, mt: ModelTask, weights: Float32Array, pool: Pool): Promise<void> {
    if (this.deps.store.hasMetrics(cycle)) return;
    const held = this.deps.evaluation?.() ?? null;
    const data = held?.data ?? pool.data;
    const indices = held ? Int32Array.from({ length: held.data.count }, (_, i) => i) : pool.labeled;
    if (indices.length === 0) return;
    const r = await this.work(() => this.deps.engine.evaluate(mt, weights, data, indices));
    this.deps.store.saveMetrics({
      cycle,
      measuredAt: this.now().toISOString(),
      evaluatedOn: held?.describe ?? 'the labeled set (training data: optimistic)',
      samples: r.count,
      accuracy: r.accuracy,
      balancedAccuracy: r.balancedAccuracy,
      perClassRecall: r.perClassRecall,
      labeledCount: pool.labeled.length,
    });
    this.deps.onMetrics?.(this.deps.store.metrics());
  }

  /** The vault's samples as the engine sees them, with the current labels. */
  private pool(): Pool {
    const ids = this.deps.vault.index.allIds();
    const labels = this.deps.store.labels();
    const C = this.requireTask().classNames.length;
    const y = new Int32Array(ids.length);
    const labeled: number[] = [];
    const unlabeled: number[] = [];
    ids.forEach((id, i) => {
      const l = labels.get(id);
      if (l !== undefined && l < C) {
        y[i] = l;
        labeled.push(i);
      } else unlabeled.push(i);
    });
    const [h, w, c] = this.deps.vault.tensors.shape;
    // The vault only appends (samples ordered by seq), so shape + count + last id names its
    // version; the same buffer lets the engine keep the images registered in its worker.
    const version = `${this.deps.vault.tensors.key}:${ids.length}:${ids[ids.length - 1] ?? ''}`;
    if (this.images?.version !== version) this.images = { version, data: this.deps.vault.tensors.read(ids) };
    const images = this.images.data;
    return { ids, data: { images, labels: y, count: ids.length, height: h, width: w, channels: c }, labeled: Int32Array.from(labeled), unlabeled: Int32Array.from(unlabeled) };
  }

  private async work<T>(fn: (onProgress: (f: number) => void, isCancelled: () => boolean) => Promise<T>): Promise<T> {
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

  private requireTask(): TaskInfo {
    const t = this.deps.store.task();
    if (!t) throw new Error('no task configured: join a federation or start standalone');
    return t;
  }

  private seed(cycle: number, salt: number): number {
    return (hashOrder(this.deps.link?.enrolment()?.clientId ?? 'standalone', cycle * 131 + salt) * 2 ** 31) | 0;
  }

  private update(patch: Partial<CycleState>, force = true): void {
    const next = { ...this.state(), ...patch, updatedAt: this.now().toISOString() };
    this.deps.store.stateCell.set(next);
    this.emitStatus(force);
  }

  private emitStatus(force = false): void {
    const t = Date.now();
    if (!force && t - this.lastEmit < 250) return;
    this.lastEmit = t;
    this.deps.onStatus?.(this.status());
  }

  /** Sleeps up to `ms`, woken early by labels, cancel or startLocalWork. */
  private idle(ms: number): Promise<void> {
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

  private poke(): void {
    this.wake?.();
  }
}

export function modelTask(info: TaskInfo): ModelTask {
  return { model: info.model, inputShape: info.inputShape, numClasses: info.classNames.length };
}

/** A deterministic number in [0, 1) from a string and a salt (FNV-1a). */
function hashOrder(s: string, salt: number): number {
  let h = 0x811c9dc5 ^ salt;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 2 ** 32;
}
