// The learning rate of a federated round: the one rule the server hands out, the simulator
// trains with and the client trusts. Official adjust_learning_rate: lr x decay once the
// 0-based round index is past int(R x fraction) (R = 20, 0.75: rounds 16-19 at lr x 0.1).

export interface RoundLrSchedule {
  initial: number;
  /** The drop comes after this fraction of the cycle's rounds (paper: 0.75). */
  decayAtRoundFraction: number;
  decayFactor: number;
}

export function roundLearningRate(s: RoundLrSchedule, roundIndex: number, roundsPerCycle: number): number {
  return roundIndex > Math.trunc(roundsPerCycle * s.decayAtRoundFraction) ? s.initial * s.decayFactor : s.initial;
}
