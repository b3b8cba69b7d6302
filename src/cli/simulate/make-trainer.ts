/** Picks the trainer for a run: the engine's worker pool for --workers > 1, else in-process (one thread). */
import { type SimConfig } from './config';
import { type SimData } from './data';
import { InProcessEngineTrainer } from './engine-trainer';
import { PoolEngineTrainer } from './pool-trainer';
import { type SimTrainer } from './trainer';

export async function createSimTrainer(cfg: SimConfig, data: SimData): Promise<SimTrainer> {
  return cfg.workers > 1 ? PoolEngineTrainer.create(data, cfg.workers) : InProcessEngineTrainer.create(data);
}
