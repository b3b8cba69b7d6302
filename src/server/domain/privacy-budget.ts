// Differential privacy's budget as the server accounts it (issue 19): epsilon over the rounds
// published so far, per cycle and in all, and whether the next round would go past the admin's
// target. One place, so the status, the round engine and the clients' final task agree.
import { federationEpsilon } from '../../core/privacy';
import type { DifferentialPrivacy, FederationConfig, FinishedTask } from '../../shared/wire';
import type { FederationStore } from '../data/store';

export interface PrivacySpent {
  /** Published rounds, each a use of the Gaussian mechanism. */
  rounds: number;
  epsilon: number;
  delta: number;
  /** Each cycle's rounds alone, and the total at the cycle's end. */
  cycles: { cycle: number; rounds: number; epsilon: number; cumulativeEpsilon: number }[];
  /** One more round would take epsilon past the target: training stops (or stopped). */
  budgetSpent: boolean;
}

export function privacySpent(store: FederationStore, dp: DifferentialPrivacy): PrivacySpent {
  const eps = (rounds: number) => federationEpsilon(dp.noiseMultiplier, rounds, dp.delta);
  let total = 0;
  const cycles = store.closedRoundsByCycle().map(({ cycle, rounds }) => {
    total += rounds;
    return { cycle, rounds, epsilon: eps(rounds), cumulativeEpsilon: eps(total) };
  });
  return { rounds: total, epsilon: eps(total), delta: dp.delta, cycles, budgetSpent: wouldExceed(dp, total + 1) };
}

/** Whether `rounds` published rounds would take epsilon past the target (false without one). */
export function wouldExceed(dp: DifferentialPrivacy, rounds: number): boolean {
  return dp.targetEpsilon !== undefined && federationEpsilon(dp.noiseMultiplier, rounds, dp.delta) > dp.targetEpsilon;
}

/** Why the federation finished, for its clinics: every cycle ran, or the budget ended training first. */
export function finishedReason(store: FederationStore, c: FederationConfig): Pick<FinishedTask, 'reason' | 'privacy'> {
  const dp = c.differentialPrivacy;
  if (!dp) return { reason: 'completed' };
  const spent = privacySpent(store, dp);
  const early = spent.budgetSpent && spent.rounds < c.cycles * c.roundsPerCycle;
  return { reason: early ? 'privacy-budget' : 'completed', privacy: { epsilon: spent.epsilon, delta: spent.delta, rounds: spent.rounds } };
}
