/** Models by name, so a larger architecture can be added without touching callers. */
import { cnn4conv, ModelConfigError } from './cnn4conv';
import { linearHead } from './linear-head';
import { resnet9s } from './resnet9s';
import type { ModelDefinition } from './types';

const MODELS = new Map<string, ModelDefinition>([
  [cnn4conv.name, cnn4conv],
  [resnet9s.name, resnet9s],
  [linearHead.name, linearHead],
]);

export function registerModel(def: ModelDefinition): void {
  MODELS.set(def.name, def);
}

export function getModel(name: string): ModelDefinition {
  const m = MODELS.get(name);
  if (!m) throw new ModelConfigError(`unknown model '${name}' (known: ${[...MODELS.keys()].join(', ')})`);
  return m;
}

export function modelNames(): string[] {
  return [...MODELS.keys()];
}

export { ModelConfigError };
