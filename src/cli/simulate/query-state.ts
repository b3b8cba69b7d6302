/**
 * One client's FairFAL query state on disk, in a layout both this project and the official
 * PyTorch code read (bench/parity): state.json (ids, gamma_bar, budget, input scaling) and
 * global.bin / local.bin (float32 little-endian, torch tensor layout, in state.json's order).
 * Beside them each side writes what its query decided (ours.json / official.json).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { type QuerySelection, type WeightSet } from '../../core';
import type { ConvNetArch, InputScaling } from '../../engine/models/types';
import { fromTorchTensors, toTorchTensors, type NamedTensor } from '../../engine/weights/torch-layout';

export const QueryStateMetaSchema = z.object({
  version: z.literal(1),
  source: z.string(),
  /** The MedMNIST-format .npz whose train split the ids index. */
  dataset: z.string().min(1),
  numClasses: z.number().int().min(2),
  inputScaling: z.enum(['unit', 'centered']),
  labeled: z.array(z.number().int().nonnegative()),
  /** The pool order every per-sample list of the outcome follows. */
  unlabeled: z.array(z.number().int().nonnegative()),
  gammaBar: z.number().nullable(),
  budget: z.number().int().positive(),
  weights: z.object({ global: z.string(), local: z.string() }),
  tensors: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().positive()) })),
});
export type QueryStateMeta = z.infer<typeof QueryStateMetaSchema>;

/** What one side's FairFAL query decided on a state (ids are train-split indices). */
export const QueryOutcomeSchema = z.object({
  side: z.enum(['ours', 'official']),
  gammaK: z.number(),
  divergence: z.number(),
  gammaBar: z.number(),
  sK: z.number(),
  queryModel: z.enum(['global', 'local']),
  gradSource: z.enum(['global', 'local']),
  pseudoLabels: z.array(z.number().int()),
  quota: z.array(z.number().int()),
  candidates: z.array(z.array(z.number().int())),
  normalizedEntropy: z.array(z.number()),
  selected: z.array(z.number().int()),
});
export type QueryOutcome = z.infer<typeof QueryOutcomeSchema>;

export class QueryStateError extends Error {
  override readonly name = 'QueryStateError';
}

function writeTensors(path: string, tensors: readonly NamedTensor[]): void {
  const n = tensors.reduce((s, t) => s + t.data.length, 0);
  const buf = Buffer.alloc(n * 4);
  let off = 0;
  for (const t of tensors) for (const v of t.data) off = buf.writeFloatLE(v, off);
  writeFileSync(path, buf);
}

export function writeQueryState(
  dir: string,
  s: { source: string; dataset: string; numClasses: number; inputScaling: InputScaling; labeled: readonly number[]; unlabeled: readonly number[]; gammaBar: number | null; budget: number },
  arch: ConvNetArch,
  global: WeightSet,
  local: WeightSet,
): void {
  mkdirSync(dir, { recursive: true });
  const g = toTorchTensors(global, arch);
  writeTensors(join(dir, 'global.bin'), g);
  writeTensors(join(dir, 'local.bin'), toTorchTensors(local, arch));
  const meta: QueryStateMeta = {
    version: 1,
    ...s,
    dataset: resolve(s.dataset),
    labeled: [...s.labeled],
    unlabeled: [...s.unlabeled],
    weights: { global: 'global.bin', local: 'local.bin' },
    tensors: g.map((t) => ({ name: t.name, shape: t.shape })),
  };
  writeFileSync(join(dir, 'state.json'), JSON.stringify(meta));
}

function readTensors(path: string, meta: QueryStateMeta): NamedTensor[] {
  const buf = readFileSync(path);
  const total = meta.tensors.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
  if (buf.length !== total * 4) throw new QueryStateError(`${path} holds ${buf.length} bytes, state.json lists ${total} float32 values`);
  let off = 0;
  return meta.tensors.map((t) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = buf.readFloatLE((off + i) * 4);
    off += n;
    return { name: t.name, shape: t.shape, data };
  });
}

export function readQueryState(dir: string, arch: (meta: QueryStateMeta) => ConvNetArch): { meta: QueryStateMeta; global: WeightSet; local: WeightSet } {
  const r = QueryStateMetaSchema.safeParse(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')));
  if (!r.success) throw new QueryStateError(`${dir}/state.json: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const meta = r.data;
  const a = arch(meta);
  return {
    meta,
    global: fromTorchTensors(readTensors(join(dir, meta.weights.global), meta), a),
    local: fromTorchTensors(readTensors(join(dir, meta.weights.local), meta), a),
  };
}

export function readQueryOutcome(path: string): QueryOutcome {
  const r = QueryOutcomeSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!r.success) throw new QueryStateError(`${path}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** Our FairFAL selection as an outcome record, pool positions mapped to train ids. */
export function ourOutcome(sel: QuerySelection, unlabeled: readonly number[], normalizedEntropy: ArrayLike<number>): QueryOutcome {
  const ff = sel.fairfal;
  if (!ff) throw new QueryStateError('the selection carries no FairFAL details');
  const id = (i: number) => unlabeled[i] as number;
  return {
    side: 'ours',
    gammaK: ff.gammaK,
    divergence: ff.divergence,
    gammaBar: ff.gammaBar,
    sK: ff.queryModel.score,
    queryModel: ff.queryModel.model,
    gradSource: ff.gradSource,
    pseudoLabels: Array.from(ff.pseudoLabels),
    quota: ff.quota,
    candidates: ff.candidates.map((c) => c.map(id).sort((a, b) => a - b)),
    normalizedEntropy: Array.from(normalizedEntropy),
    selected: sel.selected.map(id).sort((a, b) => a - b),
  };
}

/** Where two sides' decisions on one state agree (bench/parity's table). */
export interface ClientComparison {
  state: string;
  queryModel: [string, string];
  gradSource: [string, string];
  sK: [number, number];
  gammaK: [number, number];
  pseudoLabelAgreement: number;
  quotaEqual: boolean;
  quota: [number[], number[]];
  candidatesEqual: boolean;
  candidateOverlap: number;
  selectedOverlap: number;
  selectedEqual: boolean;
  budget: number;
  maxEntropyDiff: number;
}

function overlap(a: readonly number[], b: readonly number[]): number {
  const s = new Set(a);
  return b.filter((x) => s.has(x)).length;
}

export function compareOutcomes(state: string, o: QueryOutcome, r: QueryOutcome): ClientComparison {
  const n = o.pseudoLabels.length;
  if (r.pseudoLabels.length !== n) throw new QueryStateError(`${state}: ${n} vs ${r.pseudoLabels.length} pseudo-labels`);
  let agree = 0;
  let maxH = 0;
  for (let i = 0; i < n; i++) {
    if (o.pseudoLabels[i] === r.pseudoLabels[i]) agree++;
    maxH = Math.max(maxH, Math.abs((o.normalizedEntropy[i] as number) - (r.normalizedEntropy[i] as number)));
  }
  const oc = o.candidates.flat();
  const rc = r.candidates.flat();
  return {
    state,
    queryModel: [o.queryModel, r.queryModel],
    gradSource: [o.gradSource, r.gradSource],
    sK: [o.sK, r.sK],
    gammaK: [o.gammaK, r.gammaK],
    pseudoLabelAgreement: n ? agree / n : 1,
    quotaEqual: o.quota.every((q, c) => q === r.quota[c]),
    quota: [o.quota, r.quota],
    candidatesEqual: o.candidates.every((c, k) => c.length === (r.candidates[k] ?? []).length && c.every((x, i) => x === r.candidates[k]?.[i])),
    candidateOverlap: Math.max(oc.length, rc.length) ? overlap(oc, rc) / Math.max(oc.length, rc.length) : 1,
    selectedOverlap: overlap(o.selected, r.selected),
    selectedEqual: o.selected.length === r.selected.length && o.selected.every((x, i) => x === r.selected[i]),
    budget: Math.max(o.selected.length, r.selected.length),
    maxEntropyDiff: maxH,
  };
}
