/** The protocol's arithmetic: cycle fractions, per-client budgets, the round lr schedule. */
import { type SimConfig } from './config';

/** Python's round(n, -2) for a non-negative integer: nearest hundred, ties to the even hundred. */
export function roundHundredsHalfEven(n: number): number {
  const q = Math.floor(n / 100);
  const r = n - q * 100;
  if (r > 50) return (q + 1) * 100;
  if (r < 50) return q * 100;
  return (q % 2 === 0 ? q : q + 1) * 100;
}

/** Official: int(round(N, -2) * fraction / K) (float arithmetic as in Python). */
export function perClientCount(trainTotal: number, fraction: number, clients: number): number {
  return Math.trunc((roundHundredsHalfEven(trainTotal) * fraction) / clients);
}

/** Nominal labeled fractions of the training cycles: initial, +query, ... up to target (inclusive, 2-decimal rounding as the official loop). */
export function cycleFractions(c: Pick<SimConfig, 'initialFraction' | 'queryFraction' | 'targetFraction'>): number[] {
  const out: number[] = [];
  let f = c.initialFraction;
  while (Math.round(f * 100) / 100 <= c.targetFraction + 1e-12) {
    out.push(Math.round(f * 1e6) / 1e6);
    f += c.queryFraction;
  }
  return out;
}

/** Official adjust_learning_rate: lr * decay^(r > int(R * at)) for 0-based round r. */
export function roundLr(c: Pick<SimConfig, 'lr' | 'lrDecay' | 'lrDecayAt' | 'rounds'>, round: number): number {
  return round > Math.trunc(c.rounds * c.lrDecayAt) ? c.lr * c.lrDecay : c.lr;
}
