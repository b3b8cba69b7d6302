/** A model ready to run: its definition, architecture, and the forward/backward implementation for the active backend. */
import type { WeightSet } from '../core/weights';
import { createNet, type NetImpl, type NetKind } from './nn';
import { getModel } from './models/registry';
import type { ConvNetArch, ModelConfig, ModelDefinition } from './models/types';

export interface ModelHandle {
  def: ModelDefinition;
  arch: ConvNetArch;
  net: NetImpl;
}

export function openModel(config: ModelConfig, kind: NetKind = 'auto'): ModelHandle {
  const def = getModel(config.name);
  const arch = def.describe(config);
  return { def, arch, net: createNet(arch, kind) };
}

export function initWeights(config: ModelConfig, seed: number): WeightSet {
  return getModel(config.name).init(config, seed);
}
