// Tests' smallest valid federation config (2 cycles of 2 short rounds, CNN4Conv at 28 px), one
// definition for every test that needs a config: each overrides what it is about.
import type { FederationConfigInput } from '../federation-config';

export function minimalFederationConfig(over: Partial<FederationConfigInput> = {}): FederationConfigInput {
  return {
    name: 'test federation',
    classNames: ['a', 'b', 'c'],
    model: { name: 'cnn4conv', inputShape: [28, 28, 3] },
    cycles: 2,
    roundsPerCycle: 2,
    localEpochs: 1,
    labelingBudgetPerCycle: 30,
    minClientsPerRound: 2,
    roundDeadlineSeconds: 60,
    labelingDeadlineSeconds: 60,
    ...over,
  };
}
