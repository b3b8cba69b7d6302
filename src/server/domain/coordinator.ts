// The federation's use cases: enrolment, auth, tasks, uploads, reports, admin. The HTTP layer
// calls these after parsing; they check state, write in transactions, then advance the
// state machine.
import { perClientBudget, roundLearningRate } from '../../core/protocol';
import {
  ClientIdSchema,
  type ClientId,
  type PublicFederation,
  type ClientTask,
  type TrainTask,
  type SecAggKeysRequest,
  type SecAggRevealRequest,
  ModelHashSchema,
  CycleIndexSchema,
  RoundIdSchema,
} from '../../shared/wire';
import type { BlobStore } from '../../platform/blob-store';
import { sha256Hex } from '../../platform/hash';
import type { FederationStore } from '../data/store';
import {
  bearerToken,
  hashSecret,
  newClientCredential,
  newClientId,
  newEnrolmentCode,
  secretMatches,
} from './credentials';
import {
  ConflictError,
  ForbiddenError,
  InvalidCodeError,
  NotFoundError,
  StaleRoundError,
  UnauthorizedError,
  WrongPhaseError,
} from './errors';
import { EnrolThrottle } from './enrol-throttle';
import { RoundEngine } from './round-engine';
import { systemClock, silentLogger, type Clock, type FaultHook, type Logger } from './runtime';
import { buildStatus } from './status-view';
import { finishedReason } from './privacy-budget';
import { maxUpdateBodyBytes, validateUpdate } from './update-validation';

export interface FederationCoordinatorOptions {
  store: FederationStore;
  blobs: BlobStore;
  clock?: Clock;
  log?: Logger;
  fault?: FaultHook;
  /** retryAfterMs in wait tasks. */
  pollIntervalMs?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class FederationCoordinator {
  readonly store: FederationStore;
  readonly blobs: BlobStore;
  readonly engine: RoundEngine;
  readonly clock: Clock;
  private readonly enrolThrottle: EnrolThrottle;
  readonly log: Logger;
  private readonly fault: FaultHook;
  private readonly pollIntervalMs: number;

  constructor(opts: FederationCoordinatorOptions) {
    this.store = opts.store;
    this.blobs = opts.blobs;
    this.clock = opts.clock ?? systemClock;
    this.enrolThrottle = new EnrolThrottle(this.clock);
    this.log = opts.log ?? silentLogger;
    this.fault = opts.fault ?? (() => undefined);
    this.pollIntervalMs = opts.pollIntervalMs ?? 2000;
    this.engine = new RoundEngine({ store: this.store, blobs: this.blobs, clock: this.clock, log: this.log, fault: this.fault });
  }

  /** Startup: drop temp files and unreferenced blobs, check referenced ones exist, catch up. */
  recover(): void {
    const keep = this.store.referencedBlobs();
    const removed = this.blobs.collectGarbage(keep);
    const missing = [...keep].filter((h) => !this.blobs.has(h));
    if (missing.length > 0) throw new Error(`data directory is damaged: ${missing.length} blob(s) named in the database are missing, e.g. ${missing[0]}`);
    if (removed > 0) this.log('info', 'removed unreferenced blobs at startup', { removed });
    this.engine.advance();
  }

  // ---- auth ----

  authenticateClient(authorization: string | undefined): ClientId {
    const token = bearerToken(authorization);
    if (!token) throw new UnauthorizedError('missing "Authorization: Bearer <client credential>"');
    const row = this.store.clientByCredentialHash(hashSecret(token));
    if (!row) throw new UnauthorizedError('unknown client credential');
    if (row.revoked_at !== null) throw new ForbiddenError(`client ${row.id} was revoked at ${iso(row.revoked_at)}`);
    return ClientIdSchema.parse(row.id);
  }

  authenticateAdmin(authorization: string | undefined): void {
    const token = bearerToken(authorization);
    if (!token) throw new UnauthorizedError('missing "Authorization: Bearer <admin token>"');
    if (secretMatches(token, this.store.federation().adminTokenHash)) return;
    if (this.store.clientByCredentialHash(hashSecret(token))) throw new ForbiddenError('admin endpoint: a client credential is not enough');
    throw new UnauthorizedError('wrong admin token');
  }

  // ---- enrolment (admin issues codes; a client trades one for a credential) ----

  createEnrolmentCodes(count: number, ttlHours: number): { codes: string[]; expiresAt: string } {
    const now = this.clock();
    const expiresAt = now + ttlHours * 3600_000;
    const codes = Array.from({ length: count }, () => newEnrolmentCode());
    this.store.transaction(() => {
      for (const code of codes) this.store.insertEnrolmentCode(hashSecret(code), now, expiresAt);
    });
    this.log('info', 'enrolment codes issued', { count, expiresAt: iso(expiresAt) });
    return { codes, expiresAt: iso(expiresAt) };
  }

  /** `address`: the caller's network address, for the throttle on wrong codes. */
  enrol(code: string, displayName: string | undefined, address = 'unknown'): { clientId: ClientId; credential: string } {
    this.enrolThrottle.check(address);
    const now = this.clock();
    const clientId = newClientId();
    const credential = newClientCredential();
    try {
      this.store.transaction(() => {
        this.store.insertClient({ id: clientId, credentialHash: hashSecret(credential), displayName: displayName ?? null, now });
        if (!this.store.consumeEnrolmentCode(hashSecret(code), clientId, now)) {
          throw new InvalidCodeError('enrolment code is unknown, already used or expired');
        }
      });
    } catch (e) {
      if (e instanceof InvalidCodeError) {
        this.enrolThrottle.failed(address);
        this.log('warn', 'wrong enrolment code', { address });
      }
      throw e;
    }
    this.enrolThrottle.succeeded(address);
    this.log('info', 'client enrolled', { clientId });
    this.engine.events.emit('changed');
    return { clientId: ClientIdSchema.parse(clientId), credential };
  }

  revoke(clientId: string): void {
    if (!this.store.client(clientId)) throw new NotFoundError(`no client ${clientId}`);
    if (!this.store.revokeClient(clientId, this.clock())) throw new ConflictError(`client ${clientId} is already revoked`);
    this.log('warn', 'client revoked', { clientId });
    this.engine.advance();
  }

  publicFederation(): PublicFederation {
    const f = this.store.federation();
    return { config: f.config, initialModelHash: ModelHashSchema.parse(f.initialHash), paramCount: f.paramCount };
  }

  // ---- tasks ----

  task(clientId: ClientId): ClientTask {
    this.engine.advance();
    const f = this.store.federation();
    const c = f.config;
    const wait = (reason: string): ClientTask => ({ kind: 'wait', reason, retryAfterMs: this.pollIntervalMs });
    const cycle = CycleIndexSchema.parse(f.cycle);
    switch (f.phase) {
      case 'training': {
        const round = this.store.currentOpenRound();
        if (!round) return wait('no round open');
        const train = (): TrainTask => {
          const lr = roundLearningRate(c.learningRate, round.round_index, c.roundsPerCycle);
          const task: TrainTask = {
            kind: 'train',
            cycle,
            deadline: iso(round.deadline),
            roundId: RoundIdSchema.parse(round.id),
            roundIndex: round.round_index,
            roundsPerCycle: c.roundsPerCycle,
            baseModelHash: ModelHashSchema.parse(round.base_hash),
            paramCount: f.paramCount,
            localEpochs: c.localEpochs,
            learningRate: lr,
            ...this.engine.aggregator(c).configureRound({ roundIndex: round.round_index, roundsPerCycle: c.roundsPerCycle }),
          };
          if (round.control_hash) task.controlHash = ModelHashSchema.parse(round.control_hash);
          return task;
        };
        if (c.secureAggregation) return this.engine.secure.task(f, round, clientId, train, wait);
        if (this.store.update(round.id, clientId)) return wait(`update for round ${round.id} received; waiting for the round to close`);
        return train();
      }
      case 'query': {
        if (this.store.gammas(f.cycle).some((g) => g.client_id === clientId)) return wait('gamma received; waiting for the other clients');
        return { kind: 'submit-gamma', cycle, deadline: iso(f.phaseDeadline ?? this.clock()), modelHash: ModelHashSchema.parse(f.latestHash) };
      }
      case 'labeling': {
        if (this.store.readyClients(f.cycle).includes(clientId)) return wait('ready received; waiting for the next cycle');
        if (!f.gammaPublished) throw new Error('labeling phase without gamma_bar');
        return {
          kind: 'query-and-label',
          cycle,
          deadline: iso(f.phaseDeadline ?? this.clock()),
          modelHash: ModelHashSchema.parse(f.latestHash),
          gammaBar: f.gammaBar,
          budget: perClientBudget(c.labelingBudgetPerCycle, this.store.activeClientCount()),
          strategy: c.strategy,
        };
      }
      case 'finished':
        return { kind: 'finished', finalModelHash: ModelHashSchema.parse(f.latestHash), ...finishedReason(this.store, c) };
    }
  }

  /** Resolves when the state changed or after `ms` (for long-polling GET /v1/task). */
  waitForChange(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.engine.events.off('changed', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.engine.events.on('changed', done);
      signal.addEventListener('abort', done);
    });
  }

  // ---- uploads and reports ----

  /** Largest update body to read for `roundId` (so a huge body is cut off while streaming). */
  maxUpdateBytes(): number {
    const f = this.store.federation();
    return maxUpdateBodyBytes(f.paramCount, this.engine.aggregator(f.config).vectorsPerUpdate);
  }

  // ---- secure aggregation's stages (domain/secure-round.ts) ----

  private requireSecure(): void {
    if (!this.store.federation().config.secureAggregation) throw new WrongPhaseError('this federation does not use secure aggregation: send a plaintext update');
  }

  /** Largest masked upload worth reading (exactly this many bytes are accepted). */
  maxMaskedBytes(): number {
    const f = this.store.federation();
    return f.config.secureAggregation ? this.engine.secure.maskedBytes(f) : 0;
  }

  submitSecAggKeys(clientId: ClientId, roundId: number, attempt: number, req: SecAggKeysRequest): { index: number } {
    this.requireSecure();
    this.engine.advance();
    const out = this.engine.secure.submitKeys(clientId, roundId, attempt, req);
    this.engine.advanceSafely();
    return out;
  }

  submitSecAggShares(clientId: ClientId, roundId: number, attempt: number, shares: readonly { to: number; sealed: string }[]): void {
    this.requireSecure();
    this.engine.advance();
    this.engine.secure.submitShares(clientId, roundId, attempt, shares);
    this.engine.advanceSafely();
  }

  async submitMaskedUpdate(clientId: ClientId, roundId: number, attempt: number, body: Uint8Array): Promise<{ duplicate: boolean }> {
    this.requireSecure();
    this.engine.advance();
    const out = await this.engine.secure.submitMasked(clientId, roundId, attempt, body);
    if (!out.duplicate) this.log('info', 'masked update accepted', { roundId, attempt, clientId });
    this.engine.advanceSafely();
    return out;
  }

  submitSecAggReveal(clientId: ClientId, roundId: number, attempt: number, req: SecAggRevealRequest): void {
    this.requireSecure();
    this.engine.advance();
    this.engine.secure.submitReveal(clientId, roundId, attempt, req);
    this.engine.advanceSafely();
  }

  async submitUpdate(clientId: ClientId, roundId: number, body: Uint8Array): Promise<{ duplicate: boolean }> {
    this.engine.advance(); // a deadline that passed closes the round before we look at it
    if (this.store.federation().config.secureAggregation) throw new WrongPhaseError('this federation uses secure aggregation: plaintext updates are refused, send a masked one (see the train task)');
    const round = this.store.round(roundId);
    if (!round) throw new NotFoundError(`round ${roundId} does not exist`);
    const bodyHash = sha256Hex(body);
    const existing = this.store.update(roundId, clientId);
    if (existing) {
      if (existing.body_hash === bodyHash) return { duplicate: true };
      throw new ConflictError(`a different update from ${clientId} is already stored for round ${roundId}; one update per client per round`);
    }
    if (round.status !== 'open') throw new StaleRoundError(`round ${roundId} is closed; late updates are rejected (see GET /v1/task for the current round)`);
    const f = this.store.federation();
    const valid = validateUpdate(
      body,
      {
        roundId,
        baseHash: round.base_hash,
        paramCount: f.paramCount,
        vectors: this.engine.aggregator(f.config).vectorsPerUpdate,
        maxUpdateNorm: f.config.maxUpdateNorm,
        maxRelativeUpdateNorm: f.config.maxRelativeUpdateNorm,
        clipUpdates: f.config.clipUpdates,
        maxSampleCount: f.config.maxSampleCountPerClient,
        previousSampleCount: this.store.lastSampleCountInCycle(round.cycle, clientId),
        maxSampleCountStep: f.config.maxSampleCountStepPerCycle,
      },
      () => this.engine.vector(round.base_hash),
    );
    await this.blobs.putAsync(body, bodyHash);
    this.fault('update:blob-written');
    const now = this.clock();
    // Other requests ran while the blob was written: check again inside the transaction.
    const duplicate = this.store.transaction(() => {
      const raced = this.store.update(roundId, clientId);
      if (raced) {
        if (raced.body_hash === bodyHash) return true;
        throw new ConflictError(`a different update from ${clientId} is already stored for round ${roundId}; one update per client per round`);
      }
      const again = this.store.round(roundId);
      if (again?.status !== 'open') throw new StaleRoundError(`round ${roundId} closed while the update was being stored`);
      this.store.insertUpdate({
        round_id: roundId,
        client_id: clientId,
        body_hash: bodyHash,
        sample_count: valid.header.sampleCount,
        update_norm: valid.norm,
        received_at: now,
      });
      return false;
    });
    if (duplicate) return { duplicate: true };
    this.fault('update:committed');
    this.log('info', 'update accepted', { roundId, clientId, norm: Math.round(valid.norm * 1e4) / 1e4 });
    // No 'changed' event here: a report changes only this client's task. advance() emits one
    // when a round or phase transition follows, which is what long-polls wait for.
    this.engine.advanceSafely();
    return { duplicate: false };
  }

  /** gamma null: the clinic withholds its gamma_k (its allow-list); the report still counts. */
  submitGamma(clientId: ClientId, cycle: number, gamma: number | null): void {
    this.engine.advance();
    const f = this.store.federation();
    const previous = this.store.gammas(cycle).find((g) => g.client_id === clientId);
    if (previous) {
      if (previous.gamma === gamma) return;
      throw new ConflictError(`a different gamma from ${clientId} is already stored for cycle ${cycle}`);
    }
    if (f.phase !== 'query' || f.cycle !== cycle) {
      throw new WrongPhaseError(`gamma is collected in the query phase of the first cycle; now: ${f.phase}, cycle ${f.cycle}`);
    }
    this.store.insertGamma(cycle, clientId, gamma, this.clock());
    this.log('info', gamma === null ? 'gamma withheld' : 'gamma received', { cycle, clientId });
    // No 'changed' event here: a report changes only this client's task. advance() emits one
    // when a round or phase transition follows, which is what long-polls wait for.
    this.engine.advanceSafely();
  }

  reportReady(clientId: ClientId, cycle: number): void {
    this.engine.advance();
    const f = this.store.federation();
    if (this.store.readyClients(cycle).includes(clientId)) return;
    if (f.phase !== 'labeling' || f.cycle !== cycle) {
      throw new WrongPhaseError(`ready is reported in the labeling phase; now: ${f.phase}, cycle ${f.cycle}`);
    }
    this.store.insertReady(cycle, clientId, this.clock());
    this.log('info', 'client ready', { cycle, clientId });
    // No 'changed' event here: a report changes only this client's task. advance() emits one
    // when a round or phase transition follows, which is what long-polls wait for.
    this.engine.advanceSafely();
  }

  /**
   * A client's test accuracy of a round's model: only from a client whose update that round
   * aggregated, once. The same value again is accepted (the client's outbox retries); a
   * different one is a conflict, so no one can rewrite a figure after the fact.
   */
  reportMetrics(clientId: ClientId, roundId: number, localTestAccuracy: number): void {
    const round = this.store.round(roundId);
    if (!round) throw new NotFoundError(`round ${roundId} does not exist`);
    if (round.status !== 'closed') throw new WrongPhaseError(`round ${roundId} has not produced a model yet`);
    if (!this.store.update(roundId, clientId) && !this.engine.secure.store.contributed(roundId, clientId)) throw new ForbiddenError(`client ${clientId} took no part in round ${roundId}`);
    const known = this.store.metrics(roundId, clientId);
    if (known !== undefined) {
      if (known === localTestAccuracy) return;
      throw new ConflictError(`round ${roundId} already has this client's accuracy (${known}); it cannot change`);
    }
    this.store.insertMetrics(roundId, clientId, localTestAccuracy, this.clock());
  }

  /** A published blob (initial, global or control version), verified against its hash. */
  modelBlob(hash: string): Buffer {
    if (!this.store.version(hash)) throw new NotFoundError(`no model version ${hash}`);
    return this.blobs.get(hash);
  }

  status() {
    this.engine.advance();
    return buildStatus(this.store);
  }
}
