// The cycle orchestrator: a persisted state machine
//   joined -> training (round r) -> query -> labeling -> ready -> (next cycle) ... -> finished
// that drives the engine and the federation link. Every transition is written to node.sqlite
// before the work of the next step begins, so after a restart the machine resumes where it
// stopped: a queue that was computed is shown again (never recomputed), an update already in
// the outbox is not retrained, and an interrupted training or query step simply runs again.
// The server's task says what comes next (federated-driver.ts), in standalone mode too: there
// the server is this node's own federation of one (federation/local-federation.ts). This class
// is the public face: it starts and stops the driver and takes the annotator's labels.
import type { CycleMetrics, CycleStatus, ExclusionEntry, Queue, FederationPlan, Readings } from '../../../shared/api';
import { initialState, type CycleState } from './cycle-store';
import { CycleRuntime, imageShapeOf, type OrchestratorDeps, type Pool } from './cycle-runtime';
import { runFederated } from './federated-driver';

export { CycleCancelledError, modelTask, type EvaluationSet, type OrchestratorDeps } from './cycle-runtime';

export class CycleOrchestrator {
  private readonly rt: CycleRuntime;
  private running: Promise<void> | null = null;

  constructor(private readonly deps: OrchestratorDeps) {
    this.rt = new CycleRuntime(deps);
    if (!deps.store.stateCell.get()) deps.store.stateCell.set(initialState(this.rt.now().toISOString()));
  }

  state(): CycleState {
    return this.rt.state();
  }

  task(): FederationPlan | null {
    return this.deps.store.task();
  }

  status(): CycleStatus {
    return this.rt.status();
  }

  queue(): Queue {
    return this.deps.store.queue() ?? { cycle: this.state().cycle, createdAt: this.rt.now().toISOString(), budget: 0, details: {}, items: [] };
  }

  /** The labeled set main last received (sample id -> class). */
  labels(): Map<string, number> {
    return this.deps.store.labels();
  }

  /** The study pool as the next training and query will see it (ids, images, labeled/unlabeled). */
  pool(): Pool {
    return this.rt.pool();
  }

  /** The second readings and adjudications main last received. */
  readings(): Readings {
    return this.deps.store.readings();
  }

  /** The images out of the study main last received, with their reasons. */
  exclusions(): ExclusionEntry[] {
    return [...this.deps.store.exclusions()].map(([sampleId, e]) => ({ sampleId: sampleId as ExclusionEntry['sampleId'], ...e }));
  }

  metrics(): CycleMetrics[] {
    return this.deps.store.metrics();
  }

  /** Starts (or resumes) in the given mode with this task; persists both. */
  async configure(mode: 'federated' | 'standalone', task: FederationPlan): Promise<void> {
    await this.stop();
    await this.deps.vault.setTensorShape(imageShapeOf(task));
    const fresh = { ...initialState(this.rt.now().toISOString()), mode, step: 'joined' as const, budget: task.budgetPerCycle, roundsPerCycle: task.roundsPerCycle, message: mode === 'standalone' ? 'Ready: import images and label a few to start' : 'Joined: waiting for the server' };
    this.deps.store.reset(fresh);
    this.deps.store.taskCell.set(task);
    this.rt.emitStatus(true);
  }

  /** Back to first run (leaving the federation). */
  async reset(): Promise<void> {
    await this.stop();
    this.deps.store.reset(initialState(this.rt.now().toISOString()));
    this.rt.emitStatus(true);
  }

  /**
   * Starts following the federation: the server (federated) or this node's federation of one
   * (standalone, once the clinician has started it: until then nothing runs on its own).
   */
  start(): void {
    const s = this.state();
    if (s.mode === 'none' || this.running) return;
    if (s.mode === 'standalone' && s.step === 'joined' && s.round === null && !this.deps.store.queue()) return; // not started yet
    this.rt.stopped = false;
    this.rt.cancelled = false;
    this.launch(runFederated);
  }

  /** Standalone: the labels so far are what this cycle trains on: go. Federated: (re)start following the server. */
  startLocalWork(): void {
    const s = this.state();
    if (s.mode === 'none') return;
    if (s.mode === 'standalone') {
      if (s.step === 'labeling') this.finishLabeling(s);
      else if (s.step === 'joined' || s.step === 'error') this.rt.update({ step: 'ready', message: 'Starting' });
      this.rt.stopped = false;
      this.rt.cancelled = false;
      if (!this.running) this.launch(runFederated);
    } else {
      this.start();
    }
    this.rt.poke();
  }

  /** Cancels running training/query; the machine stays at its step (start resumes it). */
  async cancel(): Promise<void> {
    this.rt.cancelled = true;
    this.rt.stopped = true;
    this.rt.poke();
    await this.running;
    this.rt.cancelled = false;
  }

  /** Stops the loop and waits for it (shutdown). */
  async stop(): Promise<void> {
    await this.cancel();
  }

  /** The renderer's whole labeled set; `final` ends this cycle's labeling. */
  /** `excluded`, when given, replaces the set of images out of the study (omitted: unchanged). */
  submitLabels(labels: readonly { sampleId: string; label: number }[], final: boolean, excluded?: readonly ExclusionEntry[], readings?: Readings): void {
    this.deps.store.transaction(() => {
      this.deps.store.setLabels(labels, excluded);
      if (readings) this.deps.store.setReadings(readings);
    });
    const s = this.state();
    if (final && s.step === 'labeling') {
      this.finishLabeling(s);
      if (s.mode === 'standalone' && !this.running) this.start();
      this.rt.poke();
    } else {
      this.rt.emitStatus(true);
    }
  }

  /** Labeling is over for this cycle: the federation (of one, standalone) hears so and moves on. */
  private finishLabeling(s: CycleState): void {
    const alone = s.mode === 'standalone';
    if (s.labelingCycle !== s.cycle) {
      // A random start set, labeled while the federation trains: the server is not in its
      // labeling phase, so there is nothing to report; the labels go into the next round.
      this.rt.update({ step: 'ready', message: alone ? 'Labels done: training the model' : 'Labels done: training with them in the next round' });
      return;
    }
    this.rt.update({ step: 'ready', message: alone ? 'Labels done: training the next model' : 'Labels done: waiting for the other clinics' });
    void this.deps.link?.reportReady(s.cycle).catch((err: unknown) => this.deps.log?.(`ready report deferred: ${String(err)}`));
  }

  /** Runs a driver as the one piece of background work; `running` clears when it ends. */
  private launch(driver: (rt: CycleRuntime) => Promise<void>): void {
    this.running = driver(this.rt).finally(() => (this.running = null));
  }
}
