/**
 * Step learning-rate schedules inside one training run (torch's MultiStepLR, stepped per epoch
 * or per batch). Which schedule a protocol step uses (the local-only recipe, the round lr) is
 * defined once in core/protocol.
 */
export interface StepSchedule {
  /** Epoch (unit 'epoch') or iteration (unit 'batch') counts after which lr is multiplied by gamma. */
  milestones: number[];
  gamma: number;
  unit: 'epoch' | 'batch';
}

/** lr for a 0-based epoch and a 0-based global iteration, like torch MultiStepLR stepped per unit. */
export function scheduledLr(baseLr: number, schedule: StepSchedule | undefined, epoch: number, iteration: number): number {
  if (!schedule) return baseLr;
  const t = schedule.unit === 'epoch' ? epoch : iteration;
  let lr = baseLr;
  for (const m of schedule.milestones) if (t >= m) lr *= schedule.gamma;
  return lr;
}
