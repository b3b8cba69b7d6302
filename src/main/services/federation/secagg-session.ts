// A clinic's side of a secure-aggregation round (issue 19). Its secrets for the round (two
// X25519 keys and the self-mask seed) are stored in node.sqlite BEFORE anything is sent, so a
// restart of the app resumes its part; the shares others sealed to it stay sealed on disk until
// the unmask stage. One round at a time: a new round or attempt replaces the old secrets.
// It reveals at most once per attempt, and never both secrets of one member.
import { z } from 'zod';
import { encodeFixed, newClientSecrets, SecAggClient, secAggRoundLabel, SecAggError, type Advertisement } from '../../../platform/secagg';
import { b64, unb64, type SecAggKeysRequest, type SecAggMember, type SecAggRevealRequest, type SecAggSharesTask, type SecAggUnmaskTask, type SecureTrain } from '../../../shared/wire';
import { KvCell, type Db } from '../storage/node-db';
import { MIN_SECURE_SURVIVORS, secureThreshold } from '../../../core/protocol/secure-sum';

const StateSchema = z.object({
  roundId: z.number().int(),
  attempt: z.number().int(),
  maskKey: z.string(),
  encryptionKey: z.string(),
  selfSeed: z.string(),
  /** From the train task: the members (to open shares) and the sealed shares addressed to us. */
  members: z.array(z.object({ index: z.number(), maskKey: z.string(), encryptionKey: z.string(), selfSeedCommitment: z.string(), maskKeyCommitment: z.string() })).default([]),
  incoming: z.array(z.object({ from: z.number(), to: z.number(), sealed: z.string() })).default([]),
  revealed: z.boolean().default(false),
  /** The threshold agreed at the shares stage: an unmask task must carry the same. */
  threshold: z.number().int().optional(),
});
type State = z.infer<typeof StateSchema>;

const toAd = (m: SecAggMember): Advertisement => ({
  index: m.index,
  publicKey: unb64(m.maskKey),
  encryptionKey: unb64(m.encryptionKey),
  selfSeedCommitment: unb64(m.selfSeedCommitment),
  privateKeyCommitment: unb64(m.maskKeyCommitment),
});

export class SecAggSession {
  private readonly cell: KvCell<typeof StateSchema>;

  constructor(
    db: Db,
    /** The federation's initial model hash: every mask and seal is bound to it. */
    private readonly federation: () => string,
  ) {
    this.cell = new KvCell(db, 'federation.secagg-round', StateSchema);
  }

  private state(roundId: number, attempt: number): State | null {
    const s = this.cell.get();
    return s && s.roundId === roundId && s.attempt === attempt ? s : null;
  }

  private client(s: State, index: number): SecAggClient {
    return new SecAggClient(index, secAggRoundLabel(this.federation(), s.roundId, s.attempt), { maskKey: unb64(s.maskKey), encryptionKey: unb64(s.encryptionKey), selfSeed: unb64(s.selfSeed) });
  }

  /** Whether this app holds the secrets of a round's attempt (it lost them if its data folder was restored). */
  holds(roundId: number, attempt: number): boolean {
    return this.state(roundId, attempt) !== null;
  }

  /** Drops a round's secrets: the clinic sits the rest of that attempt out (nothing it holds is needed by the others). */
  forget(roundId: number, attempt: number): void {
    if (this.state(roundId, attempt)) this.cell.delete();
  }

  /** Stage keys: this attempt's public keys (fresh secrets are stored first). */
  keys(roundId: number, attempt: number): SecAggKeysRequest {
    let s = this.state(roundId, attempt);
    if (!s) {
      const fresh = newClientSecrets();
      s = StateSchema.parse({ roundId, attempt, maskKey: b64(fresh.maskKey), encryptionKey: b64(fresh.encryptionKey), selfSeed: b64(fresh.selfSeed) });
      this.cell.set(s);
    }
    const ad = this.client(s, 1).advertise();
    return { maskKey: b64(ad.publicKey), encryptionKey: b64(ad.encryptionKey), selfSeedCommitment: b64(ad.selfSeedCommitment), maskKeyCommitment: b64(ad.privateKeyCommitment) };
  }

  /** The member entry the server lists under our index must carry our own keys. */
  private checkSelf(s: State, index: number, members: readonly SecAggMember[]): void {
    const mine = members.find((m) => m.index === index);
    const expected = this.keys(s.roundId, s.attempt);
    if (!mine || mine.maskKey !== expected.maskKey || mine.encryptionKey !== expected.encryptionKey) {
      throw new SecAggError(`the server lists other keys under this clinic's index ${index}: refusing to take part in round ${s.roundId}`);
    }
  }

  /** Stage shares, or null when this app lost the round's secrets (it sits the round out). */
  async shares(task: SecAggSharesTask, survivorFraction: number): Promise<{ shares: { to: number; sealed: string }[] } | null> {
    const s = this.state(task.roundId, task.attempt);
    if (!s) return null;
    this.checkSelf(s, task.index, task.members);
    // The server could otherwise ask two small groups for both secrets of one clinic, or unmask a sum of two.
    const n = task.members.length;
    const least = secureThreshold(n, survivorFraction);
    if (n < MIN_SECURE_SURVIVORS || task.threshold < least || task.threshold > n) {
      throw new SecAggError(`the server asks for ${task.threshold} of ${n} survivors to unmask round ${task.roundId}; this federation's rule needs ${least} (at least 3 and a majority): refusing to share keys`);
    }
    this.cell.set({ ...s, threshold: task.threshold });
    const sealed = await this.client(s, task.index).sealedShares(task.members.map(toAd), task.threshold);
    return { shares: sealed.map((x) => ({ to: x.to, sealed: b64(x.sealed) })) };
  }

  /**
   * The masked upload of a contribution (core/protocol secureContribution), as the bytes the
   * server stores: fixed point, pairwise and self masks added. Null without the round's secrets.
   */
  maskedUpload(roundId: number, sa: SecureTrain, contribution: Float64Array): Uint8Array | null {
    const s = this.state(roundId, sa.attempt);
    if (!s) return null;
    this.checkSelf(s, sa.index, sa.members);
    if (contribution.length !== sa.vectorLength) throw new SecAggError(`the contribution has ${contribution.length} values, the round expects ${sa.vectorLength}`);
    this.cell.set({ ...s, members: sa.members, incoming: sa.incoming });
    const encoded = encodeFixed(contribution, { scaleBits: sa.scaleBits, range: sa.range });
    const keys = new Map(sa.members.map((m) => [m.index, unb64(m.maskKey)]));
    const masked = this.client(s, sa.index).maskedInput(encoded, { keys });
    return new Uint8Array(masked.buffer, masked.byteOffset, masked.byteLength);
  }

  /** Stage unmask: the shares that remove the masks of the sum; null when nothing may be revealed. */
  reveal(task: SecAggUnmaskTask, index: number | null): SecAggRevealRequest | null {
    const s = this.state(task.roundId, task.attempt);
    if (!s || s.revealed || s.members.length === 0) return null;
    if (s.threshold !== undefined && task.threshold !== s.threshold) {
      throw new SecAggError(`the unmask task for round ${task.roundId} names threshold ${task.threshold}, the shares were made for ${s.threshold}: nothing is revealed`);
    }
    const me = index ?? s.members.find((m) => m.maskKey === this.keys(s.roundId, s.attempt).maskKey)?.index;
    if (me === undefined) return null;
    const client = this.client(s, me);
    const ads = s.members.map(toAd);
    const held = [];
    for (const x of s.incoming) {
      try {
        held.push(...client.openShares(ads, [{ from: x.from, to: x.to, sealed: unb64(x.sealed) }]));
      } catch {
        // A share that does not open is not revealed; the other survivors' shares cover it.
      }
    }
    const r = client.reveal(held, task.survivors, task.dropped, task.threshold);
    this.cell.set({ ...s, revealed: true });
    return {
      selfSeed: [...r.selfSeed].map(([of, share]) => ({ of, share: b64(share) })),
      privateKey: [...r.privateKey].map(([of, share]) => ({ of, share: b64(share) })),
    };
  }
}
