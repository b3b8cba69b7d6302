import { describe, expect, it } from 'vitest';
import { createRng } from '../rng';
import { syntheticClient } from '../synthetic';
import {
  createAggregator,
  federationBudget,
  localOnlyTraining,
  perClientBudget,
  queryStrategyFor,
  roundHundredsHalfEven,
  roundLearningRate,
  strategyNeedsLocalModel,
  StrategyParamsError,
} from '.';

describe('the protocol rules', () => {
  it('round lr: the official adjust_learning_rate (drop once round > int(R x 0.75))', () => {
    const s = { initial: 0.01, decayAtRoundFraction: 0.75, decayFactor: 0.1 };
    const lrs = Array.from({ length: 20 }, (_, r) => roundLearningRate(s, r, 20));
    expect(lrs.slice(0, 16).every((v) => v === 0.01)).toBe(true);
    expect(lrs.slice(16).every((v) => Math.abs(v - 0.001) < 1e-15)).toBe(true);
    expect(roundLearningRate(s, 75, 100)).toBe(0.01);
    expect(roundLearningRate(s, 76, 100)).toBeCloseTo(0.001, 15);
  });

  it("budgets: round(N, -2) x q split evenly, as int(round(N,-2)*q/K)", () => {
    expect(roundHundredsHalfEven(7016)).toBe(7000);
    expect(roundHundredsHalfEven(1050)).toBe(1000);
    expect(roundHundredsHalfEven(1150)).toBe(1200);
    expect(federationBudget(7016, 0.05)).toBe(350);
    expect(perClientBudget(350, 10)).toBe(35);
    expect(perClientBudget(31, 3)).toBe(10);
    expect(perClientBudget(30, 0)).toBe(30);
  });

  it('query strategies take their parameters from the config, and refuse unknown ones', () => {
    const c = syntheticClient({ numClasses: 4, poolSize: 60, labeledSize: 12, featureDim: 5, seed: 3 });
    const plain = queryStrategyFor('fairfal').select(c, 8, createRng(1));
    const tuned = queryStrategyFor('fairfal', { delta: -1 }).select(c, 8, createRng(1));
    expect(plain.fairfal?.queryModel.delta).toBe(0.75);
    expect(tuned.fairfal?.queryModel.delta).toBe(-1);
    expect(tuned.fairfal?.queryModel.model).toBe('global');
    expect(strategyNeedsLocalModel(queryStrategyFor('fairfal'))).toBe(true);
    expect(strategyNeedsLocalModel(queryStrategyFor('entropy'))).toBe(false);
    expect(() => queryStrategyFor('fairfal', { delat: 0.5 })).toThrow(StrategyParamsError);
    expect(() => queryStrategyFor('fairfal', { kappa: 'x' })).toThrow(/kappa must be a number/);
    expect(() => queryStrategyFor('random', { delta: 1 })).toThrow(/takes no parameters/);
    expect(() => queryStrategyFor('nope')).toThrow(/unknown query strategy/);
  });

  it('the local-only recipe: 50 epochs, x0.1 at epoch 37, flips, stop at 99% in an eval pass', () => {
    expect(localOnlyTraining(4)).toMatchObject({ epochs: 50, lr: 0.01, hflip: true, earlyStopAccuracy: 0.99, earlyStopOn: 'eval', seed: 4 });
    expect(localOnlyTraining(4).schedule).toEqual({ milestones: [37], gamma: 0.1, unit: 'epoch' });
    expect(localOnlyTraining(4, { scheduleUnit: 'batch', maxEpochs: 20 }).schedule).toEqual({ milestones: [15], gamma: 0.1, unit: 'batch' });
  });

  it('aggregators: FedAvg caps a claimed count to the round share; median ignores counts', () => {
    const w = (v: number) => Float32Array.from([v, v]);
    const updates = [
      { clientId: 'a', weights: w(0), sampleCount: 10 },
      { clientId: 'b', weights: w(1), sampleCount: 1e6 },
    ];
    const input = { global: w(0), control: null, updates, totalClients: 2 };
    expect(createAggregator({ name: 'fedavg' }).aggregate(input).weights[0]).toBeCloseTo(1, 4);
    expect(createAggregator({ name: 'fedavg' }).aggregate({ ...input, maxClientShare: 0.5 }).weights[0]).toBeCloseTo(0.5, 6);
    expect(createAggregator({ name: 'median' }).aggregate(input).weights[0]).toBeCloseTo(0.5, 6);
    expect(createAggregator({ name: 'scaffold', globalLearningRate: 1 }).vectorsPerUpdate).toBe(2);
  });
});
