import type { TensorSpec, WeightSet } from '../../core/weights';

/**
 * How uint8 pixels become model inputs: 'unit' = x / 255 (torchvision ToTensor), 'centered'
 * = (x / 255 - 0.5) / 0.5 in [-1, 1] (the official FairFAL code's Normalize(0.5, 0.5)).
 */
export type InputScaling = 'unit' | 'centered';
export const INPUT_SCALINGS: readonly InputScaling[] = ['unit', 'centered'];

export interface ModelConfig {
  /** Registry key, e.g. 'cnn4conv'. */
  name: string;
  height: number;
  width: number;
  /** 1 or 3 for images (what cnn4conv and resnet9s take); D for a head on D-dimensional features. */
  channels: number;
  numClasses: number;
  /** Default 'unit' (what every model trained before this option existed expects). */
  inputScaling?: InputScaling;
}

/** A conv block: conv3x3(pad 1) -> BatchNorm -> ReLU -> MaxPool(2) (the pool only where `pool` is not false). */
export interface ConvBlockSpec {
  prefix: string;
  cin: number;
  cout: number;
  /** Input spatial size of this block. */
  h: number;
  w: number;
  /** Default true: a 2x2 max pool ends the block. */
  pool?: boolean;
}

/**
 * An identity shortcut: the input of block `from` is added to the output of block `to`
 * (same shape; the blocks between keep size and channels), as in ResNet-9's residual units.
 */
export interface Residual {
  from: number;
  to: number;
}

/**
 * How the last block's output becomes the feature vector: 'flatten' in PyTorch's NCHW order
 * (CNN4Conv), or 'global-avg' (the mean over positions per channel, as ResNets end).
 */
export type FeatureHead = 'flatten' | 'global-avg';

/** Architectures the fast path understands: conv blocks (with optional residuals), a feature head, one linear layer. */
export interface ConvNetArch {
  config: ModelConfig;
  blocks: ConvBlockSpec[];
  /** Default none. */
  residuals?: Residual[];
  /** Default 'flatten'. */
  head?: FeatureHead;
  /** Spatial size and channels after the last block. */
  final: { h: number; w: number; c: number };
  featureDim: number;
  specs: TensorSpec[];
}

export interface ModelDefinition {
  name: string;
  describe(config: ModelConfig): ConvNetArch;
  /** Seeded initial weights, matching PyTorch's default initialisation. */
  init(config: ModelConfig, seed: number): WeightSet;
}

export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;
