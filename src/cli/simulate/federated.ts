/**
 * One cycle's federated training: R rounds, every client trains E local epochs from the
 * global weights on its labeled set, the server aggregates (FedAvg weighted by |L_k|;
 * FedProx = FedAvg with the proximal term on the clients; SCAFFOLD with control variates).
 */
import { createAggregator, createWeightSet, type AggregatorSpec, type ClientUpdate, type WeightSet } from '../../core';
import { nextClientControl } from '../../engine/train/scaffold';
import { type SimConfig } from './config';
import { roundLr } from './plan';
import { type ProgressBar } from './progress';
import { deriveSeed } from './seeds';
import { type SimTrainer, type TrainOutcome } from './trainer';

/** SCAFFOLD state: the server control variate c and every client's c_i (weight-set layout). */
export interface ControlVariates {
  server: Float32Array;
  clients: Float32Array[];
}

/** The protocol's aggregator for the run's --fl (the same one the server creates from a config). */
export function aggregatorSpec(cfg: Pick<SimConfig, 'fl' | 'proxMu'>): AggregatorSpec {
  if (cfg.fl === 'fedprox') return { name: 'fedprox', mu: cfg.proxMu };
  if (cfg.fl === 'scaffold') return { name: 'scaffold', globalLearningRate: 1 };
  return { name: 'fedavg' };
}

export function zeroControls(clients: number, paramCount: number): ControlVariates {
  return { server: new Float32Array(paramCount), clients: Array.from({ length: clients }, () => new Float32Array(paramCount)) };
}

export interface FederatedCycleResult {
  weights: WeightSet;
  imagePasses: number;
  /** SCAFFOLD: the control variates after the last round (null for FedAvg/FedProx). */
  controls: ControlVariates | null;
}

/**
 * `controls` (SCAFFOLD only) is where the cycle's control variates start; null starts from
 * zeros, as the paper's algorithm and the federation server do for a fresh model.
 */
export async function trainFederatedCycle(
  cfg: SimConfig,
  trainer: SimTrainer,
  init: WeightSet,
  labeled: readonly Int32Array[],
  cycle: number,
  progress: ProgressBar | null,
  controls: ControlVariates | null = null,
): Promise<FederatedCycleResult> {
  const K = labeled.length;
  let global = init;
  let passes = 0;
  const n = init.data.length;
  let cv: ControlVariates | null = null;
  if (cfg.fl === 'scaffold') {
    cv = controls ? { server: controls.server, clients: controls.clients.slice() } : zeroControls(K, n);
    if (cv.clients.length !== K || cv.server.length !== n || cv.clients.some((c) => c.length !== n)) {
      throw new Error(`SCAFFOLD control variates do not fit ${K} clients x ${n} parameters`);
    }
  }

  const aggregator = createAggregator(aggregatorSpec(cfg));
  for (let r = 0; r < cfg.rounds; r++) {
    const lr = roundLr(cfg, r);
    progress?.setPhase(cycle, `round ${r + 1}/${cfg.rounds}`, K);
    const active = [...Array(K).keys()].filter((k) => (labeled[k] as Int32Array).length > 0);
    const roundControls = cv;
    const outs: TrainOutcome[] = await Promise.all(
      active.map(async (k) => {
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
            ...(roundControls ? { control: { server: roundControls.server, client: roundControls.clients[k] as Float32Array } } : {}),
          },
          (t) => progress?.addWork(t.images),
        );
        progress?.clientDone();
        return out;
      }),
    );
    for (const o of outs) passes += o.imagePasses;
    const updates: ClientUpdate[] = outs.map((o, j) => {
      const k = active[j] as number;
      const u: ClientUpdate = { clientId: String(k), weights: o.weights.data, sampleCount: (labeled[k] as Int32Array).length };
      if (cv) {
        // SCAFFOLD option II: c_i+ = c_i - c + (x - y_i) / (sum of the step lrs), trainable entries only.
        const next = nextClientControl(global.specs, global.data, o.weights.data, cv.server, cv.clients[k] as Float32Array, o.lrSum);
        cv.clients[k] = next.control;
        u.controlDelta = next.delta;
      }
      return u;
    });
    const res = aggregator.aggregate({ global: global.data, control: cv ? cv.server : null, updates, totalClients: K });
    if (cv && res.control) cv.server = res.control;
    global = createWeightSet(global.specs, res.weights);
  }
  return { weights: global, imagePasses: passes, controls: cv };
}
