// A training round under secure aggregation (issue 19), the server's side. The round moves
// through keys -> shares -> upload -> unmask (data/secagg-store.ts keeps every stage, so a
// restart resumes it); the server relays public keys and sealed shares it cannot open, stores
// masked uploads, and from the survivors' reveals removes the masks of the SUM only. Too few
// survivors at any stage: the attempt fails without unmasking anything and starts again.
import { aggregateSecureSum, maxSecureMembers, MIN_SECURE_SURVIVORS, secureScaleBits, secureSumKind, secureThreshold, secureVectorLength, updateNormBound, type AggregationOutput, type SecureSumKind } from '../../core/protocol';
import { decodeFixed, secAggRoundLabel, unmaskSum, type Advertisement } from '../../platform/secagg';
import { b64, CycleIndexSchema, RoundIdSchema, SecAggRevealRequestSchema, unb64, type ClientTask, type FederationConfig, type SecAggKeysRequest, type SecAggMember, type SecAggRevealRequest, type TrainTask } from '../../shared/wire';
import { sha256Hex } from '../../platform/hash';
import { SecAggStore, type SecAggMemberRow, type SecAggRoundRow, type SecAggStage } from '../data/secagg-store';
import type { FederationRow, RoundRow } from '../data/store';
import { ConflictError, ForbiddenError, InvalidUpdateError, NotFoundError, StaleRoundError, WrongPhaseError } from './errors';
import type { Contribution, EngineDeps } from './round-engine';

import type { EventEmitter } from 'node:events';

const SECOND = 1000;

export interface SecureRoundDeps extends EngineDeps {
  events: EventEmitter;
  vector(hash: string): Float32Array;
  publish(f: FederationRow, round: RoundRow, out: AggregationOutput, contributions: readonly Contribution[], now: number): boolean;
  /** Runs the state machine on (after an unmask finished off the event loop). */
  advance(): void;
}

type Key = { roundId: number; attempt: number };
const iso = (ms: number) => new Date(ms).toISOString();

const advertisement = (m: SecAggMemberRow): Advertisement => ({
  index: m.idx,
  publicKey: new Uint8Array(m.mask_key),
  encryptionKey: new Uint8Array(m.encryption_key),
  selfSeedCommitment: new Uint8Array(m.self_commit),
  privateKeyCommitment: new Uint8Array(m.key_commit),
});

const wireMember = (m: SecAggMemberRow): SecAggMember => ({
  index: m.idx,
  maskKey: b64(m.mask_key),
  encryptionKey: b64(m.encryption_key),
  selfSeedCommitment: b64(m.self_commit),
  maskKeyCommitment: b64(m.key_commit),
});

export function secureKind(c: FederationConfig): SecureSumKind {
  return secureSumKind(c.aggregation, c.differentialPrivacy);
}

export class SecureRounds {
  readonly store: SecAggStore;
  /** Unmask jobs in flight, by round:attempt (reconstructing seeds is asynchronous). */
  private readonly running = new Set<string>();

  constructor(private readonly deps: SecureRoundDeps) {
    this.store = new SecAggStore(deps.store.db);
  }

  /** Bytes of one masked upload in this federation. */
  maskedBytes(f: FederationRow): number {
    return 4 * secureVectorLength(secureKind(f.config), f.paramCount);
  }

  /** The training phase's transitions for a secure round; true when something changed. */
  step(f: FederationRow, round: RoundRow, now: number): boolean {
    const c = f.config;
    const sa = c.secureAggregation;
    if (!sa) throw new Error('secure round step in a federation without secure aggregation');
    const stageDeadline = now + c.roundDeadlineSeconds * SECOND;
    const r = this.store.round(round.id);
    if (!r) {
      this.store.startRound(round.id, stageDeadline);
      return true;
    }
    const k: Key = { roundId: round.id, attempt: r.attempt };
    const members = this.store.members(k);
    const shared = members.filter((m) => m.shared === 1);
    const late = now >= r.stage_deadline;
    const t = r.threshold ?? Infinity;
    switch (r.stage) {
      case 'keys': {
        const enough = members.length >= Math.max(MIN_SECURE_SURVIVORS, Math.min(c.minClientsPerRound, maxSecureMembers(sa.range)));
        if (enough || (late && members.length >= MIN_SECURE_SURVIVORS)) {
          const n = members.length;
          const threshold = secureThreshold(n, sa.survivorFraction);
          this.store.setStage(round.id, 'shares', stageDeadline, { members: n, threshold, scaleBits: secureScaleBits(sa.range, n) });
          this.deps.log('info', 'secure aggregation: members fixed', { roundId: round.id, attempt: r.attempt, members: n, threshold });
          return true;
        }
        if (late) {
          this.store.extendDeadline(round.id, stageDeadline);
          this.deps.log('warn', 'secure aggregation: too few clinics sent keys before the deadline; waiting longer', { roundId: round.id, members: members.length });
          this.deps.events.emit('changed');
        }
        return false;
      }
      case 'shares':
        return this.close(r, 'upload', shared.length === members.length, late, shared.length, t, stageDeadline, 'shared their keys');
      case 'upload':
        return this.close(r, 'unmask', this.store.uploads(k).length === shared.length, late, this.store.uploads(k).length, t, stageDeadline, 'uploaded');
      case 'unmask': {
        const uploads = this.store.uploads(k).length;
        const reveals = this.store.reveals(k).length;
        if (reveals === uploads || (late && reveals >= t)) {
          this.launchUnmask(f, round, r);
          return false;
        }
        if (late) return this.fail(round.id, r, `${reveals} survivors revealed shares, the threshold is ${t}`, stageDeadline);
        return false;
      }
    }
  }

  private close(r: SecAggRoundRow, next: SecAggStage, everyone: boolean, late: boolean, count: number, t: number, deadline: number, what: string): boolean {
    if (everyone || (late && count >= t)) {
      this.store.setStage(r.round_id, next, deadline);
      return true;
    }
    if (late) return this.fail(r.round_id, r, `${count} members ${what} before the deadline, the threshold is ${t}`, deadline);
    return false;
  }

  /** Too few survivors: nothing is unmasked, the round starts again with fresh keys. */
  private fail(roundId: number, r: SecAggRoundRow, why: string, deadline: number): boolean {
    const hashes = this.deps.store.transaction(() => this.store.restart(roundId, deadline));
    this.deps.log('warn', 'secure aggregation attempt failed safely: nothing was unmasked; the round starts again', { roundId, attempt: r.attempt, why });
    void Promise.all(hashes.map((h) => this.deps.blobs.deleteAsync(h))).catch(() => undefined);
    return true;
  }

  private launchUnmask(f: FederationRow, round: RoundRow, r: SecAggRoundRow): void {
    const job = `${round.id}:${r.attempt}`;
    if (this.running.has(job)) return;
    this.running.add(job);
    const started = performance.now();
    void this.unmask(f, round, r)
      .then(({ out, contributions }) => {
        const now = this.deps.clock();
        const still = this.store.round(round.id);
        if (still?.attempt !== r.attempt || still.stage !== 'unmask') return;
        this.deps.publish(this.deps.store.federation(), round, out, contributions, now);
        this.deps.log('info', 'secure aggregation: sum unmasked', { roundId: round.id, attempt: r.attempt, contributors: contributions.length, unmaskMs: Math.round(performance.now() - started) });
      })
      .catch((e: unknown) => {
        this.deps.log('error', 'secure aggregation could not unmask the sum', { roundId: round.id, attempt: r.attempt, error: String(e) });
        const still = this.store.round(round.id);
        if (still?.attempt === r.attempt) this.fail(round.id, r, String(e), this.deps.clock() + f.config.roundDeadlineSeconds * SECOND);
      })
      .finally(() => {
        this.running.delete(job);
        this.deps.advance();
      });
  }

  /** The round's sum, masks removed, turned into the next model. Only the sum is ever decoded. */
  private async unmask(f: FederationRow, round: RoundRow, r: SecAggRoundRow): Promise<{ out: AggregationOutput; contributions: Contribution[] }> {
    const k: Key = { roundId: round.id, attempt: r.attempt };
    const kind = secureKind(f.config);
    const length = secureVectorLength(kind, f.paramCount);
    const shared = this.store.members(k).filter((m) => m.shared === 1);
    const indexOf = new Map(shared.map((m) => [m.client_id, m.idx]));
    const rows = this.store.uploads(k);
    const uploads = new Map<number, Uint32Array>();
    for (const u of rows) {
      const b = this.deps.blobs.get(u.body_hash);
      uploads.set(indexOf.get(u.client_id) as number, new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)));
    }
    const selfSeedShares = new Map<number, Uint8Array[]>();
    const privateKeyShares = new Map<number, Uint8Array[]>();
    const push = (m: Map<number, Uint8Array[]>, of: number, share: string) => m.set(of, [...(m.get(of) ?? []), unb64(share)]);
    for (const rv of this.store.reveals(k)) {
      const body = SecAggRevealRequestSchema.parse(JSON.parse(rv.body));
      for (const s of body.selfSeed) push(selfSeedShares, s.of, s.share);
      for (const s of body.privateKey) push(privateKeyShares, s.of, s.share);
    }
    const sum = await unmaskSum({
      round: secAggRoundLabel(f.initialHash, round.id, r.attempt),
      threshold: r.threshold as number,
      length,
      advertisements: shared.map(advertisement),
      uploads,
      selfSeedShares,
      privateKeyShares,
    });
    const agg = f.config.aggregation;
    const out = aggregateSecureSum({
      kind,
      global: this.deps.vector(round.base_hash),
      control: round.control_hash ? this.deps.vector(round.control_hash) : null,
      sum: decodeFixed(sum, { scaleBits: r.scale_bits as number, range: f.config.secureAggregation?.range ?? 1 }),
      contributors: uploads.size,
      totalClients: this.deps.store.activeClientCount(),
      ...(agg.name === 'scaffold' ? { scaffoldLearningRate: agg.globalLearningRate } : {}),
    });
    return { out, contributions: rows.map((u) => ({ clientId: u.client_id, sampleCount: 0, bodyHash: u.body_hash })) };
  }

  // ---- tasks ----

  task(f: FederationRow, round: RoundRow, clientId: string, train: () => TrainTask, wait: (reason: string) => ClientTask): ClientTask {
    const r = this.store.round(round.id);
    if (!r) return wait(`round ${round.id} is setting up secure aggregation`);
    const k: Key = { roundId: round.id, attempt: r.attempt };
    const me = this.store.member(k, clientId);
    const base = { cycle: CycleIndexSchema.parse(f.cycle), deadline: iso(r.stage_deadline), roundId: RoundIdSchema.parse(round.id), attempt: r.attempt };
    if (r.stage === 'keys') {
      if (me) return wait(`keys received for round ${round.id}; waiting for the other clinics`);
      if (this.full(f, k)) return wait(`round ${round.id} has the most members secure aggregation can sum at its range; this clinic joins the next round`);
      return { kind: 'secagg-keys', ...base };
    }
    if (!me) return wait(`round ${round.id} started its secure aggregation without this clinic; it joins the next round`);
    const members = this.store.members(k);
    const shared = members.filter((m) => m.shared === 1);
    const threshold = r.threshold as number;
    switch (r.stage) {
      case 'shares':
        if (me.shared === 1) return wait(`shares received for round ${round.id}; waiting for the other clinics`);
        return { kind: 'secagg-shares', ...base, index: me.idx, threshold, members: members.map(wireMember) };
      case 'upload': {
        if (me.shared !== 1) return wait(`round ${round.id} went on without this clinic's shares; it joins the next round`);
        if (this.store.upload(k, clientId)) return wait(`masked update for round ${round.id} received; waiting for the other clinics`);
        const inRound = new Set(shared.map((m) => m.idx));
        const incoming = this.store
          .sharesTo(k, me.idx)
          .filter((s) => inRound.has(s.from_idx))
          .map((s) => ({ from: s.from_idx, to: me.idx, sealed: b64(s.sealed) }));
        const c = f.config;
        const kind = secureKind(c);
        return {
          ...train(),
          deadline: base.deadline,
          secureAggregation: {
            attempt: r.attempt,
            index: me.idx,
            threshold,
            members: shared.map(wireMember),
            incoming,
            kind,
            vectorLength: secureVectorLength(kind, f.paramCount),
            scaleBits: r.scale_bits as number,
            range: c.secureAggregation?.range ?? 1,
            weightCap: c.secureAggregation?.weightCap ?? 1,
            normBound: updateNormBound(this.deps.vector(round.base_hash), c),
            ...(c.differentialPrivacy ? { clipNorm: f.dpClipNorm ?? c.differentialPrivacy.clipNorm } : {}),
          },
        };
      }
      case 'unmask': {
        if (!this.store.upload(k, clientId)) return wait(`round ${round.id} is being unmasked without this clinic's update`);
        if (this.store.reveal(k, clientId)) return wait(`shares revealed for round ${round.id}; the server is removing the masks`);
        const uploaded = new Set(this.store.uploads(k).map((u) => u.client_id));
        return {
          kind: 'secagg-unmask',
          ...base,
          threshold,
          survivors: shared.filter((m) => uploaded.has(m.client_id)).map((m) => m.idx),
          dropped: shared.filter((m) => !uploaded.has(m.client_id)).map((m) => m.idx),
        };
      }
    }
  }

  // ---- reports ----

  /** The attempt already has as many members as the 32-bit sum can hold at the federation's range. */
  private full(f: FederationRow, k: Key): boolean {
    const range = f.config.secureAggregation?.range;
    return range !== undefined && this.store.members(k).length >= maxSecureMembers(range);
  }

  /** The round and its secure state, checked against the attempt and stage a message is for. */
  private current(roundId: number, attempt: number, stage: SecAggStage): { round: RoundRow; r: SecAggRoundRow; k: Key } {
    const round = this.deps.store.round(roundId);
    if (!round) throw new NotFoundError(`round ${roundId} does not exist`);
    if (round.status !== 'open') throw new StaleRoundError(`round ${roundId} is closed`);
    const r = this.store.round(roundId);
    if (!r || r.attempt !== attempt) throw new StaleRoundError(`round ${roundId} is at secure-aggregation attempt ${r?.attempt ?? 0}; this message was for attempt ${attempt}`);
    if (r.stage !== stage) throw new WrongPhaseError(`round ${roundId} is at the secure-aggregation stage '${r.stage}', not '${stage}'`);
    return { round, r, k: { roundId, attempt } };
  }

  submitKeys(clientId: string, roundId: number, attempt: number, req: SecAggKeysRequest): { index: number } {
    return this.deps.store.transaction(() => {
      const { k } = this.current(roundId, attempt, 'keys');
      const keys = { mask_key: unb64(req.maskKey), encryption_key: unb64(req.encryptionKey), self_commit: unb64(req.selfSeedCommitment), key_commit: unb64(req.maskKeyCommitment) };
      const existing = this.store.member(k, clientId);
      if (existing) {
        if (Buffer.compare(existing.mask_key, keys.mask_key) === 0 && Buffer.compare(existing.encryption_key, keys.encryption_key) === 0) return { index: existing.idx };
        throw new ConflictError(`this clinic already sent other keys for round ${roundId}, attempt ${attempt}`);
      }
      if (this.full(this.deps.store.federation(), k)) throw new ConflictError(`round ${roundId} already has the ${this.store.members(k).length} members secure aggregation can sum at its range; this clinic joins the next round`);
      const clash = this.store.members(k).find((m) => Buffer.compare(m.mask_key, keys.mask_key) === 0 || Buffer.compare(m.encryption_key, keys.encryption_key) === 0);
      if (clash) throw new ConflictError('these public keys are already another member\u2019s: every clinic draws its own');
      return { index: this.store.insertMember(k, { client_id: clientId, ...keys }) };
    });
  }

  submitShares(clientId: string, roundId: number, attempt: number, shares: readonly { to: number; sealed: string }[]): void {
    this.deps.store.transaction(() => {
      const { k } = this.current(roundId, attempt, 'shares');
      const me = this.store.member(k, clientId);
      if (!me) throw new ForbiddenError(`this clinic is not a member of round ${roundId}'s secure aggregation`);
      const members = this.store.members(k).map((m) => m.idx);
      const to = shares.map((s) => s.to).sort((a, b) => a - b);
      if (to.length !== members.length || to.some((v, i) => v !== members[i])) {
        throw new InvalidUpdateError(`shares must go to each of the ${members.length} members exactly once (indices ${members.join(', ')})`);
      }
      if (me.shared === 1) {
        const stored = this.store.sharesFrom(k, me.idx);
        const same = stored.every((s) => shares.some((x) => x.to === s.to_idx && x.sealed === b64(s.sealed)));
        if (same) return;
        throw new ConflictError(`this clinic already sent other shares for round ${roundId}, attempt ${attempt}`);
      }
      this.store.insertShares(k, me.idx, shares.map((s) => ({ to: s.to, sealed: unb64(s.sealed) })));
    });
  }

  async submitMasked(clientId: string, roundId: number, attempt: number, body: Uint8Array): Promise<{ duplicate: boolean }> {
    const f = this.deps.store.federation();
    const { k } = this.current(roundId, attempt, 'upload');
    const me = this.store.member(k, clientId);
    if (me?.shared !== 1) throw new ForbiddenError(`this clinic did not share its keys in round ${roundId}, attempt ${attempt}: its upload could not be unmasked`);
    const bytes = this.maskedBytes(f);
    if (body.length !== bytes) throw new InvalidUpdateError(`a masked update for this federation has ${bytes} bytes (${bytes / 4} fixed-point values); got ${body.length}`);
    const hash = sha256Hex(body);
    const existing = this.store.upload(k, clientId);
    if (existing) {
      if (existing.body_hash === hash) return { duplicate: true };
      throw new ConflictError(`a different masked update from this clinic is already stored for round ${roundId}`);
    }
    await this.deps.blobs.putAsync(body, hash);
    this.deps.fault('masked:blob-written');
    const result = this.deps.store.transaction(() => {
      this.current(roundId, attempt, 'upload');
      const raced = this.store.upload(k, clientId);
      if (raced) {
        if (raced.body_hash === hash) return { duplicate: true };
        throw new ConflictError(`a different masked update from this clinic is already stored for round ${roundId}`);
      }
      this.store.insertUpload(k, clientId, hash, this.deps.clock());
      return { duplicate: false };
    });
    if (!result.duplicate) this.deps.fault('masked:committed');
    return result;
  }

  submitReveal(clientId: string, roundId: number, attempt: number, req: SecAggRevealRequest): void {
    this.deps.store.transaction(() => {
      const { k } = this.current(roundId, attempt, 'unmask');
      if (!this.store.upload(k, clientId)) throw new ForbiddenError('only a clinic whose masked update is in the sum reveals shares');
      const body = JSON.stringify(req);
      const existing = this.store.reveal(k, clientId);
      if (existing) {
        if (existing.body === body) return;
        throw new ConflictError(`this clinic already revealed other shares for round ${roundId}`);
      }
      const shared = this.store.members(k).filter((m) => m.shared === 1);
      const uploaded = new Set(this.store.uploads(k).map((u) => u.client_id));
      const survivors = new Set(shared.filter((m) => uploaded.has(m.client_id)).map((m) => m.idx));
      const dropped = new Set(shared.filter((m) => !uploaded.has(m.client_id)).map((m) => m.idx));
      const seen = new Set<number>();
      for (const [list, allowed, what] of [[req.selfSeed, survivors, 'self-seed shares are revealed only for clinics that uploaded'], [req.privateKey, dropped, 'key shares are revealed only for clinics that dropped out']] as const) {
        for (const s of list) {
          if (!allowed.has(s.of) || seen.has(s.of)) throw new InvalidUpdateError(`reveal for member ${s.of} refused: ${what}, once each`);
          seen.add(s.of);
        }
      }
      this.store.insertReveal(k, clientId, body, this.deps.clock());
    });
    this.deps.fault('reveal:committed');
  }
}
