// Branded ids that cross the client <-> server boundary. Parse them with these schemas at
// every boundary so a plain string can never be passed where an id is expected.
import { z } from 'zod';

/** An enrolled client, assigned by the server at enrolment: `cl_` + 16 lowercase hex. */
export const ClientIdSchema = z.string().regex(/^cl_[0-9a-f]{16}$/, 'client id must be cl_ + 16 hex').brand<'ClientId'>();
export type ClientId = z.infer<typeof ClientIdSchema>;

/** A training round, unique across the whole federation (not restarted per cycle). */
export const RoundIdSchema = z.number().int().positive().brand<'RoundId'>();
export type RoundId = z.infer<typeof RoundIdSchema>;

/** Active-learning cycle index, 0-based. */
export const CycleIndexSchema = z.number().int().nonnegative().brand<'CycleIndex'>();
export type CycleIndex = z.infer<typeof CycleIndexSchema>;

/** sha256 of a model (or control variate) blob, lowercase hex. Blobs are content addressed. */
export const ModelHashSchema = z.string().regex(/^[0-9a-f]{64}$/, 'model hash must be 64 lowercase hex').brand<'ModelHash'>();
export type ModelHash = z.infer<typeof ModelHashSchema>;

/** The secret a client sends as `Authorization: Bearer <credential>`. Server stores only sha256. */
export const ClientCredentialSchema = z.string().regex(/^ffc_[A-Za-z0-9_-]{43}$/, 'malformed client credential').brand<'ClientCredential'>();
export type ClientCredential = z.infer<typeof ClientCredentialSchema>;

/** One-time enrolment code handed out by an admin (typed by a human, so short groups). */
export const EnrolmentCodeSchema = z.string().regex(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){3}$/, 'enrolment code looks like ABCD-EFGH-JKLM-NPQR').brand<'EnrolmentCode'>();
export type EnrolmentCode = z.infer<typeof EnrolmentCodeSchema>;
