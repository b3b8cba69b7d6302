/** The simulator's arithmetic on top of core/protocol: cycle fractions, budgets from fractions, the round lr. */
import { federationBudget, perClientBudget } from '../../core';
import { type SimConfig } from './config';

/** Official: int(round(N, -2) * fraction / K), the protocol's budget split over K clients. */
export function perClientCount(trainTotal: number, fraction: number, clients: number): number {
  return perClientBudget(federationBudget(trainTotal, fraction), clients);
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
