// A whole federation run by the product's own code: the federation server's coordinator and
// store, and one real client node per clinic, talking the wire contract either in memory
// (the simulator) or over HTTP on loopback (to prove the two are the same). Rounds close by
// count (minClientsPerRound = clinics) and aggregate in enrolment order, so a run repeats.
// Everything lives in `dir` (server/ and clinic-k/): reopening it resumes the federation.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createFederation, silentLogger, startInMemoryServer, startServer, type FederationCoordinator, type Logger } from '../../../server';
import type { Trainer } from '../../../engine/trainer';
import type { EvaluationSet } from '../../../main/services/cycle/orchestrator';
import type { QueryStateEvent } from '../../../main/services/cycle/cycle-runtime';
import type { CycleStatus } from '../../../shared/api';
import type { FederationConfigInput } from '../../../shared/wire';
import { SimulatedClinic, type AnsweredQueue, type ClinicSpec } from './simulated-clinic';

export type Transport = 'memory' | 'http';

export interface SimulatedFederationOptions {
  /** The run's folder: empty for a new federation, or one this class wrote (resumed). */
  dir: string;
  transport: Transport;
  config: FederationConfigInput;
  initialWeights: Float32Array;
  /** A new federation starts at this cycle with gamma_bar frozen (rebuilt at a cycle boundary). */
  startAt?: { cycle: number; gammaBar: number | null };
  clinics: readonly ClinicSpec[];
  /** One engine all clinics share (a worker pool; the caller closes it), else each node its own. */
  engine?: Trainer;
  evaluation?: EvaluationSet;
  localOnlyEpochs?: number;
  onQueue?: (q: AnsweredQueue) => void;
  onStatus?: (clinic: number, s: CycleStatus) => void;
  onQueryState?: (clinic: SimulatedClinic, s: QueryStateEvent) => void;
  logger?: Logger;
}

export interface RoundResult {
  cycle: number;
  roundIndex: number;
  modelHash: string;
}

export interface SimulatedFederationResult {
  rounds: RoundResult[];
  queues: AnsweredQueue[];
  gammaBar: number | null;
  finalModelHash: string;
}

interface Server {
  url: string;
  coordinator: FederationCoordinator;
  fetch?: typeof fetch;
  stop(): Promise<void>;
}

/** An engine the clinics borrow: their node's close() leaves it running for the others. */
function borrowed(engine: Trainer): Trainer {
  return new Proxy(engine, { get: (t, k) => (k === 'close' ? async () => undefined : Reflect.get(t, k, t)) });
}

export class SimulatedFederation {
  private server: Server | null = null;
  private clinicList: SimulatedClinic[] = [];
  readonly queues: AnsweredQueue[] = [];

  constructor(private readonly o: SimulatedFederationOptions) {}

  get coordinator(): FederationCoordinator {
    if (!this.server) throw new Error('the simulated federation has not started');
    return this.server.coordinator;
  }

  get clinics(): readonly SimulatedClinic[] {
    return this.clinicList;
  }

  /** True when `dir` already holds a federation this class started. */
  static exists(dir: string): boolean {
    return existsSync(path.join(dir, 'server', 'federation.sqlite'));
  }

  /** Creates (or reopens) the federation, its clinics' nodes, and sets every clinic following it. */
  async start(): Promise<{ resumed: boolean }> {
    const o = this.o;
    const serverDir = path.join(o.dir, 'server');
    const resumed = SimulatedFederation.exists(o.dir);
    if (!resumed) {
      mkdirSync(serverDir, { recursive: true });
      createFederation({ dataDir: serverDir, config: { ...o.config, minClientsPerRound: o.clinics.length }, initialWeights: o.initialWeights, ...(o.startAt ? { startAt: o.startAt } : {}) });
    }
    const logger = o.logger ?? silentLogger;
    const host = { dataDir: serverDir, logger, pollIntervalMs: 50, durability: 'process-crash' as const };
    this.server = o.transport === 'memory' ? startInMemoryServer(host) : await startServer(host);
    const fetchImpl = this.server.fetch;
    const engine = o.engine ? borrowed(o.engine) : undefined;
    this.clinicList = o.clinics.map(
      (spec, k) =>
        new SimulatedClinic({
          index: k,
          dataDir: path.join(o.dir, `clinic-${k}`),
          spec,
          longPollMs: 5000,
          ...(engine ? { engine } : {}),
          ...(fetchImpl ? { fetchImpl } : {}),
          ...(o.evaluation ? { evaluation: o.evaluation } : {}),
          ...(o.localOnlyEpochs !== undefined ? { localOnlyEpochs: o.localOnlyEpochs } : {}),
          onQueue: (q) => {
            this.queues.push(q);
            o.onQueue?.(q);
          },
          ...(o.onStatus ? { onStatus: (s: CycleStatus) => o.onStatus?.(k, s) } : {}),
          ...(o.onQueryState ? { onQueryState: (s: QueryStateEvent) => o.onQueryState?.(this.clinicList[k] as SimulatedClinic, s) } : {}),
        }),
    );
    if (resumed) {
      for (const c of this.clinicList) await c.resume();
      return { resumed };
    }
    // Clinics import side by side (each in archive order, so every vault's order is fixed).
    await Promise.all(this.clinicList.map((c) => c.importImages()));
    // The admin hands out one code per clinic; clinics enrol one after another (the aggregation order).
    const { codes } = this.server.coordinator.createEnrolmentCodes(this.clinicList.length, 24 * 365);
    for (const [k, c] of this.clinicList.entries()) await c.join(this.server.url, codes[k] as string);
    return { resumed };
  }

  /** Resolves when every clinic saw the federation finish; rejects when one stopped on an error. */
  async finished(): Promise<void> {
    await Promise.all(this.clinicList.map((c) => c.done()));
  }

  /** Closed rounds in order, with the global model each produced. */
  rounds(): RoundResult[] {
    return this.coordinator.store
      .recentRounds(1_000_000)
      .filter((r) => r.status === 'closed' && r.result_hash)
      .map((r) => ({ cycle: r.cycle, roundIndex: r.round_index, modelHash: r.result_hash as string }))
      .sort((a, b) => a.cycle - b.cycle || a.roundIndex - b.roundIndex);
  }

  async close(): Promise<void> {
    for (const c of this.clinicList) await c.close();
    await this.server?.stop();
    this.server = null;
  }
}

/** Runs a federation start to finish and reports its rounds and queries. */
export async function runSimulatedFederation(o: SimulatedFederationOptions): Promise<SimulatedFederationResult> {
  const fed = new SimulatedFederation(o);
  try {
    await fed.start();
    await fed.finished();
    const f = fed.coordinator.store.federation();
    const queues = fed.queues.slice().sort((a, b) => a.cycle - b.cycle || a.clinic - b.clinic);
    return { rounds: fed.rounds(), queues, gammaBar: f.gammaBar, finalModelHash: f.latestHash };
  } finally {
    await fed.close();
  }
}
