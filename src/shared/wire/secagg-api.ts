// Secure aggregation's messages (issue 19): a round under secure aggregation runs four stages,
// each a task for the clinics and one POST back.
//   keys    -> POST /v1/rounds/:roundId/secagg/:attempt/keys     two X25519 public keys, commitments
//   shares  -> POST .../shares   t-of-n shares of its secrets, each sealed to one member
//   train   -> POST .../masked   the masked, fixed-point contribution (binary, little-endian u32)
//   unmask  -> POST .../reveal   survivors reveal the shares that remove the masks of the sum
// A failed attempt (too few survivors) reveals nothing and the round starts again at keys with
// attempt + 1. Byte strings travel as base64.
import { z } from 'zod';
import { CycleIndexSchema, RoundIdSchema } from './ids';

const bytes = (min: number, max: number) =>
  z
    .base64()
    .refine((s) => {
      const n = Math.floor((s.length * 3) / 4) - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0);
      return n >= min && n <= max;
    }, `expected base64 of ${min === max ? min : `${min}-${max}`} bytes`);

const key = bytes(32, 32);
const MemberIndexSchema = z.number().int().min(1).max(100_000);
const AttemptSchema = z.number().int().nonnegative().max(1000);
const TaskBase = { cycle: CycleIndexSchema, deadline: z.iso.datetime(), roundId: RoundIdSchema, attempt: AttemptSchema };

/** A member of the round as every other member sees it. */
export const SecAggMemberSchema = z.strictObject({
  index: MemberIndexSchema,
  maskKey: key,
  encryptionKey: key,
  selfSeedCommitment: key,
  maskKeyCommitment: key,
});
export type SecAggMember = z.infer<typeof SecAggMemberSchema>;

export const SecAggKeysRequestSchema = SecAggMemberSchema.omit({ index: true });
export type SecAggKeysRequest = z.infer<typeof SecAggKeysRequestSchema>;
export const SecAggKeysResponseSchema = z.strictObject({ index: MemberIndexSchema });

export const SealedShareSchema = z.strictObject({ from: MemberIndexSchema, to: MemberIndexSchema, sealed: bytes(28, 512) });
export type SealedShareWire = z.infer<typeof SealedShareSchema>;

export const SecAggSharesRequestSchema = z.strictObject({ shares: z.array(SealedShareSchema.omit({ from: true })).min(1).max(100_000) });

const RevealedShareSchema = z.strictObject({ of: MemberIndexSchema, share: bytes(2, 256) });
export const SecAggRevealRequestSchema = z.strictObject({
  selfSeed: z.array(RevealedShareSchema).max(100_000),
  privateKey: z.array(RevealedShareSchema).max(100_000),
});
export type SecAggRevealRequest = z.infer<typeof SecAggRevealRequestSchema>;

/** Stage keys: advertise this round's public keys. */
export const SecAggKeysTaskSchema = z.strictObject({ kind: z.literal('secagg-keys'), ...TaskBase });
export type SecAggKeysTask = z.infer<typeof SecAggKeysTaskSchema>;

/** Stage shares: share both secrets with every member (t of n), sealed to each. */
export const SecAggSharesTaskSchema = z.strictObject({
  kind: z.literal('secagg-shares'),
  ...TaskBase,
  index: MemberIndexSchema,
  threshold: z.number().int().min(2),
  members: z.array(SecAggMemberSchema).min(3),
});
export type SecAggSharesTask = z.infer<typeof SecAggSharesTaskSchema>;

/** Stage unmask: who uploaded (survivors) and who did not (dropped), among the members that shared. */
export const SecAggUnmaskTaskSchema = z.strictObject({
  kind: z.literal('secagg-unmask'),
  ...TaskBase,
  threshold: z.number().int().min(2),
  survivors: z.array(MemberIndexSchema),
  dropped: z.array(MemberIndexSchema),
});
export type SecAggUnmaskTask = z.infer<typeof SecAggUnmaskTaskSchema>;

/** What a train task adds under secure aggregation: how to build and mask the upload. */
export const SecureTrainSchema = z.strictObject({
  attempt: AttemptSchema,
  index: MemberIndexSchema,
  threshold: z.number().int().min(2),
  /** The members that shared (the masks run between them). */
  members: z.array(SecAggMemberSchema).min(3),
  /** The shares sealed to this client, one per member. */
  incoming: z.array(SealedShareSchema),
  kind: z.enum(['weighted', 'scaffold', 'dp', 'dp-adaptive']),
  /** Differential privacy: this round's clipping norm (adaptive clipping moves it between rounds). */
  clipNorm: z.number().positive().optional(),
  vectorLength: z.number().int().positive(),
  scaleBits: z.number().int().min(8).max(24),
  range: z.number().positive(),
  weightCap: z.number().int().positive(),
  /** The round's bound on ||w - w_global||: the clinic clips to it itself. */
  normBound: z.number().positive(),
});
export type SecureTrain = z.infer<typeof SecureTrainSchema>;

export const b64 = (b: Uint8Array): string => btoa(String.fromCharCode(...b));
export const unb64 = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
