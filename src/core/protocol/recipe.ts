// How a clinic trains its model: the paper's recipe (a fixed number of epochs, flips only; the
// fixed protocol of the simulator keeps it) or the recipe that converges for any label count
// (issue 16): at least `minSteps` optimiser steps, class-balanced draws for the long tail,
// augmentation for photographs without an "up", cosine lr, early stopping on the clinic's
// held-out labels once there are enough of them. Standalone mode and new federations use it.

export interface AugmentSettings {
  vflip: boolean;
  rot90: boolean;
  jitter: number;
  cropScale: number;
}

export interface EarlyStopSettings {
  /** Score the held-out labels every this many steps. */
  everySteps: number;
  /** Stop after this many scores without improvement. */
  patience: number;
  /** Stop early only with at least this many held-out images (fewer: the run's full length). */
  minHeldOut: number;
}

export interface RecipeSettings {
  momentum: number;
  weightDecay: number;
  batchSize: number;
  hflip: boolean;
  minSteps: number;
  sampling: 'shuffle' | 'class-balanced';
  augment: AugmentSettings | null;
  cosine: boolean;
  earlyStopping: EarlyStopSettings | null;
  /** Blocks held fixed (tensor-name prefixes): fine-tuning only the last block of a pretrained network. */
  frozenBlocks: string[];
}

export const PAPER_RECIPE: RecipeSettings = {
  momentum: 0.9,
  weightDecay: 1e-5,
  batchSize: 64,
  hflip: true,
  minSteps: 0,
  sampling: 'shuffle',
  augment: null,
  cosine: false,
  earlyStopping: null,
  frozenBlocks: [],
};

export const CONVERGE_RECIPE: RecipeSettings = {
  momentum: 0.9,
  weightDecay: 5e-4,
  batchSize: 32,
  hflip: true,
  minSteps: 400,
  sampling: 'class-balanced',
  augment: { vflip: true, rot90: true, jitter: 0.1, cropScale: 0.7 },
  cosine: true,
  earlyStopping: { everySteps: 50, patience: 4, minHeldOut: 40 },
  frozenBlocks: [],
};

/**
 * The converging recipe inside a federation of several clinics: the federation's rounds x epochs
 * and its round lr schedule set the length and the lr (as for the paper's recipe), so no step
 * minimum, no cosine and no early stop per round; the class-balanced draws, the augmentation
 * and the weight decay stay, and each clinic keeps its held-out labels.
 */
export const CONVERGE_ROUND_RECIPE: RecipeSettings = { ...CONVERGE_RECIPE, minSteps: 0, cosine: false, earlyStopping: null };

/** The converging recipe's learning rate (the federation's initial lr where it is chosen). */
export const CONVERGE_LEARNING_RATE = 0.01;

export function recipeName(r: Partial<RecipeSettings>): 'paper' | 'converge' | 'custom' {
  const same = (a: RecipeSettings) => (Object.keys(a) as (keyof RecipeSettings)[]).every((k) => JSON.stringify(r[k] ?? PAPER_RECIPE[k]) === JSON.stringify(a[k]));
  return same(PAPER_RECIPE) ? 'paper' : same(CONVERGE_RECIPE) ? 'converge' : 'custom';
}
