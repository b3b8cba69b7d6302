/**
 * The one message protocol between the engine worker and its host. Every message crossing the
 * thread boundary is parsed with these schemas on arrival; requests carry an id, every reply
 * and progress event names the id it belongs to.
 */
import { z } from 'zod';

// z.custom keeps the plain Float32Array type (its buffer may be shared or transferred).
const f32 = z.custom<Float32Array>((v) => v instanceof Float32Array, 'expected a Float32Array');
const i32 = z.custom<Int32Array>((v) => v instanceof Int32Array, 'expected an Int32Array');
const u8 = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected a Uint8Array');
const backendName = z.enum(['tensorflow', 'wasm', 'cpu']);

export const TensorSpecSchema = z.object({ name: z.string(), shape: z.array(z.number().int().positive()), trainable: z.boolean() });
export const WeightSetSchema = z.object({ specs: z.array(TensorSpecSchema), data: f32 });
export const ModelConfigSchema = z.object({
  name: z.string().min(1),
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  /** 1 or 3 for images; a feature head (linear-head) takes [1, 1, D]. The model's describe() checks. */
  channels: z.number().int().positive(),
  numClasses: z.number().int().min(2),
  inputScaling: z.enum(['unit', 'centered']).optional(),
});

export const TrainOptionsSchema = z.object({
  epochs: z.number().int().positive(),
  lr: z.number().positive(),
  batchSize: z.number().int().positive().optional(),
  momentum: z.number().min(0).max(1).optional(),
  weightDecay: z.number().min(0).optional(),
  schedule: z.object({ milestones: z.array(z.number().int().nonnegative()), gamma: z.number().positive(), unit: z.enum(['epoch', 'batch']) }).optional(),
  hflip: z.boolean().optional(),
  proxMu: z.number().min(0).optional(),
  /** SCAFFOLD control variates c (server) and c_i (client), weight-set layout. */
  scaffold: z.object({ server: f32, client: f32 }).optional(),
  earlyStopAccuracy: z.number().min(0).max(1).optional(),
  earlyStopOn: z.enum(['running', 'eval']).optional(),
  minSteps: z.number().int().nonnegative().optional(),
  maxSteps: z.number().int().positive().optional(),
  sampling: z.enum(['shuffle', 'class-balanced']).optional(),
  augment: z
    .object({ hflip: z.boolean(), vflip: z.boolean(), rot90: z.boolean(), jitter: z.number().min(0).max(1), cropScale: z.number().gt(0).max(1) })
    .optional(),
  cosine: z.boolean().optional(),
  holdout: z.object({ indices: i32, everySteps: z.number().int().positive(), patience: z.number().int().positive() }).optional(),
  freeze: z.array(z.string().min(1)).optional(),
  seed: z.number().int(),
});

const id = z.number().int().nonnegative();
const job = { id, model: ModelConfigSchema, datasetId: z.string().min(1), indices: i32 };

export const RequestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('init'), id, prefer: z.array(backendName).optional() }),
  z.object({
    type: z.literal('registerDataset'),
    id,
    datasetId: z.string().min(1),
    /** Pixels, or precomputed float inputs (a backbone's features). */
    images: z.union([u8, f32]),
    labels: i32,
    count: z.number().int().nonnegative(),
    height: z.number().int().positive(),
    width: z.number().int().positive(),
    channels: z.number().int().positive(),
  }),
  z.object({ type: z.literal('dropDataset'), id, datasetId: z.string().min(1) }),
  z.object({ type: z.literal('train'), ...job, weights: WeightSetSchema, options: TrainOptionsSchema }),
  z.object({ type: z.literal('predict'), ...job, weights: WeightSetSchema, features: z.boolean(), batchSize: z.number().int().positive().optional() }),
  z.object({
    type: z.literal('embed'),
    ...job,
    featureWeights: WeightSetSchema,
    probsWeights: WeightSetSchema.optional(),
    labels: i32.optional(),
    batchSize: z.number().int().positive().optional(),
  }),
  z.object({ type: z.literal('evaluate'), ...job, weights: WeightSetSchema, batchSize: z.number().int().positive().optional() }),
  z.object({ type: z.literal('memory'), id }),
  z.object({ type: z.literal('cancel'), id, jobId: id }),
  /** A pretrained backbone's description (engine/backbone), loading and checking its file. */
  z.object({ type: z.literal('backboneInfo'), id, file: z.string().min(1) }),
  /** Its features of these images of a registered (pixel) dataset, [indices.length, featureDim]. */
  z.object({ type: z.literal('features'), id, file: z.string().min(1), datasetId: z.string().min(1), indices: i32 }),
]);
export type EngineRequest = z.infer<typeof RequestSchema>;

export const BackendReportSchema = z.object({
  active: backendName,
  attempts: z.array(z.object({ name: backendName, ok: z.boolean(), reason: z.string().optional() })),
  threads: z.number().int().positive(),
  kernels: z.string().optional(),
});

export const EpochStatSchema = z.object({ epoch: z.number(), loss: z.number(), accuracy: z.number(), lr: z.number() });
export const MetricsSchema = z.object({
  accuracy: z.number(),
  balancedAccuracy: z.number(),
  // NaN = the class does not occur in the evaluated labels (recall undefined), not an error.
  perClassRecall: z.array(z.number().or(z.nan())),
  confusion: z.array(z.array(z.number())),
  count: z.number(),
});

const BackboneInfoSchema = z.object({
  format: z.enum(['tfjs-layers', 'tfjs-graph', 'onnx']),
  sha256: z.string(),
  inputShape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
  inputScaling: z.enum(['unit', 'centered']),
  featureDim: z.number().int().positive(),
  description: z.string(),
});

export const ResultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ready'), backend: BackendReportSchema }),
  z.object({ kind: z.literal('ok') }),
  z.object({
    kind: z.literal('train'),
    weights: WeightSetSchema,
    history: z.array(EpochStatSchema),
    stoppedEarly: z.boolean(),
    steps: z.number().int(),
    lrSum: z.number(),
    scheduleUnit: z.enum(['epoch', 'batch', 'none']),
    best: z.object({ step: z.number().int(), heldOutLoss: z.number() }).optional(),
  }),
  z.object({ kind: z.literal('predict'), count: z.number(), numClasses: z.number(), probs: f32, featureDim: z.number(), features: f32 }),
  z.object({ kind: z.literal('embed'), count: z.number(), dim: z.number(), embeddings: f32, features: f32, probs: f32 }),
  z.object({ kind: z.literal('evaluate'), metrics: MetricsSchema }),
  z.object({ kind: z.literal('memory'), numTensors: z.number(), numBytes: z.number() }),
  z.object({ kind: z.literal('backboneInfo'), info: BackboneInfoSchema }),
  z.object({ kind: z.literal('features'), features: f32, featureDim: z.number().int().positive() }),
]);
export type EngineResult = z.infer<typeof ResultSchema>;

export interface SerializedError {
  name: string;
  message: string;
  stack?: string | undefined;
  cause?: SerializedError | undefined;
}
export const SerializedErrorSchema: z.ZodType<SerializedError> = z.lazy(() =>
  z.object({ name: z.string(), message: z.string(), stack: z.string().optional(), cause: SerializedErrorSchema.optional() }),
);

export const ResponseSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('progress'), id, epoch: z.number().int(), batch: z.number().int(), batches: z.number().int(), loss: z.number(), step: z.number().int(), totalSteps: z.number().int() }),
  z.object({ type: z.literal('result'), id, result: ResultSchema }),
  z.object({ type: z.literal('error'), id, error: SerializedErrorSchema }),
]);
export type EngineResponse = z.infer<typeof ResponseSchema>;

export function serializeError(e: unknown, depth = 0): SerializedError {
  if (e instanceof Error) {
    const cause = depth < 4 && e.cause !== undefined ? serializeError(e.cause, depth + 1) : undefined;
    return { name: e.name, message: e.message, stack: e.stack, ...(cause ? { cause } : {}) };
  }
  return { name: 'Error', message: String(e) };
}

/** Rebuilds an Error (name, message, cause chain) on the host side. */
export function deserializeError(s: SerializedError): Error {
  const err = new Error(s.message, s.cause ? { cause: deserializeError(s.cause) } : undefined);
  err.name = s.name;
  if (s.stack) err.stack = s.stack;
  return err;
}
