/**
 * Learning-rate schedules of FAIRFAL.md. Federated rounds: lr x0.1 from 75% of the rounds on.
 * Local-only training: MultiStepLR with the milestone at 75% of the epochs; the official code
 * steps it per batch (so the drop comes after 37 iterations), reproduced with unit 'batch'.
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

/** FedAvg rounds: lr x0.1 once round (0-based) reaches floor(0.75 * totalRounds). */
export function federatedRoundLr(baseLr: number, round: number, totalRounds: number, fraction = 0.75): number {
  return round >= Math.floor(fraction * totalRounds) ? baseLr * 0.1 : baseLr;
}

/** The local-only schedule: milestone at int(0.75 * maxEpochs) (37 for 50), per epoch or per batch. */
export function localOnlySchedule(maxEpochs: number, unit: 'epoch' | 'batch' = 'epoch'): StepSchedule {
  return { milestones: [Math.floor(0.75 * maxEpochs)], gamma: 0.1, unit };
}
