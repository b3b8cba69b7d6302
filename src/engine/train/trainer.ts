/**
 * Local training loop: seeded shuffling and flips, SGD(momentum, weight decay, optional
 * FedProx, optional SCAFFOLD correction), a step schedule, progress events, cooperative cancellation (the loop yields to
 * the event loop after every batch so a worker can receive a cancel message).
 */
import { createRng, type Rng } from '../../core/rng';
import { cloneWeights, tensorView, type WeightSet } from '../../core/weights';
import { makeBatch, validateImageSet, validateIndices, type ImageSet } from '../dataset';
import { predict } from '../infer/inference';
import type { ModelHandle } from '../model';
import { disposeParams, uploadParams } from '../nn';
import { scheduledLr, type StepSchedule } from './schedule';
import { cosineLr, epochOrder, groupByClass, runLength, type Sampling } from './run-plan';
import { balancedHeldOutLoss, type HoldoutStop } from './holdout-stop';
import type { AugmentOptions } from '../data/augment';
import { createSgdState, sgdStep, trainableRanges, updateRunningStats, type ControlVariates } from './sgd';

export interface TrainOptions {
  epochs: number;
  lr: number;
  batchSize?: number;
  momentum?: number;
  weightDecay?: number;
  schedule?: StepSchedule;
  hflip?: boolean;
  /** FedProx: adds mu/2 * ||w - w_start||^2 to the loss (w_start = the weights training starts from). */
  proxMu?: number;
  /**
   * SCAFFOLD: every step uses g + c - c_i on trainable parameters (not on BatchNorm running
   * buffers). Both vectors have the weight set's length. The result's lrSum lets the caller
   * form the new client control variate (engine/train/scaffold.ts).
   */
  scaffold?: ControlVariates;
  /** Stop after an epoch whose training accuracy reaches this fraction (local-only model: 0.99). */
  earlyStopAccuracy?: number;
  /**
   * Which training accuracy the early stop reads: 'running' (default) = the accuracy of the
   * epoch's training steps (train-mode BatchNorm, free); 'eval' = a separate pass after the
   * epoch in eval mode (running BatchNorm statistics) over the training set with fresh random
   * flips, as the official training_local_only does.
   */
  earlyStopOn?: 'running' | 'eval';
  /** Train at least this many optimiser steps: more epochs when the set is small (issue 16's recipe). */
  minSteps?: number;
  /** Never more than this many steps. */
  maxSteps?: number;
  /** 'shuffle' (default: each image once per epoch) or 'class-balanced' draws (run-plan.ts). */
  sampling?: Sampling;
  /** Augmentation beyond the flips `hflip` gives (data/augment.ts); needs hflip's random stream. */
  augment?: AugmentOptions;
  /** Cosine decay of lr over the whole run (replaces `schedule`). */
  cosine?: boolean;
  /** Keep the weights that score best on these held-out images; stop when they stop improving. */
  holdout?: HoldoutStop;
  /**
   * Tensor-name prefixes held fixed: no update, no weight decay, BatchNorm running statistics
   * kept (fine-tuning only the last block of a pretrained backbone: freeze the blocks before it).
   */
  freeze?: string[];
  seed: number;
}

export interface TrainProgress {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  /** Steps done and the run's total (progress over runs whose length is set in steps). */
  step: number;
  totalSteps: number;
}

export interface TrainHooks {
  onProgress?(p: TrainProgress): void;
  isCancelled?(): boolean;
  /** Yield to the event loop after each batch (default true; costs microseconds). */
  yieldEachBatch?: boolean;
}

export interface EpochStat {
  epoch: number;
  loss: number;
  accuracy: number;
  lr: number;
}

export interface TrainResult {
  weights: WeightSet;
  history: EpochStat[];
  stoppedEarly: boolean;
  steps: number;
  /**
   * Sum of the learning rates of all steps (= steps * lr for a constant lr). SCAFFOLD option II
   * divides (x - y_i) by it in place of K * lr, so a schedule that changes lr mid-run is weighted
   * by the lr each step actually used.
   */
  lrSum: number;
  /** Which schedule unit the run used (FAIRFAL.md asks to record it). */
  scheduleUnit: 'epoch' | 'batch' | 'none';
  /** With a holdout: the step whose weights were kept and their held-out score. */
  best?: { step: number; heldOutLoss: number };
}

export class TrainingCancelledError extends Error {
  constructor() {
    super('training was cancelled');
    this.name = 'TrainingCancelledError';
  }
}

export class TrainingDivergedError extends Error {
  constructor(readonly epoch: number, readonly batch: number) {
    super(`training diverged: loss became non-finite at epoch ${epoch}, batch ${batch}`);
    this.name = 'TrainingDivergedError';
  }
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/** Eval-mode accuracy over the training samples (flipped at random when training flips). */
async function evalPassAccuracy(model: ModelHandle, ws: WeightSet, data: ImageSet, order: Int32Array, flipRng: Rng | undefined): Promise<number> {
  const p = await predict(model, ws, data, order, flipRng ? { flipRng } : {});
  const C = model.arch.config.numClasses;
  let ok = 0;
  for (let i = 0; i < order.length; i++) {
    let best = 0;
    for (let j = 1; j < C; j++) if ((p.probs[i * C + j] as number) > (p.probs[i * C + best] as number)) best = j;
    if (best === data.labels[order[i] as number]) ok++;
  }
  return ok / order.length;
}

export async function trainModel(
  model: ModelHandle,
  init: WeightSet,
  data: ImageSet,
  indices: ArrayLike<number>,
  opts: TrainOptions,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  validateImageSet(data);
  validateIndices(data, indices);
  const { config } = model.arch;
  if (data.height !== config.height || data.width !== config.width || data.channels !== config.channels) {
    throw new Error(`data is ${data.height}x${data.width}x${data.channels} but the model expects ${config.height}x${config.width}x${config.channels}`);
  }
  const bs = opts.batchSize ?? 64;
  const cfg = { lr: opts.lr, momentum: opts.momentum ?? 0.9, weightDecay: opts.weightDecay ?? 1e-5, proxMu: opts.proxMu ?? 0 };
  const ws = cloneWeights(init);
  if (opts.scaffold) {
    const { server, client } = opts.scaffold;
    if (server.length !== ws.data.length || client.length !== ws.data.length) {
      throw new Error(`SCAFFOLD control variates hold ${server.length} (server) and ${client.length} (client) values, the model has ${ws.data.length}`);
    }
  }
  const anchor = cfg.proxMu > 0 ? init.data : undefined;
  const frozen = (name: string) => (opts.freeze ?? []).some((p) => name === p || name.startsWith(`${p}.`));
  const ranges = trainableRanges(ws, frozen);
  const sgd = createSgdState(ws.data.length);
  const shuffleRng = createRng(opts.seed);
  const flipRng = opts.hflip || opts.augment ? shuffleRng.fork() : null;
  const evalFlipRng = opts.hflip && opts.earlyStopOn === 'eval' ? shuffleRng.fork() : undefined;
  const sampling = opts.sampling ?? 'shuffle';
  const byClass = sampling === 'class-balanced' ? groupByClass(indices, data.labels) : null;
  const order = Int32Array.from(indices);
  const history: EpochStat[] = [];
  const plan = runLength(order.length, bs, opts.epochs, opts.minSteps, opts.maxSteps);
  let steps = 0;
  let lrSum = 0;
  let stoppedEarly = false;
  const bnViews = model.arch.blocks.map((b) =>
    frozen(b.prefix)
      ? null
      : {
          mean: tensorView(ws, `${b.prefix}.bn.running_mean`),
          variance: tensorView(ws, `${b.prefix}.bn.running_var`),
        },
  );
  // BatchNorm statistics of block b are taken over batch x h x w values.
  const pixelsPerImage = model.arch.blocks.map((b) => b.h * b.w);
  const holdout = opts.holdout && opts.holdout.indices.length > 0 ? opts.holdout : null;
  let best: { step: number; heldOutLoss: number; weights: Float32Array } | null = null;
  let sinceBest = 0;
  const scoreHoldout = async (): Promise<boolean> => {
    if (!holdout) return false;
    const loss = await balancedHeldOutLoss(model, ws, data, holdout.indices);
    if (best === null || loss < best.heldOutLoss - 1e-4) {
      best = { step: steps, heldOutLoss: loss, weights: Float32Array.from(ws.data) };
      sinceBest = 0;
    } else sinceBest++;
    return sinceBest >= holdout.patience && steps >= (opts.minSteps ?? 0);
  };

  run: for (let epoch = 0; epoch < plan.epochs; epoch++) {
    epochOrder(order, indices, sampling, shuffleRng, byClass);
    const batches = plan.batchesPerEpoch;
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let lr = opts.lr;
    for (let bi = 0; bi < batches; bi++) {
      if (steps >= plan.totalSteps) break run;
      if (hooks.isCancelled?.()) throw new TrainingCancelledError();
      lr = opts.cosine ? cosineLr(opts.lr, steps, plan.totalSteps) : scheduledLr(opts.lr, opts.schedule, epoch, steps);
      const idx = order.subarray(bi * bs, Math.min(order.length, (bi + 1) * bs));
      const { x, labels } = makeBatch(data, idx, opts.hflip || opts.augment ? flipRng : null, config.inputScaling, opts.augment);
      const params = uploadParams(ws);
      let out;
      try {
        out = model.net.step(params, x, labels);
      } finally {
        disposeParams(params);
        x.dispose();
      }
      if (!Number.isFinite(out.loss)) throw new TrainingDivergedError(epoch, bi);
      sgdStep(ws.data, out.grad, sgd, ranges, cfg, lr, anchor, opts.scaffold);
      out.batchStats.forEach((s, b) => {
        const v = bnViews[b];
        if (v) updateRunningStats(v.mean, v.variance, s, idx.length * (pixelsPerImage[b] as number));
      });
      steps++;
      lrSum += lr;
      lossSum += out.loss * idx.length;
      correct += out.correct;
      seen += idx.length;
      hooks.onProgress?.({ epoch, batch: bi, batches, loss: out.loss, step: steps, totalSteps: plan.totalSteps });
      if (hooks.yieldEachBatch !== false) await tick();
      // Checkpoints are only scored from minSteps on: the run is never cut short of its minimum,
      // and an early, nearly uniform model cannot win on the held-out loss (on ODIR it did).
      if (holdout && steps % holdout.everySteps === 0 && steps >= (opts.minSteps ?? 0) && (await scoreHoldout())) {
        stoppedEarly = true;
        history.push({ epoch, loss: seen > 0 ? lossSum / seen : 0, accuracy: seen > 0 ? correct / seen : 0, lr });
        break run;
      }
    }
    const accuracy = opts.earlyStopOn === 'eval' && seen > 0 ? await evalPassAccuracy(model, ws, data, order, evalFlipRng) : seen > 0 ? correct / seen : 0;
    history.push({ epoch, loss: seen > 0 ? lossSum / seen : 0, accuracy, lr });
    if (opts.earlyStopAccuracy !== undefined && accuracy >= opts.earlyStopAccuracy) {
      stoppedEarly = epoch < plan.epochs - 1;
      break;
    }
  }
  if (holdout && !stoppedEarly) await scoreHoldout();
  const kept = best as { step: number; heldOutLoss: number; weights: Float32Array } | null;
  if (kept) {
    ws.data.set(kept.weights);
    return { weights: ws, history, stoppedEarly, steps, lrSum, scheduleUnit: opts.schedule?.unit ?? 'none', best: { step: kept.step, heldOutLoss: kept.heldOutLoss } };
  }
  return { weights: ws, history, stoppedEarly, steps, lrSum, scheduleUnit: opts.schedule?.unit ?? 'none' };
}
