/**
 * Simulation settings: one zod schema (the single source of truth for defaults and bounds),
 * filled from an optional JSON file and then from command-line flags (flags win).
 * Every flag lives in FLAGS with its help line, so --help documents all of them.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { STRATEGY_NAMES } from '../../core';

export const SimConfigSchema = z
  .object({
    dataset: z.string().min(1),
    strategy: z.enum(STRATEGY_NAMES),
    seed: z.number().int().min(0),
    out: z.string().min(1).optional(),
    clients: z.number().int().min(1).max(1000),
    partition: z.enum(['dir_balance', 'shard']),
    alpha: z.number().positive(),
    classesPerClient: z.number().int().min(1),
    partitionSeed: z.number().int().min(0),
    partitionFile: z.string().min(1).optional(),
    longTailRho: z.number().gt(0).max(1).optional(),
    longTailNMax: z.number().int().positive().optional(),
    initialFraction: z.number().gt(0).lt(1),
    queryFraction: z.number().gt(0).lt(1),
    targetFraction: z.number().gt(0).max(1),
    rounds: z.number().int().min(1),
    localEpochs: z.number().int().min(1),
    lr: z.number().positive(),
    momentum: z.number().min(0).lt(1),
    weightDecay: z.number().min(0),
    batchSize: z.number().int().min(2),
    lrDecayAt: z.number().gt(0).max(1),
    lrDecay: z.number().positive().max(1),
    hflip: z.boolean(),
    recipe: z.enum(['paper', 'converge']).default('paper'),
    inputScaling: z.enum(['unit', 'centered']),
    fl: z.enum(['fedavg', 'fedprox', 'scaffold']),
    proxMu: z.number().min(0),
    modelInit: z.enum(['reinit', 'continue']),
    localOnlyEpochs: z.number().int().min(1),
    localOnlyStopAccuracy: z.number().gt(0).max(1),
    localOnlySchedule: z.enum(['epoch', 'batch']),
    localOnlyStopOn: z.enum(['running', 'eval']),
    delta: z.number(),
    kappa: z.number().positive(),
    temperature: z.number().positive(),
    workers: z.number().int().min(1).max(64),
    evalClientTests: z.boolean(),
    progress: z.boolean(),
    fresh: z.boolean(),
    dumpQueryState: z.string().min(1).optional(),
    secureAggregation: z.boolean().default(false),
    dpNoise: z.number().positive().optional(),
    dpClip: z.number().positive().optional(),
    dpWeightCap: z.number().int().positive().optional(),
  })
  .strict()
  .refine((c) => c.targetFraction >= c.initialFraction, { message: 'targetFraction must be >= initialFraction' })
  .refine((c) => (c.dpNoise === undefined) === (c.dpClip === undefined), { message: 'differential privacy needs both --dp-noise and --dp-clip' });

export type SimConfig = z.infer<typeof SimConfigSchema>;

type Kind = 'string' | 'int' | 'number' | 'bool';
interface FlagSpec {
  key: keyof SimConfig;
  flag: string;
  kind: Kind;
  help: string;
  default?: string | number | boolean;
}

/** Defaults: the paper's protocol (FAIRFAL.md), except the labeled target (45% there; issue 8 uses 25%). */
export const FLAGS: readonly FlagSpec[] = [
  { key: 'dataset', flag: 'dataset', kind: 'string', help: 'MedMNIST-format .npz (train_/test_ images and labels)' },
  { key: 'strategy', flag: 'strategy', kind: 'string', help: `query strategy: ${STRATEGY_NAMES.join(', ')}`, default: 'fairfal' },
  { key: 'seed', flag: 'seed', kind: 'int', help: 'run seed: initial labeled sets, model init, shuffling, strategy rng', default: 1 },
  { key: 'out', flag: 'out', kind: 'string', help: 'run directory (log.jsonl, checkpoint, summary); default bench/results/runs/<strategy>-seed<seed>' },
  { key: 'clients', flag: 'clients', kind: 'int', help: 'number of simulated clients K', default: 10 },
  { key: 'partition', flag: 'partition', kind: 'string', help: 'dir_balance | shard', default: 'dir_balance' },
  { key: 'alpha', flag: 'alpha', kind: 'number', help: 'Dirichlet concentration for dir_balance', default: 0.1 },
  { key: 'classesPerClient', flag: 'classes-per-client', kind: 'int', help: 'classes per client for shard', default: 2 },
  { key: 'partitionSeed', flag: 'partition-seed', kind: 'int', help: 'partition seed (official code: fixed 0, same partition for every run seed)', default: 0 },
  {
    key: 'partitionFile',
    flag: 'partition-file',
    kind: 'string',
    help: 'JSON with fixed client pools, test sets and per-seed initial labels (e.g. the official partition from bench/parity/official_adapter.py partition); overrides --partition; "none" drops one set by --config',
  },
  { key: 'longTailRho', flag: 'long-tail-rho', kind: 'number', help: 'long-tailed train set: class c keeps n_max*rho^(c/(C-1)) (paper: 0.05); off by default' },
  { key: 'longTailNMax', flag: 'long-tail-n-max', kind: 'int', help: 'n_max for the long tail (default N_train / C, as the official code)' },
  { key: 'initialFraction', flag: 'initial-fraction', kind: 'number', help: 'random labeled start per client, fraction of the train set', default: 0.05 },
  { key: 'queryFraction', flag: 'query-fraction', kind: 'number', help: 'labels queried per cycle, fraction of the train set (budget per client floor(round(N,-2)*f/K))', default: 0.05 },
  { key: 'targetFraction', flag: 'target-fraction', kind: 'number', help: 'last labeled fraction trained on (paper 0.45, issue 8: 0.25)', default: 0.45 },
  { key: 'rounds', flag: 'rounds', kind: 'int', help: 'federated rounds R per cycle', default: 100 },
  { key: 'localEpochs', flag: 'local-epochs', kind: 'int', help: 'local epochs E per round', default: 5 },
  { key: 'lr', flag: 'lr', kind: 'number', help: 'SGD learning rate', default: 0.01 },
  { key: 'momentum', flag: 'momentum', kind: 'number', help: 'SGD momentum', default: 0.9 },
  { key: 'weightDecay', flag: 'weight-decay', kind: 'number', help: 'SGD weight decay', default: 1e-5 },
  { key: 'batchSize', flag: 'batch-size', kind: 'int', help: 'local batch size', default: 64 },
  { key: 'lrDecayAt', flag: 'lr-decay-at', kind: 'number', help: 'lr x lr-decay for rounds r > int(R * this) (official adjust_learning_rate)', default: 0.75 },
  { key: 'lrDecay', flag: 'lr-decay', kind: 'number', help: 'lr decay factor', default: 0.1 },
  { key: 'hflip', flag: 'hflip', kind: 'bool', help: 'random horizontal flips while training (official weak augmentation)', default: true },
  {
    key: 'recipe',
    flag: 'recipe',
    kind: 'string',
    help: "local training: 'paper' (the SGD flags above, E epochs) or 'converge' (issue 16, in a federation: class-balanced draws, augmentation, wd 5e-4, batch 32, a held-out fifth of each clinic's labels; rounds x epochs as set)",
    default: 'paper',
  },
  { key: 'inputScaling', flag: 'input-scaling', kind: 'string', help: "model inputs: 'unit' = x/255, 'centered' = (x/255-0.5)/0.5 (official Normalize(0.5, 0.5))", default: 'unit' },
  { key: 'fl', flag: 'fl', kind: 'string', help: 'fedavg | fedprox | scaffold', default: 'fedavg' },
  { key: 'proxMu', flag: 'prox-mu', kind: 'number', help: 'FedProx mu', default: 0.01 },
  { key: 'modelInit', flag: 'model-init', kind: 'string', help: 'reinit: fresh random model every cycle (paper); continue: keep training the last global model', default: 'reinit' },
  { key: 'localOnlyEpochs', flag: 'local-only-epochs', kind: 'int', help: 'max epochs of the local-only model (FairFAL, LoGo, KAFAL, *-local)', default: 50 },
  { key: 'localOnlyStopAccuracy', flag: 'local-only-stop-accuracy', kind: 'number', help: 'local-only early stop at this training accuracy', default: 0.99 },
  { key: 'localOnlySchedule', flag: 'local-only-schedule', kind: 'string', help: "local-only lr drop at 75% of epochs: 'epoch' (default) or 'batch' (official quirk: after 37 iterations)", default: 'epoch' },
  {
    key: 'localOnlyStopOn',
    flag: 'local-only-stop-on',
    kind: 'string',
    help: "local-only early stop reads 'running' (accuracy of the epoch's training steps) or 'eval' (official: an eval-mode pass after the epoch)",
    default: 'running',
  },
  { key: 'delta', flag: 'delta', kind: 'number', help: 'FairFAL: query with the global model when s_k > delta', default: 0.75 },
  { key: 'kappa', flag: 'kappa', kind: 'number', help: 'FairFAL: stage-1 oversampling factor', default: 4 },
  { key: 'temperature', flag: 'temperature', kind: 'number', help: 'FairFAL: prototype softmax temperature', default: 1.5 },
  { key: 'workers', flag: 'workers', kind: 'int', help: 'engine worker threads all simulated clinics share (jobs go to the least busy)', default: 2 },
  { key: 'evalClientTests', flag: 'eval-client-tests', kind: 'bool', help: "evaluate each client's test partition (local accuracy) every cycle", default: true },
  { key: 'progress', flag: 'progress', kind: 'bool', help: 'progress bar with ETA on stderr', default: true },
  { key: 'fresh', flag: 'fresh', kind: 'bool', help: 'discard an existing run in --out instead of resuming it', default: false },
  {
    key: 'dumpQueryState',
    flag: 'dump-query-state',
    kind: 'string',
    help: "write every client's query state (weights, ids, gamma_bar, our selection) under DIR/cycle<c>/client<k> for bench/parity",
  },
  { key: 'secureAggregation', flag: 'secure-aggregation', kind: 'bool', help: 'issue 19: clinics upload masked contributions; the server unmasks only the sum', default: false },
  { key: 'dpNoise', flag: 'dp-noise', kind: 'number', help: 'issue 19: DP-FedAvg noise multiplier z (with --dp-clip); distributed over the clinics under --secure-aggregation, else central' },
  { key: 'dpClip', flag: 'dp-clip', kind: 'number', help: "issue 19: DP-FedAvg clipping norm C of each clinic's round delta" },
  { key: 'dpWeightCap', flag: 'dp-weight-cap', kind: 'int', help: 'issue 19: labels at which a clinic weighs fully in DP-FedAvg (default 100)' },
];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function parseValue(spec: FlagSpec, raw: string): string | number | boolean {
  switch (spec.kind) {
    case 'string':
      return raw;
    case 'bool':
      if (raw === 'true' || raw === '1' || raw === 'yes') return true;
      if (raw === 'false' || raw === '0' || raw === 'no') return false;
      throw new ConfigError(`--${spec.flag} expects true or false, got '${raw}'`);
    case 'int':
    case 'number': {
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v)) throw new ConfigError(`--${spec.flag} expects a number, got '${raw}'`);
      if (spec.kind === 'int' && !Number.isInteger(v)) throw new ConfigError(`--${spec.flag} expects an integer, got '${raw}'`);
      return v;
    }
  }
}

/** Flags to a partial config. Accepts --flag value, --flag=value, --flag / --no-flag for booleans. */
export function parseFlags(argv: readonly string[]): { values: Record<string, unknown>; configFile?: string } {
  const values: Record<string, unknown> = {};
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument '${arg}' (flags start with --; see --help)`);
    const eq = arg.indexOf('=');
    let name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    let inline: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (name === 'config') {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new ConfigError('--config needs a file path');
      configFile = v;
      continue;
    }
    let negated = false;
    if (name.startsWith('no-') && !FLAGS.some((f) => f.flag === name)) {
      name = name.slice(3);
      negated = true;
    }
    const spec = FLAGS.find((f) => f.flag === name);
    if (!spec) throw new ConfigError(`unknown flag --${name} (see --help)`);
    if (spec.kind === 'bool' && inline === undefined) {
      const next = argv[i + 1];
      if (next !== undefined && /^(true|false|1|0|yes|no)$/.test(next)) {
        inline = next;
        i++;
      } else inline = 'true';
      values[spec.key] = negated ? !parseValue(spec, inline) : parseValue(spec, inline);
      continue;
    }
    if (negated) throw new ConfigError(`--no-${name} only applies to true/false flags`);
    const v = inline ?? argv[++i];
    if (v === undefined) throw new ConfigError(`--${name} needs a value`);
    values[spec.key] = parseValue(spec, v);
  }
  return configFile === undefined ? { values } : { values, configFile };
}

export function defaults(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of FLAGS) if (f.default !== undefined) out[f.key] = f.default;
  return out;
}

/** Defaults < JSON config file < flags, validated. */
export function resolveConfig(argv: readonly string[], readFile: (p: string) => string = (p) => readFileSync(p, 'utf8')): SimConfig {
  const { values, configFile } = parseFlags(argv);
  let fromFile: Record<string, unknown> = {};
  if (configFile !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFile(configFile));
    } catch (e) {
      throw new ConfigError(`cannot read config file '${configFile}': ${(e as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`config file '${configFile}' must hold a JSON object`);
    fromFile = parsed as Record<string, unknown>;
  }
  const merged: Record<string, unknown> = { ...defaults(), ...fromFile, ...values };
  // A flag can take a config file's partition file away again (our own generator then).
  if (merged.partitionFile === 'none') delete merged.partitionFile;
  const r = SimConfigSchema.safeParse(merged);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid simulation config: ${issues}`);
  }
  return r.data;
}

export function helpText(): string {
  const lines = [
    'npm run simulate -- [run] [flags]        run (or resume) one simulation',
    'npm run simulate -- report --runs DIR [DIR ...] [--out DIR] [--title T]',
    '                                         table + SVG plot comparing finished runs',
    '',
    'Federated active learning on a MedMNIST-format dataset: K clients, FedAvg rounds,',
    'then every client queries its budget with the chosen strategy. Resumes from',
    '<out>/checkpoint.json when the settings match. Config: --config FILE.json (keys as',
    'below, camelCase), flags override the file.',
    '',
    'Flags:',
    '  --config FILE                          JSON file with any of the settings below',
  ];
  for (const f of FLAGS) {
    const left = `  --${f.flag}${f.kind === 'bool' ? ' [true|false]' : ` <${f.kind === 'string' ? 'value' : f.kind}>`}`;
    const def = f.default === undefined ? '' : ` (default ${String(f.default)})`;
    lines.push(`${left.padEnd(40)} ${f.help}${def}`);
  }
  lines.push('  --help                                 this text');
  return lines.join('\n');
}

/** Settings that change results: a resumed run must match them exactly. */
export function resultAffectingConfig(c: SimConfig): Omit<SimConfig, 'out' | 'workers' | 'progress' | 'fresh' | 'evalClientTests' | 'dumpQueryState'> {
  const { out: _o, workers: _w, progress: _p, fresh: _f, evalClientTests: _e, dumpQueryState: _d, ...rest } = c;
  return rest;
}
