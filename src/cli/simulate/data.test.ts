import { describe, expect, it } from 'vitest';
import { longTailCounts } from '../../core/partition';
import { loadSimData, minorityClasses, partitionSimData } from './data';

const RETINA = '../shared/datasets/retinamnist.npz';

describe('simulation data', () => {
  it('long-tails the train split (n_max * rho^(c/(C-1)), capped) and leaves the test split alone', () => {
    const full = loadSimData({ dataset: RETINA, partitionSeed: 0 });
    const lt = loadSimData({ dataset: RETINA, partitionSeed: 0, longTailRho: 0.05 });
    const want = longTailCounts(5, 1080 / 5, 0.05).map((n, c) => Math.min(n, full.trainClassCounts[c] as number));
    expect(lt.trainClassCounts).toEqual(want);
    expect(lt.test.count).toBe(full.test.count);
    // Every kept image is the original image at its recorded origin index.
    const per = lt.train.height * lt.train.width * lt.train.channels;
    for (const i of [0, 7, lt.train.count - 1]) {
      const o = lt.trainOrigin[i] as number;
      expect(lt.train.labels[i]).toBe(full.train.labels[o]);
      expect(Buffer.from(lt.train.images.subarray(i * per, (i + 1) * per)).equals(Buffer.from(full.train.images.subarray(o * per, (o + 1) * per)))).toBe(true);
    }
  });

  it('partitions train and test over the same clients, test with the train proportions', () => {
    const d = loadSimData({ dataset: RETINA, partitionSeed: 0 });
    const p = partitionSimData(d, { partition: 'dir_balance', clients: 4, alpha: 0.1, classesPerClient: 2, partitionSeed: 0 });
    expect(p.pools.flat().sort((a, b) => a - b)).toEqual([...Array(d.train.count).keys()]);
    expect(p.testSets.flat().sort((a, b) => a - b)).toEqual([...Array(d.test.count).keys()]);
    const s = partitionSimData(d, { partition: 'shard', clients: 4, alpha: 0.1, classesPerClient: 2, partitionSeed: 0 });
    for (const row of s.trainCounts) expect(row.filter((n) => n > 0).length).toBeLessThanOrEqual(2);
  });

  it('minority classes are the floor(C/2) rarest', () => {
    expect(minorityClasses([213, 362, 745, 73, 799, 4717, 107])).toEqual([0, 3, 6]);
    expect(minorityClasses([486, 128, 206, 194, 66])).toEqual([1, 4]);
  });
});
