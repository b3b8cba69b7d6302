// The `cycle` service: one active-learning cycle as a live workflow. Main trains (federated
// rounds or locally), runs the query strategy and hands the renderer the queue, each sample
// with the reason it was chosen. The renderer owns the labels (Dexie) and submits the labeled
// set; main never keeps a second copy of label history.
import { z } from 'zod';
import { defineService, method } from './define';
import { SampleIdSchema } from './vault';

export const CycleStepSchema = z.enum([
  'idle', // not joined / not standalone yet
  'joined', // waiting for the server's next task (or for "start" when standalone)
  'training', // federated round r (or local training when standalone)
  'query', // computing the query
  'labeling', // the queue is ready: the annotator labels
  'ready', // labels submitted and reported; waiting for the next cycle
  'finished', // the federation's last cycle is done
  'error', // the last step failed; see message, retried by startLocalWork
]);
export type CycleStep = z.infer<typeof CycleStepSchema>;

export const CycleStatusSchema = z.object({
  step: CycleStepSchema,
  /** 0-based active-learning cycle. */
  cycle: z.number().int().nonnegative(),
  /** 0-based round within the cycle while training; null otherwise. */
  round: z.number().int().nonnegative().nullable(),
  roundsPerCycle: z.number().int().positive().nullable(),
  /** Local work (training, inference, query) in progress right now. */
  busy: z.boolean(),
  /** 0..1 progress of the current step; null when unknown. */
  progress: z.number().min(0).max(1).nullable(),
  /** One human line: "Training round 2 of 5, epoch 1", "Waiting for other clinics". */
  message: z.string(),
  /** New labels asked for this cycle and how many queued samples the last submission labeled. */
  budget: z.number().int().nonnegative(),
  labeledThisCycle: z.number().int().nonnegative(),
  /** Size of the labeled set main last received. */
  labeledTotal: z.number().int().nonnegative(),
  /** Vault samples the model sees. */
  poolSize: z.number().int().nonnegative(),
  updatedAt: z.iso.datetime(),
});
export type CycleStatus = z.infer<typeof CycleStatusSchema>;

/** Why a sample was queued. FairFAL fills every field; baselines fill `score` instead. */
export const QueueReasonSchema = z.object({
  strategy: z.string(),
  /** 0-based position in the whole queue (the order the annotator should see). */
  rank: z.number().int().nonnegative(),
  /** FairFAL: the prototype pseudo-label (class index) and its probability. */
  pseudoLabel: z.number().int().nonnegative().nullable(),
  prototypeProb: z.number().min(0).max(1).nullable(),
  /** Entropy of the query model's softmax / log C, in [0, 1]. */
  normalizedEntropy: z.number().min(0).max(1).nullable(),
  /** Which model measured uncertainty: the federation's global model or this clinic's local one. */
  queryModel: z.enum(['global', 'local']).nullable(),
  /** Squared distance to the nearest already-chosen/labeled sample in gradient space; null for a seed. */
  kcenterDistance: z.number().nonnegative().nullable(),
  /** Pick order within its pseudo-class. */
  classRank: z.number().int().nonnegative().nullable(),
  /** Baselines: the strategy's own metric and value. */
  score: z.object({ metric: z.string(), value: z.number().nullable() }).nullable(),
});
export type QueueReason = z.infer<typeof QueueReasonSchema>;

export const PredictionSchema = z.object({
  /** argmax class of the current model. */
  label: z.number().int().nonnegative(),
  /** Softmax over the label set. */
  probs: z.array(z.number().min(0).max(1)),
});
export type Prediction = z.infer<typeof PredictionSchema>;

export const QueueItemSchema = z.object({
  sampleId: SampleIdSchema,
  reason: QueueReasonSchema,
  prediction: PredictionSchema,
});
export type QueueItem = z.infer<typeof QueueItemSchema>;

export const QueueSchema = z.object({
  cycle: z.number().int().nonnegative(),
  createdAt: z.iso.datetime(),
  budget: z.number().int().nonnegative(),
  /** Extra query facts (FairFAL: gamma_k, divergence, gammaBar, quota per class). */
  details: z.record(z.string(), z.union([z.number(), z.string(), z.array(z.number())])),
  items: z.array(QueueItemSchema),
});
export type Queue = z.infer<typeof QueueSchema>;

/** A 95% interval [low, high] of a proportion. */
export const IntervalSchema = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]);
export type Interval = z.infer<typeof IntervalSchema>;

/**
 * The model measured after each cycle's training. 'held-out': on the clinic's own validation
 * labels, which the model never trained on (issue 16); 'external': on a labeled set the host
 * supplied (the headless client's --eval-npz test split). Never on training labels.
 */
export const CycleMetricsSchema = z.object({
  cycle: z.number().int().nonnegative(),
  measuredAt: z.iso.datetime(),
  /** What it was measured on, in words, e.g. "12 held-out labels of this clinic". */
  evaluatedOn: z.string(),
  /** 'training': a row stored before issue 16, measured on the training labels (optimistic). */
  source: z.enum(['held-out', 'external', 'training']).default('training'),
  samples: z.number().int().nonnegative(),
  accuracy: z.number().min(0).max(1),
  balancedAccuracy: z.number().min(0).max(1),
  /** Per class (index = class id); null where the class has no sample. */
  perClassRecall: z.array(z.number().min(0).max(1).nullable()),
  /** Images of each class in the measured set (index = class id). */
  perClassCount: z.array(z.number().int().nonnegative()).default([]),
  /** 95% intervals: Wilson for accuracy and each class's recall, stratified bootstrap for balanced accuracy. */
  intervals: z
    .object({ accuracy: IntervalSchema, balancedAccuracy: IntervalSchema, perClassRecall: z.array(IntervalSchema.nullable()) })
    .nullable()
    .default(null),
  /** All labels the clinic has given (the held-out part included). */
  labeledCount: z.number().int().nonnegative(),
  /** Labels the model trained on (labeledCount minus the held-out part). */
  trainedOn: z.number().int().nonnegative().nullable().default(null),
  /** Why these figures cannot be trusted yet, in words for the clinician; empty when they can. */
  warnings: z.array(z.string()).default([]),
});
export type CycleMetrics = z.infer<typeof CycleMetricsSchema>;

export const LabelEntrySchema = z.object({
  sampleId: SampleIdSchema,
  /** Class index into the task's classNames. */
  label: z.number().int().nonnegative(),
});

/** A label as the client node stored it (the labeled set the renderer last submitted). */
export const NodeLabelSchema = LabelEntrySchema.extend({
  /** Who labeled it, when the node knows. */
  annotator: z.string().optional(),
  /** When it was labeled, when the node knows. */
  at: z.iso.datetime().optional(),
});
export type NodeLabel = z.infer<typeof NodeLabelSchema>;

/** Why an image was taken out of the study (issue 17). */
export const EXCLUSION_REASONS = ['wrong-modality', 'not-assessable', 'poor-quality', 'duplicate', 'other'] as const;
export const ExclusionReasonSchema = z.enum(EXCLUSION_REASONS);
export type ExclusionReason = z.infer<typeof ExclusionReasonSchema>;

export const ExclusionEntrySchema = z.object({
  sampleId: SampleIdSchema,
  reason: ExclusionReasonSchema,
  /** Free text, e.g. which image it duplicates or what "other" means. */
  detail: z.string().max(500).optional(),
});
export type ExclusionEntry = z.infer<typeof ExclusionEntrySchema>;

/** One reader's call on a doubly-read image (null = unsure), and the adjudicated label (issue 17). */
export const ReadEntrySchema = z.object({
  sampleId: SampleIdSchema,
  reader: z.string().min(1).max(200),
  role: z.enum(['first', 'second']),
  label: z.number().int().nonnegative().nullable(),
  at: z.iso.datetime(),
});
export const AdjudicationEntrySchema = z.object({ sampleId: SampleIdSchema, label: z.number().int().nonnegative(), adjudicator: z.string().min(1).max(200), at: z.iso.datetime() });
export const ReadingsSchema = z.object({ reads: z.array(ReadEntrySchema).max(1_000_000), adjudications: z.array(AdjudicationEntrySchema).max(1_000_000) });
export type Readings = z.infer<typeof ReadingsSchema>;

export const SubmitLabelsInputSchema = z.object({
  /** The WHOLE current labeled set (latest label per sample); replaces what main had. */
  labels: z.array(LabelEntrySchema).max(1_000_000),
  /**
   * The WHOLE current set of images excluded from the study; replaces what main had (omitted:
   * unchanged). An excluded image is never queried, trained on or counted, even when labeled.
   */
  excluded: z.array(ExclusionEntrySchema).max(1_000_000).optional(),
  /**
   * The WHOLE set of second readings and adjudications; replaces what main had (omitted:
   * unchanged). `labels` already leaves out images whose readers disagree and await adjudication.
   */
  readings: ReadingsSchema.optional(),
  /** true = this cycle's labeling is done: report ready (federated) / allow the next cycle. */
  final: z.boolean().default(false),
});

export const ExportModelInputSchema = z.object({
  /** 'tfjs': model.json + weights.bin directory; 'binary': the engine's versioned weights file. */
  format: z.enum(['tfjs', 'binary']),
  /** Destination directory (created if needed). Default: <data dir>/exports/<timestamp>. */
  directory: z.string().min(1).max(4096).optional(),
});

export const cycleService = defineService(
  'cycle',
  {
    getStatus: method(z.undefined(), CycleStatusSchema),
    /** The current cycle's query (empty items before the first query). */
    getQueue: method(z.undefined(), QueueSchema),
    /** Per-cycle metrics, oldest first. */
    getMetrics: method(z.undefined(), z.array(CycleMetricsSchema)),
    submitLabels: method(
      SubmitLabelsInputSchema,
      z.object({
        accepted: z.number().int().nonnegative(),
        /** Labels naming samples the vault does not hold, or a class outside the label set. */
        ignored: z.array(z.object({ sampleId: z.string(), reason: z.string() })),
        status: CycleStatusSchema,
      }),
    ),
    /**
     * The labeled set the client node holds (what the renderer last submitted). The renderer's
     * database is per browser origin: a host on another port or a cleared profile starts empty
     * and recovers its labels from here.
     */
    getLabels: method(z.undefined(), z.array(NodeLabelSchema)),
    /**
     * The labeled images most like this one in the current model's feature space, per class
     * (nearest first; classes ordered by their nearest image). Needs a trained model.
     */
    similarLabeled: method(
      z.object({ sampleId: SampleIdSchema, perClass: z.number().int().min(1).max(12).default(3) }),
      z.object({
        modelHash: z.string(),
        classes: z.array(z.object({ classIndex: z.number().int().nonnegative(), items: z.array(z.object({ sampleId: SampleIdSchema, distance: z.number().min(0) })) })),
      }),
    ),
    /** The readings and adjudications the client node holds (recovery, like getLabels). */
    getReadings: method(z.undefined(), ReadingsSchema),
    /** The images excluded from the study that the client node holds (recovery, like getLabels). */
    getExclusions: method(z.undefined(), z.array(ExclusionEntrySchema)),
    /** Standalone: train + query now. Federated: resume following the server (e.g. after an error). */
    startLocalWork: method(z.undefined(), CycleStatusSchema),
    /** Cancels the running training/query; the state machine stays at its step. */
    cancelLocalWork: method(z.undefined(), CycleStatusSchema),
    exportModel: method(
      ExportModelInputSchema,
      z.object({ format: z.enum(['tfjs', 'binary']), files: z.array(z.string()), modelHash: z.string() }),
    ),
  },
  {
    statusChanged: CycleStatusSchema,
    /** A new query is ready for labeling. */
    queueReady: QueueSchema,
    metricsUpdated: z.array(CycleMetricsSchema),
  },
);
