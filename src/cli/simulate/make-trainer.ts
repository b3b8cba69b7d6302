/** Picks the trainer for a run: the engine's worker pool for --workers > 1, else in-process (one thread). */
import { type SimConfig } from './config';
import { type SimData } from './data';
import { InProcessEngineTrainer, modelConfigFor } from './engine-trainer';
import { PoolEngineTrainer } from './pool-trainer';
import { type SimTrainer } from './trainer';

export async function createSimTrainer(cfg: SimConfig, data: SimData): Promise<SimTrainer> {
  const model = modelConfigFor(data, cfg.inputScaling);
  return cfg.workers > 1 ? PoolEngineTrainer.create(data, model, cfg.workers) : InProcessEngineTrainer.create(data, model);
}
