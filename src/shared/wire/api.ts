// JSON bodies of the federation HTTP API (v1). Binary bodies (updates, model blobs) live in
// update-codec.ts. Every schema here is what the server validates on the way in and what the
// client validates on the way back.
import { z } from 'zod';
import { AggregationConfigSchema, FederationConfigSchema, SelectionStrategySchema, ModelSpecSchema } from './federation-config';
import {
  ClientCredentialSchema,
  ClientIdSchema,
  CycleIndexSchema,
  EnrolmentCodeSchema,
  ModelHashSchema,
  RoundIdSchema,
} from './ids';
import { SecAggKeysTaskSchema, SecAggSharesTaskSchema, SecAggUnmaskTaskSchema, SecureTrainSchema } from './secagg-api';

export const API_PREFIX = '/v1';

// ---- errors -------------------------------------------------------------------------------

export const ErrorCodeSchema = z.enum([
  'bad_request', // malformed JSON / body / path parameter
  'unauthorized', // missing or unknown credential
  'forbidden', // revoked credential, or client credential on an admin endpoint
  'not_found',
  'conflict', // e.g. a different update already stored for this client and round
  'stale_round', // update for a round that is closed or not yet open
  'wrong_phase', // e.g. gamma outside the query phase
  'invalid_update', // update failed validation (shape, NaN, norm, header)
  'payload_too_large',
  'invalid_code', // enrolment code unknown, used or expired
  'rate_limited', // too many failed attempts from this address: wait and retry
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;
export const ErrorBodySchema = z.strictObject({ error: z.strictObject({ code: ErrorCodeSchema, message: z.string() }) });
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

// ---- enrolment ----------------------------------------------------------------------------

/** POST /v1/enrol (no auth). */
export const EnrolRequestSchema = z.strictObject({
  code: EnrolmentCodeSchema,
  /** Free text the admin sees in status, e.g. the clinic name. */
  displayName: z.string().min(1).max(200).optional(),
});
export type EnrolRequest = z.infer<typeof EnrolRequestSchema>;

/** What a client may know about the federation (everything in the config; it holds no secrets). */
export const PublicFederationSchema = z.strictObject({
  config: FederationConfigSchema,
  /** Hash of the initial (cycle start) weights; their length is the model's parameter count. */
  initialModelHash: ModelHashSchema,
  paramCount: z.number().int().positive(),
});
export type PublicFederation = z.infer<typeof PublicFederationSchema>;

export const EnrolResponseSchema = z.strictObject({
  clientId: ClientIdSchema,
  /** Shown once; send it as `Authorization: Bearer <credential>`. */
  credential: ClientCredentialSchema,
  federation: PublicFederationSchema,
});
export type EnrolResponse = z.infer<typeof EnrolResponseSchema>;

// ---- tasks (GET /v1/task[?waitMs=N]) ------------------------------------------------------

const TaskBase = { cycle: CycleIndexSchema, deadline: z.iso.datetime() };

export const TrainTaskSchema = z.strictObject({
  kind: z.literal('train'),
  ...TaskBase,
  roundId: RoundIdSchema,
  /** 0-based round within the cycle. */
  roundIndex: z.number().int().nonnegative(),
  roundsPerCycle: z.number().int().positive(),
  /** Download GET /v1/models/:hash, verify sha256, train from it, and name it in the update header. */
  baseModelHash: ModelHashSchema,
  paramCount: z.number().int().positive(),
  localEpochs: z.number().int().positive(),
  learningRate: z.number().positive(),
  aggregation: AggregationConfigSchema,
  /** SCAFFOLD only: hash of the server control variate c for this round. */
  controlHash: ModelHashSchema.optional(),
  /** Secure aggregation: the upload is a masked contribution, built as this says. */
  secureAggregation: SecureTrainSchema.optional(),
});
export type TrainTask = z.infer<typeof TrainTaskSchema>;

/** First query cycle only: compute gamma_k with the final global model and POST it. */
export const SubmitGammaTaskSchema = z.strictObject({
  kind: z.literal('submit-gamma'),
  ...TaskBase,
  modelHash: ModelHashSchema,
});
export type SubmitGammaTask = z.infer<typeof SubmitGammaTaskSchema>;

/** Select samples with the strategy (using gammaBar and the final global model), label, report ready. */
export const QueryAndLabelTaskSchema = z.strictObject({
  kind: z.literal('query-and-label'),
  ...TaskBase,
  modelHash: ModelHashSchema,
  /** null: no clinic shared its gamma_k; each uses its own. */
  gammaBar: z.number().min(0).max(1).nullable(),
  /** This client's number of new labels this cycle. */
  budget: z.number().int().nonnegative(),
  strategy: SelectionStrategySchema,
});
export type QueryAndLabelTask = z.infer<typeof QueryAndLabelTaskSchema>;

/** Nothing to do now (already reported, or between phases). Poll again after retryAfterMs. */
export const WaitTaskSchema = z.strictObject({
  kind: z.literal('wait'),
  reason: z.string(),
  retryAfterMs: z.number().int().nonnegative(),
});
export type WaitTask = z.infer<typeof WaitTaskSchema>;

export const FinishedTaskSchema = z.strictObject({
  kind: z.literal('finished'),
  finalModelHash: ModelHashSchema,
  /** Why training ended: every cycle ran, or differential privacy's budget was spent (issue 19). */
  reason: z.enum(['completed', 'privacy-budget']).default('completed'),
  /** With differential privacy: the guarantee the published models carry. */
  privacy: z.strictObject({ epsilon: z.number().nonnegative(), delta: z.number(), rounds: z.number().int().nonnegative() }).optional(),
});
export type FinishedTask = z.infer<typeof FinishedTaskSchema>;

/** What the server asks a client to do next (GET /v1/task): train a round, report gamma, query and label, wait, or stop. */
export const ClientTaskSchema = z.discriminatedUnion('kind', [
  TrainTaskSchema,
  SubmitGammaTaskSchema,
  QueryAndLabelTaskSchema,
  WaitTaskSchema,
  FinishedTaskSchema,
  SecAggKeysTaskSchema,
  SecAggSharesTaskSchema,
  SecAggUnmaskTaskSchema,
]);
export type ClientTask = z.infer<typeof ClientTaskSchema>;

// ---- client reports -----------------------------------------------------------------------

/** Response to POST /v1/rounds/:roundId/update (binary body, see update-codec.ts). */
export const UpdateAcceptedSchema = z.strictObject({
  accepted: z.literal(true),
  /** True when this exact update was already stored (a retry); it is counted once. */
  duplicate: z.boolean(),
  roundId: RoundIdSchema,
});
export type UpdateAccepted = z.infer<typeof UpdateAcceptedSchema>;

/** POST /v1/cycles/:cycle/gamma. gamma_k = min_c pi_g[c] / max_c pi_g[c]. */
/** gamma null: the clinic withholds its gamma_k (the report still closes the phase). */
export const GammaReportSchema = z.strictObject({ gamma: z.number().min(0).max(1).nullable() });
export type GammaReport = z.infer<typeof GammaReportSchema>;

/** POST /v1/cycles/:cycle/ready: this client finished labeling its query. */
export const ReadyReportSchema = z.strictObject({});
export type ReadyReport = z.infer<typeof ReadyReportSchema>;

/**
 * POST /v1/rounds/:roundId/metrics: optional metrics a client chooses to share about the
 * global model that round produced, measured on its held-out labels (never trained on). Never label counts.
 */
export const RoundMetricsReportSchema = z.strictObject({ localTestAccuracy: z.number().min(0).max(1) });
export type RoundMetricsReport = z.infer<typeof RoundMetricsReportSchema>;

export const OkSchema = z.strictObject({ ok: z.literal(true) });

// ---- admin --------------------------------------------------------------------------------

/** POST /v1/admin/enrolment-codes. */
export const CreateEnrolmentCodesRequestSchema = z.strictObject({
  count: z.number().int().min(1).max(1000).default(1),
  ttlHours: z.number().positive().max(24 * 365).default(72),
});
export const CreateEnrolmentCodesResponseSchema = z.strictObject({
  codes: z.array(EnrolmentCodeSchema),
  expiresAt: z.iso.datetime(),
});

export const ClientSummarySchema = z.strictObject({
  clientId: ClientIdSchema,
  displayName: z.string().nullable(),
  enrolledAt: z.iso.datetime(),
  revokedAt: z.iso.datetime().nullable(),
});
export type ClientSummary = z.infer<typeof ClientSummarySchema>;

export const PhaseSchema = z.enum(['training', 'query', 'labeling', 'finished']);
export type Phase = z.infer<typeof PhaseSchema>;

export const ModelVersionSummarySchema = z.strictObject({
  hash: ModelHashSchema,
  kind: z.enum(['initial', 'global']),
  cycle: CycleIndexSchema.nullable(),
  roundId: RoundIdSchema.nullable(),
  createdAt: z.iso.datetime(),
  /** Lineage: which clients' updates went into it (sample counts are kept private). */
  contributors: z.array(ClientIdSchema),
});
export type ModelVersionSummary = z.infer<typeof ModelVersionSummarySchema>;

export const RoundSummarySchema = z.strictObject({
  roundId: RoundIdSchema,
  cycle: CycleIndexSchema,
  roundIndex: z.number().int().nonnegative(),
  status: z.enum(['open', 'closed']),
  openedAt: z.iso.datetime(),
  deadline: z.iso.datetime(),
  closedAt: z.iso.datetime().nullable(),
  baseModelHash: ModelHashSchema,
  resultModelHash: ModelHashSchema.nullable(),
  reported: z.array(ClientIdSchema),
  /** Shared metrics of the global model this round produced: mean over reporting clients. */
  metrics: z.strictObject({ reporters: z.number().int().nonnegative(), meanLocalTestAccuracy: z.number().nullable() }),
  /** An open round under secure aggregation: its attempt and stage (members and threshold once fixed). */
  secureAggregation: z
    .strictObject({
      attempt: z.number().int().nonnegative(),
      stage: z.enum(['keys', 'shares', 'upload', 'unmask']),
      members: z.number().int().nullable(),
      threshold: z.number().int().nullable(),
    })
    .optional(),
});
export type RoundSummary = z.infer<typeof RoundSummarySchema>;

/** GET /status and GET /v1/status (admin). */
export const StatusSchema = z.strictObject({
  federation: z.strictObject({ name: z.string(), model: ModelSpecSchema, aggregation: AggregationConfigSchema }),
  phase: PhaseSchema,
  cycle: CycleIndexSchema,
  phaseDeadline: z.iso.datetime().nullable(),
  currentRound: RoundSummarySchema.nullable(),
  gammaBar: z.number().nullable(),
  gammaReported: z.array(ClientIdSchema),
  ready: z.array(ClientIdSchema),
  latestModelHash: ModelHashSchema,
  clients: z.array(ClientSummarySchema),
  recentRounds: z.array(RoundSummarySchema),
  versions: z.array(ModelVersionSummarySchema),
  /** Differential privacy's guarantee so far (null: the federation does not use it). */
  privacy: z
    .strictObject({
      noiseMultiplier: z.number(),
      clipNorm: z.number(),
      delta: z.number(),
      /** Published rounds, each a use of the Gaussian mechanism. */
      rounds: z.number().int().nonnegative(),
      epsilon: z.number().nonnegative(),
      /** Each cycle's rounds and epsilon alone, and the total at its end. */
      cycles: z.array(z.strictObject({ cycle: z.number().int().nonnegative(), rounds: z.number().int().nonnegative(), epsilon: z.number().nonnegative(), cumulativeEpsilon: z.number().nonnegative() })),
      targetEpsilon: z.number().nullable(),
      /** The next round would go past targetEpsilon: training stopped. */
      budgetSpent: z.boolean(),
    })
    .nullable(),
});
export type Status = z.infer<typeof StatusSchema>;

