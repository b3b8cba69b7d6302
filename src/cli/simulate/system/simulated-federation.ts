// A whole federation run by the product's own code: the federation server's coordinator and
// store, and one real client node per clinic, talking the wire contract either in memory
// (the simulator) or over HTTP on loopback (to prove the two are the same). Rounds close by
// count (minClientsPerRound = clinics) and aggregate in enrolment order, so a run repeats.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createFederation, silentLogger, startInMemoryServer, startServer, type Logger } from '../../../server';
import type { EngineAdapter } from '../../../main/services/cycle/engine-adapter';
import type { EvaluationSet } from '../../../main/services/cycle/orchestrator';
import type { CycleStatus } from '../../../shared/api';
import type { FederationConfigInput } from '../../../shared/wire';
import { SimulatedClinic, type AnsweredQueue, type ClinicSpec } from './simulated-clinic';

export type Transport = 'memory' | 'http';

export interface SimulatedFederationOptions {
  /** Empty folder for the server's and every clinic's data. */
  dir: string;
  transport: Transport;
  config: FederationConfigInput;
  initialWeights: Float32Array;
  clinics: readonly ClinicSpec[];
  /** Engine per clinic (default: each node's own worker-thread engine). */
  engine?: (clinic: number) => EngineAdapter;
  evaluation?: EvaluationSet;
  localOnlyEpochs?: number;
  onQueue?: (q: AnsweredQueue) => void;
  onStatus?: (clinic: number, s: CycleStatus) => void;
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

export async function runSimulatedFederation(o: SimulatedFederationOptions): Promise<SimulatedFederationResult> {
  const serverDir = path.join(o.dir, 'server');
  mkdirSync(serverDir, { recursive: true });
  const logger = o.logger ?? silentLogger;
  createFederation({ dataDir: serverDir, config: { ...o.config, minClientsPerRound: o.clinics.length }, initialWeights: o.initialWeights });
  const server =
    o.transport === 'memory'
      ? startInMemoryServer({ dataDir: serverDir, logger, pollIntervalMs: 50 })
      : await startServer({ dataDir: serverDir, logger, pollIntervalMs: 50 });
  const fetchImpl = 'fetch' in server ? server.fetch : undefined;
  const queues: AnsweredQueue[] = [];
  const clinics = o.clinics.map(
    (spec, k) =>
      new SimulatedClinic({
        index: k,
        dataDir: path.join(o.dir, `clinic-${k}`),
        spec,
        longPollMs: 5000,
        ...(o.engine ? { engine: o.engine(k) } : {}),
        ...(fetchImpl ? { fetchImpl } : {}),
        ...(o.evaluation ? { evaluation: o.evaluation } : {}),
        ...(o.localOnlyEpochs !== undefined ? { localOnlyEpochs: o.localOnlyEpochs } : {}),
        onQueue: (q) => {
          queues.push(q);
          o.onQueue?.(q);
        },
        ...(o.onStatus ? { onStatus: (s: CycleStatus) => o.onStatus?.(k, s) } : {}),
      }),
  );
  try {
    for (const c of clinics) await c.importImages();
    // The admin hands out one code per clinic; clinics enrol one after another (the aggregation order).
    const { codes } = server.coordinator.createEnrolmentCodes(clinics.length, 1);
    for (const [k, c] of clinics.entries()) await c.join(server.url, codes[k] as string);
    await Promise.all(clinics.map((c) => c.done()));
    const store = server.coordinator.store;
    const rounds = store
      .recentRounds(1_000_000)
      .filter((r) => r.status === 'closed' && r.result_hash)
      .map((r) => ({ cycle: r.cycle, roundIndex: r.round_index, modelHash: r.result_hash as string }))
      .sort((a, b) => a.cycle - b.cycle || a.roundIndex - b.roundIndex);
    const f = store.federation();
    return { rounds, queues: queues.sort((a, b) => a.cycle - b.cycle || a.clinic - b.clinic), gammaBar: f.gammaBar, finalModelHash: f.latestHash };
  } finally {
    for (const c of clinics) await c.close();
    await server.stop();
  }
}
