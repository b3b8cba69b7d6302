/**
 * Small seeded PRNG: xoshiro128** (Blackman & Vigna) seeded through splitmix32, so any
 * 32-bit integer seed gives a well-mixed state. Same seed => same stream on every platform
 * (only 32-bit integer ops and Math.imul). Helpers cover what partitions, init and query
 * strategies need: uniform ints/floats, shuffle, choice, normal, gamma, dirichlet.
 */
import { CoreArgumentError } from './errors';

export interface Rng {
  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform float in [0, 1) with 53 random bits. */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Fisher-Yates shuffle in place; returns the same array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T;
  /** One uniformly chosen element. */
  choice<T>(items: ArrayLike<T>): T;
  /** 0..n-1 in random order. */
  permutation(n: number): Int32Array;
  /** Standard normal (mean 0, sd 1), Marsaglia polar method. */
  normal(mean?: number, sd?: number): number;
  /** Gamma(shape, scale) by Marsaglia-Tsang; shape < 1 via the u^(1/shape) boost. */
  gamma(shape: number, scale?: number): number;
  /** Dirichlet sample: a probability vector (sums to 1) with the given concentrations. */
  dirichlet(alpha: ArrayLike<number>): Float64Array;
  /** Independent generator derived from this one's stream (for sub-tasks). */
  fork(): Rng;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;

/** Create a generator. Non-integer seeds are truncated; the seed is taken modulo 2^32. */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new CoreArgumentError(`rng seed must be finite, got ${seed}`);
  const sm = splitmix32(Math.trunc(seed) >>> 0);
  let a = sm();
  let b = sm();
  let c = sm();
  let d = sm();
  if ((a | b | c | d) === 0) a = 1; // xoshiro's all-zero state is a fixed point

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  const next = (): number => ((nextUint32() >>> 5) * TWO_POW_26 + (nextUint32() >>> 6)) / TWO_POW_53;

  const int = (n: number): number => {
    if (!Number.isInteger(n) || n <= 0) throw new CoreArgumentError(`rng.int needs a positive integer, got ${n}`);
    return Math.floor(next() * n);
  };

  const normal = (mean = 0, sd = 1): number => {
    for (;;) {
      const u = 2 * next() - 1;
      const v = 2 * next() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) return mean + sd * u * Math.sqrt((-2 * Math.log(s)) / s);
    }
  };

  const gamma = (shape: number, scale = 1): number => {
    if (!(shape > 0) || !Number.isFinite(shape)) throw new CoreArgumentError(`gamma shape must be > 0, got ${shape}`);
    if (shape < 1) {
      // Gamma(a) = Gamma(a + 1) * U^(1/a)
      const u = 1 - next(); // (0, 1]
      return gamma(shape + 1, scale) * Math.pow(u, 1 / shape);
    }
    const dd = shape - 1 / 3;
    const cc = 1 / Math.sqrt(9 * dd);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + cc * x;
      } while (v <= 0);
      v = v * v * v;
      const u = next();
      if (u < 1 - 0.0331 * x * x * x * x) return dd * v * scale;
      if (Math.log(u) < 0.5 * x * x + dd * (1 - v + Math.log(v))) return dd * v * scale;
    }
  };

  const rng: Rng = {
    nextUint32,
    next,
    int,
    shuffle(items) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = int(i + 1);
        const tmp = items[i];
        items[i] = items[j];
        items[j] = tmp;
      }
      return items;
    },
    choice(items) {
      if (items.length === 0) throw new CoreArgumentError('rng.choice on an empty list');
      return items[int(items.length)] as (typeof items)[number];
    },
    permutation(n) {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = i;
      return rng.shuffle(out);
    },
    normal,
    gamma,
    dirichlet(alpha) {
      const k = alpha.length;
      if (k === 0) throw new CoreArgumentError('dirichlet needs at least one concentration');
      const out = new Float64Array(k);
      let sum = 0;
      for (let i = 0; i < k; i++) {
        out[i] = gamma(alpha[i] as number);
        sum += out[i] as number;
      }
      if (sum === 0 || !Number.isFinite(sum)) {
        // Tiny concentrations can underflow every draw to 0: the limit is a one-hot vector.
        out.fill(0);
        out[int(k)] = 1;
        return out;
      }
      for (let i = 0; i < k; i++) out[i] = (out[i] as number) / sum;
      return out;
    },
    fork() {
      return createRng(nextUint32());
    },
  };
  return rng;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
