// Every random choice of a run draws from its own stream, derived from the run seed and a path
// (purpose, cycle, round, client). A resumed run therefore needs no serialized RNG state, and
// the server and the simulator draw the same fresh model for a cycle from the same seed.

/** 32-bit FNV-1a over the seed and path, then one splitmix round (well mixed, platform independent). */
export function deriveSeed(seed: number, ...path: (string | number)[]): number {
  let h = 0x811c9dc5;
  const feed = (s: string) => {
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    h ^= 0x2f;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  feed(String(seed));
  for (const p of path) feed(String(p));
  let z = (h + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** The seed of cycle `cycle`'s fresh global model (official code: a new init every cycle). */
export function cycleInitSeed(seed: number, cycle: number): number {
  return deriveSeed(seed, 'init', cycle);
}
