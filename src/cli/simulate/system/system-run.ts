// `simulate run` through the product: the federation server's domain and one real client node
// per clinic (SimulatedFederation, in-memory transport), an oracle annotator, and one engine
// worker pool all clinics share. This file only watches: when a cycle's last round has closed
// and every clinic has answered its queue, it measures the cycle's global model on the test
// split and appends the cycle's record to the run log. Resumable: the server's and the
// clinics' own databases are the checkpoint (run-dir/system/), answered queues are journaled.
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../../../platform/private-fs';
import { cycleInitSeed, strategyNeedsLocalModel, queryStrategyFor } from '../../../core';
import type { Trainer, EngineModel } from '../../../engine/trainer';
import { decodeModelBlob, FederationConfigSchema } from '../../../shared/wire';
import { splitAsRgb } from '../../../engine/data/npz';
import { engineInitialWeights } from '../../../server';
import { resultAffectingConfig } from '../config';
import { minorityClasses } from '../data';
import type { CycleRecord, HeaderRecord } from '../log-schema';
import { cycleFractions, perClientCount } from '../plan';
import { buildHeader, plannedWork, ProtocolError } from '../run-header';
import type { ProgressBar } from '../progress';
import type { SimConfig } from '../config';
import type { SimData, SimPartition } from '../data';
import { readRunLog, RunDir } from '../run-files';
import { rngFor } from '../seeds';
import { cycleRecord } from './cycle-record';
import { queryStateDumper } from './query-dump';
import { clinicSpecs, federationConfigFor, initialSeed } from './federation-for-sim';
import type { AnsweredQueue } from './simulated-clinic';
import { SimulatedFederation } from './simulated-federation';

export interface SystemRunContext {
  cfg: SimConfig;
  data: SimData;
  partition: SimPartition;
  dir: string;
  progress?: ProgressBar | null;
  say?: (msg: string) => void;
  /** One engine all clinics share (a worker pool). */
  engine: Trainer;
  engineDescription: string;
  /** Stop (as an interruption would) once this many cycles are logged; the run resumes later. */
  stopAfterCycles?: number;
}

export interface RunOutcome {
  header: HeaderRecord;
  cycles: CycleRecord[];
  resumedFrom: number | null;
}

const QUEUES_FILE = 'queues.jsonl';

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

export async function runSimulationThroughSystem(ctx: SystemRunContext): Promise<RunOutcome> {
  const run = new RunDir(ctx.dir);
  run.ensure();
  const unlock = run.lock();
  try {
    return await runLocked(ctx, run);
  } finally {
    unlock();
  }
}

async function runLocked(ctx: SystemRunContext, run: RunDir): Promise<RunOutcome> {
  const { cfg, data, partition, engine } = ctx;
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
  const systemDir = join(ctx.dir, 'system');
  const queuesPath = join(ctx.dir, QUEUES_FILE);
  const affecting = resultAffectingConfig(cfg);

  // Resume or start.
  let header: HeaderRecord;
  let cycles: CycleRecord[] = [];
  let resumedFrom: number | null = null;
  // Without system/ (a fresh checkout of committed runs) the federation is rebuilt at the first
  // cycle the log lacks: its start labels, frozen gamma_bar and fresh init are all on record.
  let rebuildAt: number | null = null;
  const cp = cfg.fresh ? null : run.readCheckpoint();
  const hasSystem = SimulatedFederation.exists(systemDir);
  const logged = cp && !hasSystem && existsSync(run.logPath) ? readRunLog(run.logPath).cycles.length : 0;
  if (cp && (hasSystem || logged > 0)) {
    if (JSON.stringify(cp.config) !== JSON.stringify(affecting)) {
      throw new ProtocolError(`${run.checkpointPath} was written with different settings; pass --fresh to start over or use another --out`);
    }
    const log = readRunLog(run.logPath);
    header = log.header;
    cycles = log.cycles;
    resumedFrom = cycles.length;
    if (!hasSystem) {
      if (cfg.modelInit === 'continue') throw new ProtocolError(`${systemDir} is missing: a --model-init continue run resumes only from its federation's own state`);
      rebuildAt = cycles.length;
      rmSync(systemDir, { recursive: true, force: true });
    }
    say(`resuming ${ctx.dir} at cycle ${cycles.length + 1}/${fractions.length}${rebuildAt !== null ? ' (federation rebuilt from the log)' : ''}`);
  } else {
    run.clear();
    rmSync(systemDir, { recursive: true, force: true });
    rmSync(queuesPath, { force: true });
    const fixed = partition.initialLabeled;
    if (fixed && fixed.some((l) => l.length !== initialPerClient)) {
      throw new ProtocolError(`the partition file's initial labeled sets have ${fixed.map((l) => l.length).join('/')} samples; the protocol starts with ${initialPerClient} per client`);
    }
    const initial =
      fixed ??
      partition.pools.map((pool, k) => {
        const rng = rngFor(cfg.seed, 'initial', k);
        return Array.from(rng.permutation(pool.length).subarray(0, initialPerClient), (i) => pool[i] as number).sort((a, b) => a - b);
      });
    header = buildHeader(cfg, data, partition, ctx.engineDescription, initial);
    run.writeLog([header]);
    run.writeCheckpoint({ version: 1, config: affecting, nextCycle: 0, labeled: initial, gammaBar: null, gammaBarCycle: null, elapsedMs: 0, weights: null });
  }

  // Archive index -> simulation train index (identity unless long-tailed).
  const simIndex = new Map<number, number>();
  data.trainOrigin.forEach((o, i) => simIndex.set(o, i));
  const queries = new Map<number, Map<number, { queue: AnsweredQueue; queried: number[] }>>();
  const record = (q: AnsweredQueue) => {
    const queried = q.indices.map((i) => simIndex.get(i) ?? -1).sort((a, b) => a - b);
    if (queried.some((i) => i < 0)) throw new ProtocolError(`clinic ${q.clinic} queried an image outside its partition`);
    if (!queries.has(q.cycle)) queries.set(q.cycle, new Map());
    queries.get(q.cycle)?.set(q.clinic, { queue: q, queried });
  };
  if (existsSync(queuesPath)) {
    const journal = readFileSync(queuesPath, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as AnsweredQueue);
    // A rebuilt federation answers again from its first cycle on: older answers of those cycles go.
    const kept = rebuildAt === null ? journal : journal.filter((q) => q.cycle < rebuildAt);
    if (kept.length !== journal.length) writeFileAtomicSync(queuesPath, kept.map((q) => JSON.stringify(q) + '\n').join(''));
    kept.forEach(record);
  }
  // Labeled sets per cycle: the start sets, then each cycle's answered queries.
  const labeledAt = (cycle: number): number[][] =>
    header.initialLabeled.map((start, k) => {
      const out = [...start];
      for (let c = 0; c < cycle; c++) out.push(...(queries.get(c)?.get(k)?.queried ?? []));
      return out.sort((a, b) => a - b);
    });

  const config = FederationConfigSchema.parse(federationConfigFor(cfg, data));
  const model: EngineModel = { model: config.model.name, inputShape: config.model.inputShape, numClasses: C, inputScaling: config.model.inputScaling };
  const test = { images: splitAsRgb(data.test), labels: data.test.labels, count: data.test.count, height: data.test.height, width: data.test.width, channels: 3 };
  const testIds = Int32Array.from({ length: test.count }, (_, i) => i);
  const minority = minorityClasses(data.trainClassCounts);
  const withLocal = strategyNeedsLocalModel(queryStrategyFor(config.strategy.name, config.strategy.params));
  const totals = fractions.map((_, c) => K * initialPerClient + c * K * budget);
  progress?.setPlan(fractions.length, plannedWork(cfg, totals, cycles.length, withLocal));

  // The server's own log (rounds aggregated, update norms, secure aggregation's stages and
  // timings), kept beside the run: what an admin would read.
  const serverLogPath = join(ctx.dir, 'server-log.jsonl');
  const fed = new SimulatedFederation({
    dir: systemDir,
    transport: 'memory',
    config,
    logger: (level, msg, fields) => level !== 'debug' && appendFileSync(serverLogPath, JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields }) + '\n'),
    initialWeights: engineInitialWeights(config, rebuildAt === null ? initialSeed(cfg) : cycleInitSeed(cfg.seed, rebuildAt)),
    clinics: clinicSpecs(cfg, data, partition, rebuildAt === null ? header.initialLabeled : labeledAt(rebuildAt)),
    ...(rebuildAt !== null ? { startAt: { cycle: rebuildAt, gammaBar: cycles.at(-1)?.gammaBar ?? null } } : {}),
    engine,
    ...(cfg.dumpQueryState !== undefined
      ? { onQueryState: queryStateDumper(cfg, { name: 'cnn4conv', height: test.height, width: test.width, channels: 3, numClasses: C, inputScaling: cfg.inputScaling }, (i) => simIndex.get(i) ?? -1, cfg.dumpQueryState) }
      : {}),
    onQueue: (q) => {
      appendFileSync(queuesPath, JSON.stringify(q) + '\n');
      record(q);
      progress?.addWork((Number(q.details.localOnlyEpochs) || 0) * (labeledAt(q.cycle)[q.clinic]?.length ?? 0));
      progress?.clientDone();
      wake();
    },
  });
  let wake: () => void = () => undefined;
  let cycleStart = Date.now();
  let lastGammaBar = cycles.at(-1)?.gammaBar ?? null;
  let roundsSeen = 0;
  let trainedAt: number | null = null;
  try {
    await fed.start();
    progress?.setPhase(cycles.length, `round 1/${cfg.rounds}`, K);
    fed.coordinator.engine.events.on('changed', () => wake());
    const outcome: { ended: Error | 'finished' | null } = { ended: null };
    void fed
      .finished()
      .then(
        () => (outcome.ended = 'finished'),
        (e: unknown) => (outcome.ended = e as Error),
      )
      .then(() => wake());
    const stopAt = Math.min(fractions.length, ctx.stopAfterCycles ?? fractions.length);
    while (cycles.length < stopAt) {
      const c = cycles.length;
      const last = c === fractions.length - 1;
      const rounds = fed.rounds();
      for (; roundsSeen < rounds.length; roundsSeen++) {
        const r = rounds[roundsSeen];
        if (!r || r.cycle < c) continue;
        // Round r is done: the bar moves on to the next round, or to the clinics' queries.
        const next = r.roundIndex + 1 < cfg.rounds ? `round ${r.roundIndex + 2}/${cfg.rounds}` : r.cycle === fractions.length - 1 ? 'evaluation' : 'query (local-only models, selection)';
        progress?.setPhase(r.cycle, next, K);
        progress?.addWork((totals[r.cycle] ?? 0) * cfg.localEpochs);
      }
      const final = rounds.find((r) => r.cycle === c && r.roundIndex === cfg.rounds - 1);
      const answered = queries.get(c);
      if (final && (last || (answered?.size ?? 0) >= K)) {
        const tEval = Date.now();
        const weights = decodeModelBlob(fed.coordinator.modelBlob(final.modelHash));
        const out = await engine.predict(model, weights, test, testIds, false);
        const labeled = labeledAt(c);
        const localPasses = last ? 0 : [...(answered?.values() ?? [])].reduce((s, q) => s + (Number(q.queue.details.localOnlyEpochs) || 0) * (labeled[q.queue.clinic]?.length ?? 0), 0);
        const rec = cycleRecord({
          cycle: c,
          nominalFraction: fractions[c] as number,
          trainCount: N,
          numClasses: C,
          minority,
          trainLabels: data.train.labels,
          testLabels: data.test.labels,
          predictions: argmaxRows(out.probs, C),
          labeled,
          testSets: cfg.evalClientTests ? partition.testSets : null,
          queries: last ? null : Array.from({ length: K }, (_, k) => answered?.get(k)),
          // Query time includes the clinics' local-only models (they run inside the product's query step).
          timings: { trainMs: (trainedAt ?? tEval) - cycleStart, evalMs: Date.now() - tEval, localOnlyMs: 0, inferMs: 0, queryMs: tEval - (trainedAt ?? tEval), totalMs: Date.now() - cycleStart, imagePasses: labeled.flat().length * cfg.rounds * cfg.localEpochs + localPasses },
        });
        if (rec.gammaBar === null && lastGammaBar !== null) Object.assign(rec, { gammaBar: lastGammaBar, gammaBarCycle: 0 });
        lastGammaBar = rec.gammaBar;
        run.appendLog(rec);
        cycles.push(rec);
        run.writeCheckpoint({ version: 1, config: affecting, nextCycle: c + 1, labeled: labeledAt(c + 1), gammaBar: rec.gammaBar, gammaBarCycle: rec.gammaBarCycle, elapsedMs: 0, weights: null });
        say(
          `cycle ${c + 1}/${fractions.length}: labeled ${(100 * rec.labeledFraction).toFixed(1)}%, test acc ${(100 * rec.testAccuracy).toFixed(2)}%, ` +
            `balanced ${(100 * rec.balancedAccuracy).toFixed(2)}%, minority recall ${(100 * rec.minorityRecall).toFixed(2)}% (${((Date.now() - cycleStart) / 1000).toFixed(0)}s)`,
        );
        cycleStart = Date.now();
        trainedAt = null;
        continue;
      }
      const ended = outcome.ended;
      if (ended instanceof Error) throw new ProtocolError(`the simulated federation stopped: ${ended.message}`);
      if (ended === 'finished') throw new ProtocolError(`the federation finished with ${cycles.length} of ${fractions.length} cycles recorded`);
      if (final && trainedAt === null) trainedAt = Date.now();
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (cycles.length === fractions.length) await fed.finished();
  } finally {
    await fed.close();
  }
  return { header, cycles, resumedFrom };
}
