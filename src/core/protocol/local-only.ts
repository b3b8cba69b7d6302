// The local-only model's recipe (FAIRFAL.md step 1): from a fresh init on the client's labels
// only, up to 50 epochs of SGD (lr 0.01, momentum 0.9, wd 1e-5, batch 64, flips), the lr x0.1 at
// 75% of the epochs, stop once training accuracy reaches 99%. The official code steps its
// MultiStepLR per batch and reads the accuracy in an eval-mode pass: both are options here.

export interface LocalOnlyRecipe {
  maxEpochs: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  batchSize: number;
  hflip: boolean;
  stopAccuracy: number;
  /** 'epoch' (FAIRFAL.md default) or 'batch' (the official per-iteration quirk). */
  scheduleUnit: 'epoch' | 'batch';
  /** 'eval' (official: a pass in eval mode after each epoch) or 'running' (the epoch's own steps). */
  stopOn: 'eval' | 'running';
}

export const LOCAL_ONLY_DEFAULTS: LocalOnlyRecipe = {
  maxEpochs: 50,
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 1e-5,
  batchSize: 64,
  hflip: true,
  stopAccuracy: 0.99,
  scheduleUnit: 'epoch',
  stopOn: 'eval',
};

/** The SGD settings every training job carries (local-only models and federated rounds alike). */
export interface SgdSettings {
  epochs: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  batchSize: number;
  hflip: boolean;
  seed: number;
}

/** Training options for the engine (structurally its TrainOptions). */
export interface LocalOnlyTrainOptions extends SgdSettings {
  schedule: { milestones: number[]; gamma: number; unit: 'epoch' | 'batch' };
  earlyStopAccuracy: number;
  earlyStopOn: 'eval' | 'running';
}

export function localOnlyTraining(seed: number, recipe: Partial<LocalOnlyRecipe> = {}): LocalOnlyTrainOptions {
  const r = { ...LOCAL_ONLY_DEFAULTS, ...recipe };
  return {
    epochs: r.maxEpochs,
    lr: r.lr,
    momentum: r.momentum,
    weightDecay: r.weightDecay,
    batchSize: r.batchSize,
    hflip: r.hflip,
    schedule: { milestones: [Math.floor(0.75 * r.maxEpochs)], gamma: 0.1, unit: r.scheduleUnit },
    earlyStopAccuracy: r.stopAccuracy,
    earlyStopOn: r.stopOn,
    seed,
  };
}
