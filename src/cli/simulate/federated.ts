/**
 * One cycle's federated training: R rounds, every client trains E local epochs from the
 * global weights on its labeled set, the server aggregates (FedAvg weighted by |L_k|;
 * FedProx = FedAvg with the proximal term on the clients; SCAFFOLD with control variates).
 */
import { createWeightSet, fedAvg, scaffoldAggregate, type WeightSet } from '../../core';
import { type SimConfig } from './config';
import { roundLr } from './plan';
import { type ProgressBar } from './progress';
import { deriveSeed } from './seeds';
import { type SimTrainer, type TrainOutcome } from './trainer';

export interface FederatedCycleResult {
  weights: WeightSet;
  imagePasses: number;
}

export async function trainFederatedCycle(
  cfg: SimConfig,
  trainer: SimTrainer,
  init: WeightSet,
  labeled: readonly Int32Array[],
  cycle: number,
  progress: ProgressBar | null,
): Promise<FederatedCycleResult> {
  const K = labeled.length;
  let global = init;
  let passes = 0;
  const n = init.data.length;
  const scaffold = cfg.fl === 'scaffold';
  let cGlobal: Float32Array | null = scaffold ? new Float32Array(n) : null;
  const cLocal = scaffold ? labeled.map(() => new Float32Array(n)) : null;

  for (let r = 0; r < cfg.rounds; r++) {
    const lr = roundLr(cfg, r);
    progress?.setPhase(cycle, `round ${r + 1}/${cfg.rounds}`, K);
    const active = [...Array(K).keys()].filter((k) => (labeled[k] as Int32Array).length > 0);
    const outs: TrainOutcome[] = await Promise.all(
      active.map(async (k) => {
        let gradCorrection: Float32Array | undefined;
        if (cGlobal && cLocal) {
          gradCorrection = new Float32Array(n);
          const ci = cLocal[k] as Float32Array;
          for (let i = 0; i < n; i++) gradCorrection[i] = (cGlobal[i] as number) - (ci[i] as number);
        }
        const out = await trainer.train(
          {
            client: k,
            init: global,
            indices: labeled[k] as Int32Array,
            epochs: cfg.localEpochs,
            lr,
            momentum: cfg.momentum,
            weightDecay: cfg.weightDecay,
            batchSize: cfg.batchSize,
            hflip: cfg.hflip,
            seed: deriveSeed(cfg.seed, 'train', cycle, r, k),
            ...(cfg.fl === 'fedprox' ? { proxMu: cfg.proxMu } : {}),
            ...(gradCorrection ? { gradCorrection } : {}),
          },
          (t) => progress?.addWork(t.images),
        );
        progress?.clientDone();
        return out;
      }),
    );
    for (const o of outs) passes += o.imagePasses;
    if (cGlobal && cLocal) {
      // SCAFFOLD option II: c_i+ = c_i - c + (x - y_i) / (steps * lr).
      const updates = outs.map((o, j) => {
        const k = active[j] as number;
        const ci = cLocal[k] as Float32Array;
        const next = new Float32Array(n);
        const delta = new Float32Array(n);
        const scale = 1 / (Math.max(1, o.steps) * lr);
        for (let i = 0; i < n; i++) {
          next[i] = (ci[i] as number) - (cGlobal![i] as number) + ((global.data[i] as number) - (o.weights.data[i] as number)) * scale;
          delta[i] = (next[i] as number) - (ci[i] as number);
        }
        cLocal[k] = next;
        return { weights: o.weights.data, controlDelta: delta };
      });
      const res = scaffoldAggregate(global.data, cGlobal, updates, K);
      cGlobal = res.control;
      global = createWeightSet(global.specs, res.weights);
    } else {
      const avg = fedAvg(outs.map((o, j) => ({ weights: o.weights.data, sampleCount: (labeled[active[j] as number] as Int32Array).length })));
      global = createWeightSet(global.specs, avg);
    }
  }
  return { weights: global, imagePasses: passes };
}
