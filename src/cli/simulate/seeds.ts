/** The simulator's random streams: the protocol's derived seeds (core/protocol/seeds.ts). */
import { createRng, deriveSeed, type Rng } from '../../core';

export { deriveSeed };

export function rngFor(seed: number, ...path: (string | number)[]): Rng {
  return createRng(deriveSeed(seed, ...path));
}
