// The `vault` service: the client's private image store. Import folders/files (JPEG, PNG,
// WebP, TIFF, MedMNIST .npz), browse samples with preview URLs. A sample's id IS the sha256
// of its content, so the renderer's Dexie rows, the queue and the labels all key on it and
// stay valid across restarts and re-imports.
import { z } from 'zod';
import { defineService, method } from './define';

/** sha256 (lowercase hex) of a sample's content: file bytes, or an .npz image's pixels. */
export const SampleIdSchema = z.string().regex(/^[0-9a-f]{64}$/, 'sample id must be 64 lowercase hex').brand<'SampleId'>();
export type SampleId = z.infer<typeof SampleIdSchema>;

export const ImportIdSchema = z.string().regex(/^imp_[0-9a-z]{6,40}$/).brand<'ImportId'>();
export type ImportId = z.infer<typeof ImportIdSchema>;

/** Why a file was not imported. */
export const RejectReasonSchema = z.enum([
  'unsupported-format', // not an image type we read (or not an image at all)
  'empty-file', // zero bytes
  'corrupt', // the decoder failed (truncated, damaged)
  'too-large', // over the vault's per-file byte or pixel limit
  'unreadable', // permission / IO error
  'npz-invalid', // an .npz that is not in MedMNIST format
  'not-an-image', // a file beside the images that is none (labels.csv, LICENSE.md): skipped quietly, counted
]);
export type RejectReason = z.infer<typeof RejectReasonSchema>;

export const RejectedFileSchema = z.object({
  path: z.string(),
  reason: RejectReasonSchema,
  /** The decoder's or the OS's own words, for the support log. */
  detail: z.string(),
});
export type RejectedFile = z.infer<typeof RejectedFileSchema>;

export const DuplicateFileSchema = z.object({
  path: z.string(),
  /** The sample already in the vault with the same content. */
  sampleId: SampleIdSchema,
});

export const ImportStateSchema = z.enum(['scanning', 'running', 'finished', 'cancelled', 'failed', 'interrupted']);

/** Progress of one import; also emitted as the `importProgress` event (throttled, ~4/s). */
export const ImportProgressSchema = z.object({
  importId: ImportIdSchema,
  state: ImportStateSchema,
  /** Items processed (imported + duplicates + rejected + other files); an .npz counts each image. */
  done: z.number().int().nonnegative(),
  /** Items found so far (grows while scanning). */
  total: z.number().int().nonnegative(),
  imported: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  /** Files that are not images at all (labels.csv, LICENSE.md, ...): skipped, not an error. */
  otherFiles: z.number().int().nonnegative().default(0),
  /** Items per second over the last few seconds. */
  ratePerSecond: z.number().nonnegative(),
  /** Seconds left at the current rate; null while unknown. */
  etaSeconds: z.number().nonnegative().nullable(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
  /** Set when state is 'failed'. */
  error: z.string().nullable(),
});
export type ImportProgress = z.infer<typeof ImportProgressSchema>;

/** The end of an import: progress plus every duplicate and rejected file (capped at 10,000 each). */
export const ImportSummarySchema = ImportProgressSchema.extend({
  rejectedFiles: z.array(RejectedFileSchema),
  /** Names of the files that were not images (at most 100). */
  otherFileNames: z.array(z.string()).default([]),
  duplicateFiles: z.array(DuplicateFileSchema),
});
export type ImportSummary = z.infer<typeof ImportSummarySchema>;

/** How an import's checks treat what they find: the app holds unlike images back; headless only reports. */
export const ReviewPolicySchema = z.enum(['hold', 'report']);

export const ImportReviewSchema = z.object({
  importId: ImportIdSchema,
  policy: ReviewPolicySchema,
  modality: z.object({
    /** Images of the workspace the new ones were compared with (none: too few to compare). */
    comparedWith: z.number().int().nonnegative(),
    threshold: z.number(),
    /** New images whose colours and frame are unlike the workspace's. */
    unlike: z.array(z.object({ sampleId: SampleIdSchema, distance: z.number(), state: z.enum(['held', 'kept', 'excluded', 'reported']) })),
  }),
  /** New images within a few bits of another image's perceptual hash: reported, never merged. */
  nearDuplicates: z.array(z.object({ sampleId: SampleIdSchema, matchId: SampleIdSchema, distance: z.number().int().nonnegative() })),
});
export type ImportReview = z.infer<typeof ImportReviewSchema>;

export const SampleSourceSchema = z.enum(['file', 'npz']);

export const SampleSchema = z.object({
  id: SampleIdSchema,
  /** Base name of the original file ("ISIC_0024306.jpg"), or "<archive>.npz#<split>/<index>". */
  name: z.string(),
  /** Absolute path of the original (never modified); for npz the archive path. */
  sourcePath: z.string(),
  source: SampleSourceSchema,
  /** Original pixel size after EXIF orientation. */
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  importedAt: z.iso.datetime(),
  /**
   * Display image (WebP, longest side <= 1024). A URL the UI can put in <img src>; an image whose
   * preview is still in the background backlog (MediaProgress) is built when this is requested.
   */
  previewUrl: z.string(),
  /** Gallery thumbnail (WebP, longest side <= 192; images up to 256 px share their preview). */
  thumbnailUrl: z.string(),
  /** Label that came with the data (an .npz archive's labels), index into the label set; null otherwise. */
  sourceLabel: z.number().int().nonnegative().nullable(),
  /** Current model's prediction (class index) after the last local work; null before any. */
  predictedClass: z.number().int().nonnegative().nullable(),
  /** True when the sample is in the current cycle's query. */
  queued: z.boolean(),
});
export type Sample = z.infer<typeof SampleSchema>;

export const ListSamplesInputSchema = z.object({
  offset: z.number().int().nonnegative().default(0),
  limit: z.number().int().min(1).max(1000).default(200),
  /** Only these ids (e.g. the renderer resolving its own rows). */
  ids: z.array(SampleIdSchema).max(1000).optional(),
  queued: z.boolean().optional(),
  predictedClass: z.number().int().nonnegative().optional(),
  /** Substring of the name (case-insensitive). */
  nameContains: z.string().max(200).optional(),
  /** Only samples from this import. */
  importId: ImportIdSchema.optional(),
});

export const SamplePageSchema = z.object({
  total: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  items: z.array(SampleSchema),
});
export type SamplePage = z.infer<typeof SamplePageSchema>;

/**
 * Previews and thumbnails are built after the import (the import only makes what training and
 * the query need), in the background, and at once for any image the UI asks for. Also emitted
 * as the `mediaProgress` event (throttled, ~4/s) while building.
 */
export const MediaProgressSchema = z.object({
  /** waiting-for-import: an import runs and has the CPU; building resumes when it ends. */
  state: z.enum(['idle', 'building', 'waiting-for-import']),
  /** Images whose preview and thumbnail are still to be made. */
  pending: z.number().int().nonnegative(),
  /** Images whose preview could not be made (see failures). */
  failed: z.number().int().nonnegative(),
  /** Built since the app started. */
  built: z.number().int().nonnegative(),
  ratePerSecond: z.number().nonnegative(),
  etaSeconds: z.number().nonnegative().nullable(),
  /** The last error of a build that will be retried (disk full, ...); null when none. */
  retryError: z.string().nullable(),
  /** The most recent failed images and why (at most 20). */
  failures: z.array(z.object({ sampleId: SampleIdSchema, name: z.string(), error: z.string() })).max(20),
});
export type MediaProgress = z.infer<typeof MediaProgressSchema>;

export const VaultStatsSchema = z.object({
  samples: z.number().int().nonnegative(),
  /** Bytes the vault holds on disk (tensors, previews, thumbnails, index). */
  bytesOnDisk: z.number().int().nonnegative(),
  /** [height, width, channels] of the model-size tensors. */
  tensorShape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
  vaultDir: z.string(),
  /** An import that a restart interrupted; resume it with resumeImport. */
  interruptedImport: ImportIdSchema.nullable(),
  media: MediaProgressSchema,
});
export type VaultStats = z.infer<typeof VaultStatsSchema>;

export const vaultService = defineService(
  'vault',
  {
    /**
     * Electron: a native folder picker; returns null when cancelled. The web host has no
     * picker (supported: false); the UI then asks for a path typed by the user.
     */
    chooseFolder: method(z.undefined(), z.object({ supported: z.boolean(), path: z.string().nullable() })),
    /** Starts importing folders (recursive) and/or files; returns at once, progress comes as events. */
    importPaths: method(
      z.object({ paths: z.array(z.string().min(1).max(4096)).min(1).max(10_000) }),
      z.object({ importId: ImportIdSchema }),
    ),
    /** Cancels a running import; what is imported stays. Resolves with its final progress. */
    cancelImport: method(z.object({ importId: ImportIdSchema }), ImportProgressSchema),
    /** Continues an import a restart interrupted (already imported files are skipped fast). */
    resumeImport: method(z.object({ importId: ImportIdSchema }), z.object({ importId: ImportIdSchema })),
    /** Progress and the duplicate/rejected lists of an import (running or done). */
    getImport: method(z.object({ importId: ImportIdSchema }), ImportSummarySchema),
    /** What the import's checks found (modality guard, near-duplicates). */
    getImportReview: method(z.object({ importId: ImportIdSchema }), ImportReviewSchema),
    /** The clinician's decision on images held back by the modality guard: keep them in the study or not. */
    resolveHeld: method(z.object({ sampleIds: z.array(SampleIdSchema).min(1).max(10_000), keep: z.boolean() }), z.object({ resolved: z.number().int().nonnegative() })),
    /** Recent imports, newest first. */
    listImports: method(z.undefined(), z.array(ImportProgressSchema)),
    listSamples: method(ListSamplesInputSchema, SamplePageSchema),
    getStats: method(z.undefined(), VaultStatsSchema),
  },
  {
    importProgress: ImportProgressSchema,
    /** Once per import when it ends (finished, cancelled or failed). */
    importFinished: ImportSummarySchema,
    mediaProgress: MediaProgressSchema,
  },
);
