/**
 * The federated active-learning protocol (FAIRFAL.md; official main.py): random initial
 * labels per client, then per cycle R federated rounds, evaluation, and (except after the
 * last cycle) one query per client. Resumable: after each cycle the log record is appended
 * and the checkpoint (labeled sets, gamma_bar, cycle index; global weights for
 * --model-init continue) is replaced atomically. Every random stream derives from the run
 * seed and its position (seeds.ts), so a resumed run continues exactly as an uninterrupted one.
 */
import { balancedAccuracy, perClassRecall, type WeightSet } from '../../core';
import { resultAffectingConfig, type SimConfig } from './config';
import { minorityClasses, type SimData, type SimPartition } from './data';
import { trainFederatedCycle, type ControlVariates } from './federated';
import { type ClientCycle, type CycleRecord, type HeaderRecord } from './log-schema';
import { cycleFractions, perClientCount } from './plan';
import { type ProgressBar } from './progress';
import { strategyNeedsLocalModel } from '../../core';
import { runQueryPhase, strategyFor, type QueryPhaseResult } from './query-phase';
import { readRunLog, RunDir, type Checkpoint } from './run-files';
import { deriveSeed, rngFor } from './seeds';
import { type SimTrainer } from './trainer';

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

export interface RunContext {
  cfg: SimConfig;
  data: SimData;
  partition: SimPartition;
  trainer: SimTrainer;
  dir: string;
  progress?: ProgressBar | null;
  say?: (msg: string) => void;
}

export interface RunOutcome {
  header: HeaderRecord;
  cycles: CycleRecord[];
  resumedFrom: number | null;
}

function histogram(ids: readonly number[], labels: Int32Array, C: number): number[] {
  const h = new Array<number>(C).fill(0);
  for (const i of ids) h[labels[i] as number] = (h[labels[i] as number] as number) + 1;
  return h;
}

function argmaxRows(probs: Float32Array, C: number): Int32Array {
  const n = probs.length / C;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < C; j++) if ((probs[i * C + j] as number) > (probs[i * C + best] as number)) best = j;
    out[i] = best;
  }
  return out;
}

function sameConfig(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Planned image-passes from cycle `from` on (ETA): federated training plus a local-only estimate. */
export function plannedWork(cfg: SimConfig, labeledTotals: readonly number[], from: number, withLocal: boolean): number {
  let w = 0;
  labeledTotals.forEach((n, c) => {
    if (c < from) return;
    w += n * cfg.rounds * cfg.localEpochs;
    // Local-only models usually stop early; half the epoch cap is the estimate.
    if (withLocal && c < labeledTotals.length - 1) w += n * cfg.localOnlyEpochs * 0.5;
  });
  return w;
}

export function buildHeader(cfg: SimConfig, data: SimData, partition: SimPartition, engine: string, initialLabeled: number[][]): HeaderRecord {
  const N = data.train.count;
  return {
    type: 'header',
    version: 1,
    startedAt: new Date().toISOString(),
    config: { ...cfg },
    engine,
    dataset: {
      path: cfg.dataset,
      name: data.name,
      numClasses: data.numClasses,
      trainCount: N,
      testCount: data.test.count,
      trainClassCounts: data.trainClassCounts,
      testClassCounts: data.testClassCounts,
      minorityClasses: minorityClasses(data.trainClassCounts),
    },
    partition: { pools: partition.pools, testSets: partition.testSets, trainCounts: partition.trainCounts, testCounts: partition.testCounts },
    budgetPerClient: perClientCount(N, cfg.queryFraction, cfg.clients),
    initialPerClient: perClientCount(N, cfg.initialFraction, cfg.clients),
    fractions: cycleFractions(cfg),
    initialLabeled,
  };
}

export async function runSimulation(ctx: RunContext): Promise<RunOutcome> {
  const run = new RunDir(ctx.dir);
  run.ensure();
  const unlock = run.lock();
  try {
    return await runLocked(ctx, run);
  } finally {
    unlock();
  }
}

async function runLocked(ctx: RunContext, run: RunDir): Promise<RunOutcome> {
  const { cfg, data, partition, trainer } = ctx;
  const say = ctx.say ?? (() => undefined);
  const progress = ctx.progress ?? null;
  const K = cfg.clients;
  const C = data.numClasses;
  const N = data.train.count;
  const fractions = cycleFractions(cfg);
  const budget = perClientCount(N, cfg.queryFraction, K);
  const initialPerClient = perClientCount(N, cfg.initialFraction, K);
  if (initialPerClient < 1) throw new ProtocolError(`initial fraction ${cfg.initialFraction} gives no labeled sample per client (N=${N}, K=${K})`);
  const need = initialPerClient + budget * (fractions.length - 1);
  partition.pools.forEach((p, k) => {
    if (p.length < need) throw new ProtocolError(`client ${k} holds ${p.length} samples but the protocol labels ${need}`);
  });
  if (cfg.fl === 'scaffold' && !trainer.supportsGradCorrection) {
    throw new ProtocolError(`--fl scaffold needs a trainer that applies SCAFFOLD's gradient correction; ${trainer.description} does not (use fedavg or fedprox)`);
  }
  const minority = minorityClasses(data.trainClassCounts);
  const strategy = strategyFor(cfg);

  // Resume or start.
  let cp = cfg.fresh ? null : run.readCheckpoint();
  const affecting = resultAffectingConfig(cfg);
  let header: HeaderRecord;
  let cycles: CycleRecord[] = [];
  let resumedFrom: number | null = null;
  let prevGlobal: WeightSet | null = null;
  // SCAFFOLD's control variates follow the model: kept with --model-init continue, reset with it.
  let prevControls: ControlVariates | null = null;
  if (cp) {
    if (!sameConfig(cp.config, affecting)) {
      throw new ProtocolError(`${run.checkpointPath} was written with different settings; pass --fresh to start over or use another --out`);
    }
    const log = readRunLog(run.logPath);
    header = log.header;
    cycles = log.cycles.filter((r) => r.cycle < (cp as Checkpoint).nextCycle);
    if (cycles.length !== cp.nextCycle) throw new ProtocolError(`${run.logPath} holds ${cycles.length} cycle records, checkpoint expects ${cp.nextCycle}`);
    run.writeLog([header, ...cycles]);
    prevGlobal = run.readCheckpointWeights(cp);
    prevControls = run.readCheckpointControls(cp);
    resumedFrom = cp.nextCycle;
    say(`resuming ${ctx.dir} at cycle ${cp.nextCycle + 1}/${fractions.length}`);
  } else {
    if (cfg.fresh) run.clear();
    // clear() keeps .lock: this process holds it.
    const fixed = partition.initialLabeled;
    if (fixed && fixed.some((l) => l.length !== initialPerClient)) {
      throw new ProtocolError(`the partition file's initial labeled sets have ${fixed.map((l) => l.length).join('/')} samples; the protocol starts with ${initialPerClient} per client`);
    }
    const initial = fixed ?? partition.pools.map((pool, k) => {
      const rng = rngFor(cfg.seed, 'initial', k);
      return Array.from(rng.permutation(pool.length).subarray(0, initialPerClient), (i) => pool[i] as number).sort((a, b) => a - b);
    });
    header = buildHeader(cfg, data, partition, trainer.description, initial);
    run.writeLog([header]);
    cp = { version: 1, config: affecting, nextCycle: 0, labeled: initial, gammaBar: null, gammaBarCycle: null, elapsedMs: 0, weights: null };
    run.writeCheckpoint(cp, null);
  }

  let labeled = cp.labeled.map((l) => l.slice());
  let { gammaBar, gammaBarCycle, elapsedMs } = cp;
  const totals = fractions.map((_, c) => K * initialPerClient + c * K * budget);
  progress?.setPlan(fractions.length, plannedWork(cfg, totals, cp.nextCycle, strategyNeedsLocalModel(strategy)));

  for (let c = cp.nextCycle; c < fractions.length; c++) {
    const tStart = Date.now();
    const continues = c > 0 && cfg.modelInit === 'continue' && prevGlobal !== null;
    const init = continues && prevGlobal ? prevGlobal : await trainer.initWeights(deriveSeed(cfg.seed, 'init', c));
    const trained = await trainFederatedCycle(cfg, trainer, init, labeled.map((l) => Int32Array.from(l)), c, progress, continues ? prevControls : null);
    const trainMs = Date.now() - tStart;

    const tEval = Date.now();
    progress?.setPhase(c, 'evaluation', 1);
    const testIds = Int32Array.from({ length: data.test.count }, (_, i) => i);
    const pred = argmaxRows((await trainer.infer(trained.weights, 'test', testIds)).probs, C);
    const yTrue = data.test.labels;
    let ok = 0;
    for (let i = 0; i < pred.length; i++) if (pred[i] === yTrue[i]) ok++;
    const recall = Array.from(perClassRecall(yTrue, pred, C), (v) => (Number.isNaN(v) ? null : v));
    const minorityVals = minority.map((m) => recall[m]).filter((v): v is number => v !== null && v !== undefined);
    const clientAcc = partition.testSets.map((ids) => (ids.length === 0 ? null : ids.filter((i) => pred[i] === yTrue[i]).length / ids.length));
    const evalMs = Date.now() - tEval;

    const last = c === fractions.length - 1;
    let q: QueryPhaseResult | null = null;
    if (!last) {
      q = await runQueryPhase({ cfg, data, partition, trainer, global: trained.weights, labeled, budget, cycle: c, gammaBar, gammaBarCycle, progress });
      gammaBar = q.gammaBar;
      gammaBarCycle = q.gammaBarCycle;
    }

    const labeledTotal = labeled.reduce((s, l) => s + l.length, 0);
    const clients: ClientCycle[] = labeled.map((lab, k) => {
      const qc = q?.clients[k] ?? null;
      return {
        client: k,
        labeled: lab.length,
        histogram: histogram(lab, data.train.labels, C),
        globalLocalTestAccuracy: cfg.evalClientTests ? (clientAcc[k] ?? null) : null,
        localOnlyTestAccuracy: qc?.localOnlyTestAccuracy ?? null,
        localOnlyEpochs: qc?.localOnlyEpochs ?? null,
        localOnlyTrainAccuracy: qc?.localOnlyTrainAccuracy ?? null,
        queried: qc ? qc.queried : null,
        queriedHistogram: qc ? histogram(qc.queried, data.train.labels, C) : null,
        queryModel: qc?.queryModel ?? null,
        gradSource: qc?.gradSource ?? null,
        dK: qc?.dK ?? null,
        gammaK: qc?.gammaK ?? null,
        sK: qc?.sK ?? null,
      };
    });
    const totalMs = Date.now() - tStart;
    const record: CycleRecord = {
      type: 'cycle',
      cycle: c,
      nominalFraction: fractions[c] as number,
      labeledTotal,
      labeledFraction: labeledTotal / N,
      testAccuracy: ok / pred.length,
      balancedAccuracy: balancedAccuracy(yTrue, pred, C),
      perClassRecall: recall,
      minorityRecall: minorityVals.length ? minorityVals.reduce((a, b) => a + b, 0) / minorityVals.length : NaN,
      labeledHistogram: histogram(labeled.flat(), data.train.labels, C),
      clients,
      gammaBar,
      gammaBarCycle,
      timings: {
        trainMs,
        evalMs,
        localOnlyMs: q?.localOnlyMs ?? 0,
        inferMs: q?.inferMs ?? 0,
        queryMs: q?.queryMs ?? 0,
        totalMs,
        imagePasses: trained.imagePasses + (q?.imagePasses ?? 0),
      },
      finishedAt: new Date().toISOString(),
    };
    if (q) {
      labeled = labeled.map((lab, k) => [...lab, ...(q.clients[k]?.queried ?? [])].sort((a, b) => a - b));
    }
    run.appendLog(record);
    cycles.push(record);
    elapsedMs += totalMs;
    prevGlobal = trained.weights;
    prevControls = trained.controls;
    const keep = cfg.modelInit === 'continue';
    run.writeCheckpoint(
      { version: 1, config: affecting, nextCycle: c + 1, labeled, gammaBar, gammaBarCycle, elapsedMs, weights: null },
      keep ? trained.weights : null,
      keep ? trained.controls : null,
    );
    say(
      `cycle ${c + 1}/${fractions.length}: labeled ${(100 * record.labeledFraction).toFixed(1)}%, test acc ${(100 * record.testAccuracy).toFixed(2)}%, ` +
        `balanced ${(100 * record.balancedAccuracy).toFixed(2)}%, minority recall ${(100 * record.minorityRecall).toFixed(2)}% (${(totalMs / 1000).toFixed(0)}s)`,
    );
  }
  return { header, cycles, resumedFrom };
}
