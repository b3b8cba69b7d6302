// The cycle orchestrator: a persisted state machine
//   joined -> training (round r) -> query -> labeling -> ready -> (next cycle) ... -> finished
// that drives the engine and the federation link. Every transition is written to node.sqlite
// before the work of the next step begins, so after a restart the machine resumes where it
// stopped: a queue that was computed is shown again (never recomputed), an update already in
// the outbox is not retrained, and an interrupted training or query step simply runs again.
// Federated, the server's task says what comes next (federated-driver.ts); standalone, the
// client drives itself (standalone-driver.ts). This class is the public face: it starts and
// stops the drivers and takes the annotator's labels.
import type { CycleMetrics, CycleStatus, Queue, FederationPlan } from '../../../shared/api';
import { initialState, type CycleState } from './cycle-store';
import { CycleRuntime, type OrchestratorDeps } from './cycle-runtime';
import { runFederated } from './federated-driver';
import { runStandalone } from './standalone-driver';

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

  metrics(): CycleMetrics[] {
    return this.deps.store.metrics();
  }

  /** Starts (or resumes) in the given mode with this task; persists both. */
  async configure(mode: 'federated' | 'standalone', task: FederationPlan): Promise<void> {
    await this.stop();
    await this.deps.vault.setTensorShape(task.inputShape);
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

  /** Starts following the server (federated) or resumes an interrupted local step (standalone). */
  start(): void {
    const s = this.state();
    if (s.mode === 'none' || this.running) return;
    this.rt.stopped = false;
    this.rt.cancelled = false;
    if (s.mode === 'federated') this.launch(runFederated);
    else if (s.step === 'training' || s.step === 'query' || s.step === 'error') this.launch(runStandalone);
  }

  /** Standalone: train + query now. Federated: (re)start following the server. */
  startLocalWork(): void {
    const s = this.state();
    if (s.mode === 'none') return;
    if (s.mode === 'standalone' && !this.running) {
      if (s.step === 'labeling' || s.step === 'joined' || s.step === 'ready' || s.step === 'error') this.rt.update({ step: 'training', message: 'Training' });
      this.rt.stopped = false;
      this.rt.cancelled = false;
      this.launch(runStandalone);
      return;
    }
    this.start();
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
  submitLabels(labels: readonly { sampleId: string; label: number }[], final: boolean): void {
    this.deps.store.setLabels(labels);
    const s = this.state();
    if (final && s.step === 'labeling') {
      if (s.mode === 'federated' && s.labelingCycle !== s.cycle) {
        // A random start set, labeled while the federation trains: the server is not in its
        // labeling phase, so there is nothing to report; the labels go into the next round.
        this.rt.update({ step: 'ready', message: 'Labels done: training with them in the next round' });
        this.rt.poke();
      } else if (s.mode === 'federated') {
        this.rt.update({ step: 'ready', message: 'Labels done: waiting for the other clinics' });
        void this.deps.link?.reportReady(s.cycle).catch((err: unknown) => this.deps.log?.(`ready report deferred: ${String(err)}`));
        this.rt.poke();
      } else {
        this.rt.update({ step: 'ready', cycle: s.cycle + 1, message: 'Labels done: training the next model' });
        this.startLocalWork();
      }
    } else {
      this.rt.emitStatus(true);
    }
  }

  /** Runs a driver as the one piece of background work; `running` clears when it ends. */
  private launch(driver: (rt: CycleRuntime) => Promise<void>): void {
    this.running = driver(this.rt).finally(() => (this.running = null));
  }
}
