// The cycle/round state machine: training rounds -> (first cycle) query -> labeling -> next
// cycle ... -> finished. `advance()` moves it forward as far as thresholds and deadlines allow.
// Every transition is one SQLite transaction; blobs are durable on disk before it commits, so
// a crash at any point either leaves the old state (redone on restart, deterministically) or
// the new one.
import { EventEmitter } from 'node:events';
import { clipToBound } from '../../core/aggregation';
import { decodeModelBlob, decodeUpdate, encodeModelBlob, type FederationConfig } from '../../shared/wire';
import type { BlobStore } from '../../platform/blob-store';
import type { FederationRow, FederationStore, RoundRow, UpdateRow } from '../data/store';
import type { Clock, FaultHook, Logger } from './runtime';
import { updateNormBound } from './update-validation';
import { aggregateGammaBar } from '../../core/fairfal/queryModel';
import { createAggregator, cycleInitSeed, nextClipNorm, type AggregationOutput, type Aggregator, type ClientUpdate, type DpSettings } from '../../core/protocol';
import { federationEpsilon } from '../../core/privacy';
import { cryptoNormal } from '../../platform/crypto-normal';
import { engineInitialWeights, varianceRanges } from './initial-weights';
import { SecureRounds } from './secure-round';
import { wouldExceed } from './privacy-budget';

const SECOND = 1000;

/** One clinic's part in a published round: lineage (count 0 when secure aggregation hid it) and its upload blob. */
export interface Contribution {
  clientId: string;
  sampleCount: number;
  bodyHash: string;
}

export interface EngineDeps {
  store: FederationStore;
  blobs: BlobStore;
  clock: Clock;
  log: Logger;
  fault: FaultHook;
}

export class RoundEngine {
  /** Emits 'changed' after every committed state change (long-polls listen to it). */
  readonly events = new EventEmitter();
  private readonly vectorCache = new Map<string, Float32Array>();

  /** Rounds under secure aggregation (their stages, relays and the unmasking of the sum). */
  readonly secure: SecureRounds;

  constructor(private readonly deps: EngineDeps) {
    this.events.setMaxListeners(0);
    this.secure = new SecureRounds({
      ...deps,
      events: this.events,
      vector: (h) => this.vector(h),
      publish: (f, round, out, contributions, now) => this.publish(f, round, out, contributions, now),
      advance: () => this.advanceSafely(),
    });
  }

  aggregator(config: FederationConfig, dp?: DpSettings): Aggregator {
    return createAggregator(config.aggregation, dp ?? config.differentialPrivacy);
  }

  /** Differential privacy's settings for the open round: the clipping norm adaptive clipping has reached. */
  dpSettings(f: FederationRow): DpSettings | undefined {
    const dp = f.config.differentialPrivacy;
    return dp ? { ...dp, clipNorm: f.dpClipNorm ?? dp.clipNorm } : undefined;
  }

  private readonly normal = cryptoNormal();

  /** A stored model/control blob as a vector (small cache: the current base is read per upload). */
  vector(hash: string): Float32Array {
    const hit = this.vectorCache.get(hash);
    if (hit) return hit;
    const v = decodeModelBlob(this.deps.blobs.get(hash));
    if (this.vectorCache.size >= 4) this.vectorCache.delete(this.vectorCache.keys().next().value as string);
    this.vectorCache.set(hash, v);
    return v;
  }

  /** Durably stores a vector as a blob and returns its hash. */
  storeVector(values: Float32Array): string {
    const hash = this.deps.blobs.put(encodeModelBlob(values));
    this.vectorCache.set(hash, values);
    return hash;
  }

  /** Zero control variate for SCAFFOLD rounds that start a cycle. Registered as a version. */
  zeroControl(paramCount: number, now: number): string {
    const hash = this.storeVector(new Float32Array(paramCount));
    this.deps.store.insertVersion({ hash, kind: 'control', cycle: null, round_id: null, created_at: now });
    return hash;
  }

  /** Opens round `roundIndex` of `cycle` (call inside a transaction). */
  openRound(f: FederationRow, cycle: number, roundIndex: number, baseHash: string, controlHash: string | null, now: number): number {
    return this.deps.store.openRound({
      cycle,
      roundIndex,
      baseHash,
      controlHash,
      now,
      deadline: now + f.config.roundDeadlineSeconds * SECOND,
    });
  }

  /**
   * Like advance(), but a failure (e.g. a damaged blob) is logged instead of thrown: used right
   * after a client's report was committed, so the client still learns it was accepted.
   */
  advanceSafely(): void {
    try {
      this.advance();
    } catch (e) {
      this.deps.log('error', 'state machine could not advance', { error: (e as Error).stack ?? String(e) });
    }
  }

  /** Runs transitions until none applies. Returns true when anything changed. */
  advance(): boolean {
    let changed = false;
    for (let guard = 0; guard < 1000 && this.step(); guard++) changed = true;
    if (changed) this.events.emit('changed');
    return changed;
  }

  private step(): boolean {
    const { store, clock, log } = this.deps;
    const f = store.federation();
    const now = clock();
    const c = f.config;
    switch (f.phase) {
      case 'training': {
        const round = store.currentOpenRound();
        if (!round) throw new Error(`federation is training cycle ${f.cycle} but no round is open`);
        if (c.secureAggregation) return this.secure.step(f, round, now);
        const updates = store.updates(round.id);
        const deadlinePassed = now >= round.deadline;
        if (updates.length >= c.minClientsPerRound || (deadlinePassed && updates.length > 0)) {
          return this.aggregate(f, round, updates, now);
        }
        if (deadlinePassed) {
          // No update at all: nothing to aggregate, keep the round open for another period.
          store.extendRoundDeadline(round.id, now + c.roundDeadlineSeconds * SECOND);
          log('warn', 'round deadline passed without updates; deadline extended', { roundId: round.id });
          this.events.emit('changed');
        }
        return false;
      }
      case 'query': {
        const gammas = store.gammas(f.cycle);
        const deadlinePassed = f.phaseDeadline !== null && now >= f.phaseDeadline;
        const active = store.activeClientCount();
        if ((gammas.length > 0 && gammas.length >= active) || (deadlinePassed && gammas.length > 0)) {
          // Withheld reports close the phase too; gamma_bar averages the values that were shared.
          const values = gammas.flatMap((g) => (g.gamma === null ? [] : [g.gamma]));
          const gammaBar = values.length > 0 ? aggregateGammaBar(values) : null;
          store.transaction(() => {
            store.setGammaBar(gammaBar);
            store.setPhase('labeling', f.cycle, now + c.labelingDeadlineSeconds * SECOND);
          });
          log('info', 'gamma_bar published (frozen)', { cycle: f.cycle, gammaBar, clients: gammas.length, withheld: gammas.length - values.length });
          return true;
        }
        if (deadlinePassed) {
          store.setPhaseDeadline(now + c.queryDeadlineSeconds * SECOND);
          log('warn', 'query deadline passed without gamma reports; deadline extended', { cycle: f.cycle });
        }
        return false;
      }
      case 'labeling': {
        const ready = store.readyClients(f.cycle).length;
        const minReady = c.minReadyClients ?? c.minClientsPerRound;
        const deadlinePassed = f.phaseDeadline !== null && now >= f.phaseDeadline;
        if (ready >= minReady || deadlinePassed) {
          this.startCycle(f, f.cycle + 1, now);
          log('info', 'cycle started', { cycle: f.cycle + 1, ready, byDeadline: ready < minReady });
          return true;
        }
        return false;
      }
      case 'finished':
        return false;
    }
  }

  private startCycle(f: FederationRow, cycle: number, now: number): void {
    const { store } = this.deps;
    const base = !f.config.reinitializeEachCycle ? f.latestHash : f.config.freshInitSeed === undefined ? f.initialHash : this.freshInit(f, cycle, now);
    const control = this.aggregator(f.config).usesControlVariate ? this.zeroControl(f.paramCount, now) : null;
    store.transaction(() => {
      store.setPhase('training', cycle, null);
      store.setLatestHash(base);
      this.openRound(f, cycle, 0, base, control, now);
    });
  }

  /** Cycle `cycle`'s own fresh model (the official code's new init per cycle), stored as a version. */
  private freshInit(f: FederationRow, cycle: number, now: number): string {
    const weights = engineInitialWeights(f.config, cycleInitSeed(f.config.freshInitSeed ?? 0, cycle));
    if (weights.length !== f.paramCount) throw new Error(`fresh init for cycle ${cycle} has ${weights.length} parameters, the federation ${f.paramCount}`);
    const hash = this.storeVector(weights);
    this.deps.store.insertVersion({ hash, kind: 'initial', cycle, round_id: null, created_at: now });
    return hash;
  }

  private aggregate(f: FederationRow, round: RoundRow, rows: UpdateRow[], now: number): boolean {
    const { store, blobs } = this.deps;
    const started = performance.now();
    const aggregator = this.aggregator(f.config, this.dpSettings(f));
    const global = this.vector(round.base_hash);
    // Long updates clipped (only accepted past the bound when the federation clips); the
    // aggregator caps each claimed count to the round's maxClientWeightShare.
    const bound = updateNormBound(global, f.config);
    const updates: ClientUpdate[] = rows.map((r) => {
      const decoded = decodeUpdate(blobs.get(r.body_hash), { copy: false });
      const u: ClientUpdate = { clientId: r.client_id, weights: clipToBound(decoded.weights, global, bound).weights, sampleCount: r.sample_count };
      if (decoded.controlDelta) u.controlDelta = decoded.controlDelta;
      return u;
    });
    const out = aggregator.aggregate({
      global,
      control: round.control_hash ? this.vector(round.control_hash) : null,
      updates,
      totalClients: store.activeClientCount(),
      maxClientShare: f.config.maxClientWeightShare,
      normal: this.normal,
    });
    return this.publish(f, round, out, rows.map((r) => ({ clientId: r.client_id, sampleCount: r.sample_count, bodyHash: r.body_hash })), now, started);
  }

  /**
   * Stores a round's result and moves the state machine on (next round, query, labeling or
   * finished); `contributions` are the lineage and the upload blobs to delete once committed.
   */
  publish(f: FederationRow, round: RoundRow, out: AggregationOutput, contributions: readonly Contribution[], now: number, started = performance.now()): boolean {
    const { store, blobs, log, fault } = this.deps;
    if (f.config.differentialPrivacy) {
      for (const [a, b] of varianceRanges(f.config)) for (let i = a; i < b; i++) out.weights[i] = Math.max(1e-5, out.weights[i] as number);
    }
    const computedMs = performance.now() - started;
    const resultHash = this.storeVector(out.weights);
    const controlHash = out.control ? this.storeVector(out.control) : null;
    fault('aggregate:blobs-written');

    const isLastRound = round.round_index + 1 >= f.config.roundsPerCycle;
    // Differential privacy's budget: the federation ends before a round would exceed it.
    const dp = f.config.differentialPrivacy;
    // This round is not closed yet: +1 for it, +1 for the next.
    const budgetSpent = dp !== undefined && wouldExceed(dp, store.closedRoundCount() + 2);
    const settings = this.dpSettings(f);
    const nextClip = settings && out.unclippedFraction !== undefined ? nextClipNorm(settings, out.unclippedFraction) : null;
    const closed = store.transaction(() => {
      if (store.round(round.id)?.status !== 'open') return false; // already aggregated
      store.insertVersion({ hash: resultHash, kind: 'global', cycle: round.cycle, round_id: round.id, created_at: now });
      if (controlHash) store.insertVersion({ hash: controlHash, kind: 'control', cycle: round.cycle, round_id: round.id, created_at: now });
      store.closeRound(round.id, resultHash, now);
      for (const r of contributions) store.insertLineage(resultHash, round.id, r.clientId, r.sampleCount);
      store.setLatestHash(resultHash);
      if (nextClip !== null) store.setDpClipNorm(nextClip);
      if (budgetSpent) {
        store.setPhase('finished', round.cycle, null);
      } else if (!isLastRound) {
        this.openRound(f, round.cycle, round.round_index + 1, resultHash, controlHash, now);
      } else if (round.cycle + 1 >= f.config.cycles) {
        store.setPhase('finished', round.cycle, null);
      } else if (!f.gammaPublished) {
        store.setPhase('query', round.cycle, now + f.config.queryDeadlineSeconds * SECOND);
      } else {
        store.setPhase('labeling', round.cycle, now + f.config.labelingDeadlineSeconds * SECOND);
      }
      return true;
    });
    if (!closed) return false;
    if (budgetSpent && dp) {
      const rounds = store.closedRoundCount();
      log('info', 'differential privacy: the budget is spent, training stops', { rounds, epsilon: federationEpsilon(dp.noiseMultiplier, rounds, dp.delta), delta: dp.delta, targetEpsilon: dp.targetEpsilon });
    }
    const publishedMs = performance.now() - started;
    fault('aggregate:committed');
    // Update bodies are no longer needed once the version is committed (lineage stays in the
    // DB). Removed off the event loop; a crash before that is cleaned up at startup.
    void Promise.all(contributions.map((r) => blobs.deleteAsync(r.bodyHash))).catch((e: unknown) =>
      log('warn', 'could not remove update blobs', { roundId: round.id, error: String(e) }),
    );
    log('info', 'round aggregated', {
      roundId: round.id,
      cycle: round.cycle,
      roundIndex: round.round_index,
      updates: contributions.length,
      secure: f.config.secureAggregation !== undefined,
      ...(nextClip !== null ? { nextClipNorm: Math.round(nextClip * 1e4) / 1e4 } : {}),
      strategy: f.config.aggregation.name,
      version: resultHash,
      aggregateMs: Math.round(computedMs * 10) / 10,
      totalMs: Math.round(publishedMs * 10) / 10,
    });
    return true;
  }
}
