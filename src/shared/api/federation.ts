// The `federation` service: how this client takes part. Join a federation server with an
// enrolment code, or work standalone (a single clinic: active learning without a server),
// and leave again. Connection state and the offline outbox come as events.
import { z } from 'zod';
import { BackboneSpecSchema, InputScalingSchema, LocalOnlySettingsSchema, TrainingRecipeSchema, ValidationSettingsSchema } from '../wire/federation-config';
import { defineService, method } from './define';

/** Label sets offered when working standalone. */
export const LABEL_SET_PRESETS = {
  /** HAM10000 / DermaMNIST skin lesions, in DermaMNIST class order. */
  ham10000: ['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc'],
  /** ODIR-5K single-diagnosis fundus photographs (the odir-fundus-28 class order). */
  fundus: ['normal', 'diabetic retinopathy', 'glaucoma', 'cataract', 'AMD', 'hypertensive retinopathy', 'pathological myopia'],
} as const;
export const LabelSetPresetSchema = z.enum(['ham10000', 'fundus']);
export type LabelSetPreset = z.infer<typeof LabelSetPresetSchema>;

/** Networks a standalone workspace can train (names in the engine's model registry). */
export const StandaloneModelSchema = z.enum(['cnn4conv', 'resnet9s']);
export type StandaloneModel = z.infer<typeof StandaloneModelSchema>;

export const ShapeSchema = z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]);

/** The study this clinic takes part in, as the UI shows it: classes, model, strategy, cycles and its own labeling budget. */
export const FederationPlanSchema = z.object({
  name: z.string(),
  /** Index = class id used everywhere (labels, predictions, metrics). */
  classNames: z.array(z.string()).min(2),
  /** Engine model name, e.g. "cnn4conv". */
  model: z.string(),
  /** [height, width, channels] the model sees. */
  inputShape: ShapeSchema,
  /** Query strategy the cycle runs ('fairfal' by default). */
  strategy: z.string(),
  cycles: z.number().int().positive(),
  roundsPerCycle: z.number().int().positive(),
  localEpochs: z.number().int().positive(),
  /** New labels this client is asked for per cycle. */
  budgetPerCycle: z.number().int().nonnegative(),
  /** The federation's input scaling, round recipe and local-only settings (absent: the defaults). */
  inputScaling: InputScalingSchema.optional(),
  training: TrainingRecipeSchema.optional(),
  localOnly: LocalOnlySettingsSchema.optional(),
  /** The federation's initial learning rate; the local-only model trains with it too. */
  learningRate: z.number().positive().optional(),
  /** The labels this clinic keeps out of training to measure its model on (absent: none). */
  validation: ValidationSettingsSchema.optional(),
  /** The pretrained backbone whose features the model (a head) trains on (absent: a whole network). */
  backbone: BackboneSpecSchema.optional(),
  /** The pretrained backbone the model is fine-tuned from (its own network, some blocks frozen). */
  pretrained: BackboneSpecSchema.optional(),
  /** Client-level differential privacy of the federation (issue 19): the guarantee it gives. */
  privacy: z
    .object({
      noiseMultiplier: z.number(),
      delta: z.number(),
      /** Epsilon after every planned round (cycles x rounds), or the target where training stops first. */
      plannedEpsilon: z.number(),
      targetEpsilon: z.number().nullable(),
      /** The clipping norm adapts between rounds (Andrew et al. 2021). */
      adaptiveClipping: z.boolean().optional(),
    })
    .optional(),
  /** How the server combines updates ('fedavg', 'fedprox', 'scaffold', ...): SCAFFOLD also sends a control delta. */
  aggregation: z.string().optional(),
  /** Secure aggregation (issue 19): the server learns only each round's sum. */
  secureAggregation: z.object({ survivorFraction: z.number() }).optional(),
});
export type FederationPlan = z.infer<typeof FederationPlanSchema>;

/** Epsilon as every screen and message writes it: two decimals below 10, one above. */
export const formatEpsilon = (epsilon: number): string => (epsilon < 10 ? epsilon.toFixed(2) : epsilon.toFixed(1));

export const ConnectionStateSchema = z.enum([
  'none', // neither joined nor standalone: first run
  'standalone', // no server involved
  'connecting',
  'online', // last request to the server succeeded
  'offline', // server unreachable; work continues, reports wait in the outbox
  'rejected', // the server refused our credential (revoked): join again
]);

export const ConnectionStatusSchema = z.object({
  state: ConnectionStateSchema,
  mode: z.enum(['none', 'federated', 'standalone']),
  serverUrl: z.string().nullable(),
  clientId: z.string().nullable(),
  displayName: z.string().nullable(),
  task: FederationPlanSchema.nullable(),
  lastContactAt: z.iso.datetime().nullable(),
  lastError: z.string().nullable(),
  /** Reports (updates, gamma, ready) waiting to be delivered. */
  outboxPending: z.number().int().nonnegative(),
  /** Where the credential is kept: 'safe-storage' (OS keychain) or 'file-0600'. */
  secretStore: z.string(),
  /** The pinned server certificate (SHA-256 fingerprint), if the clinic joined with one. */
  certificatePin: z.string().nullable().default(null),
  /** Set when credentials and updates travel unencrypted (http:// to another machine). */
  transportWarning: z.string().nullable().default(null),
});
export type ConnectionStatus = z.infer<typeof ConnectionStatusSchema>;

export const JoinInputSchema = z.object({
  serverUrl: z.url().max(2000),
  /** ABCD-EFGH-JKLM-NPQR as handed out by the federation admin (case-insensitive). */
  code: z.string().min(4).max(64),
  displayName: z.string().min(1).max(200).optional(),
  /**
   * SHA-256 fingerprint of the server's certificate, from the federation admin
   * (`openssl x509 -noout -fingerprint -sha256 -in server.crt`): only that certificate is trusted.
   */
  certificatePin: z.string().max(200).optional(),
});

export const StandaloneInputSchema = z.object({
  name: z.string().min(1).max(200).default('Standalone'),
  /** A preset, or your own class names (2..100). Exactly one of the two. */
  preset: LabelSetPresetSchema.optional(),
  classNames: z.array(z.string().min(1).max(200)).min(2).max(100).optional(),
  /** New labels asked for per cycle (default 50). */
  budgetPerCycle: z.number().int().min(1).max(100_000).default(50),
  /** Local training epochs per cycle (default 10). */
  epochs: z.number().int().min(1).max(500).default(10),
  strategy: z.string().default('fairfal'),
  /**
   * Side in pixels of the square image the model sees (28: the paper's MedMNIST size, fastest;
   * 64 or 96 keep more of a 600x450 dermoscopy or 2000 px fundus photograph, and train slower).
   */
  imageSize: z.union([z.literal(28), z.literal(64), z.literal(96)]).optional(),
  /**
   * The network (default 'cnn4conv', the paper's 4-conv net); 'resnet9s' is a small residual
   * network with BatchNorm that makes better use of 64 and 96 px inputs.
   */
  model: StandaloneModelSchema.optional(),
  /**
   * A pretrained feature extractor on this machine (a TensorFlow.js model.json or an .onnx file):
   * the workspace then trains a linear head on its features, computed once per image. Replaces
   * `model`; images are kept at the backbone's input size.
   */
  backbonePath: z.string().min(1).max(4096).optional(),
  /**
   * 'frozen' (default): a linear head on the backbone's features. 'fine-tune-last-block': the
   * backbone's own network (an engine export only), its last block and a new classifier trained.
   */
  backboneMode: z.enum(['frozen', 'fine-tune-last-block']).optional(),
});

/** The backbone this client has installed for its federation (null: none needed or none yet). */
export const BackboneStatusSchema = z.object({
  /** What the federation names (null: it trains a whole network). */
  required: BackboneSpecSchema.nullable(),
  /** Installed here and matching the federation's sha256. */
  installed: z.boolean(),
});
export type BackboneStatus = z.infer<typeof BackboneStatusSchema>;

/** What of the optional reports leaves this site (issue 19's allow-list). */
export const ReportPolicySchema = z.object({
  /** gamma_k, the class-balance score the server averages for FairFAL's choice of query model. */
  gamma: z.enum(['share', 'withhold']),
  /** This site's accuracy figures. */
  metrics: z.enum(['share', 'withhold']),
});
export type ReportPolicy = z.infer<typeof ReportPolicySchema>;

export const federationService = defineService(
  'federation',
  {
    getConnection: method(z.undefined(), ConnectionStatusSchema),
    /** Enrols with the server (the credential is stored encrypted) and starts following its tasks. */
    join: method(JoinInputSchema, ConnectionStatusSchema),
    startStandalone: method(StandaloneInputSchema, ConnectionStatusSchema),
    /** Stops taking part and forgets the credential; the vault and labels stay. */
    leave: method(z.undefined(), ConnectionStatusSchema),
    getReportPolicy: method(z.undefined(), ReportPolicySchema),
    /** Applies to reports made from now on. */
    setReportPolicy: method(ReportPolicySchema, ReportPolicySchema),
    getBackbone: method(z.undefined(), BackboneStatusSchema),
    /**
     * Installs the federation's backbone from a file on this machine (model.json or .onnx): it is
     * copied into the data folder after its sha256 is checked against the federation's.
     */
    installBackbone: method(z.object({ path: z.string().min(1).max(4096) }), BackboneStatusSchema),
    /** Tries to deliver the outbox now (otherwise retried with backoff). */
    flushOutbox: method(z.undefined(), z.object({ delivered: z.number().int().nonnegative(), pending: z.number().int().nonnegative() })),
  },
  {
    connectionChanged: ConnectionStatusSchema,
  },
);
