import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('a partition file fixes pools, test sets and the seed\'s initial labels, and bad files are refused by name', () => {
    const d = loadSimData({ dataset: RETINA, partitionSeed: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'part-'));
    try {
      const half = Math.floor(d.train.count / 2);
      const pools = [[...Array(half).keys()].reverse(), [...Array(d.train.count - half).keys()].map((i) => i + half)];
      const testSets = [[...Array(200).keys()], [...Array(d.test.count - 200).keys()].map((i) => i + 200)];
      const file = (o: unknown) => {
        const p = join(dir, `${Math.random()}.json`);
        writeFileSync(p, JSON.stringify(o));
        return p;
      };
      const base = { partition: 'dir_balance' as const, clients: 2, alpha: 0.1, classesPerClient: 2, partitionSeed: 0, seed: 3 };
      const ok = file({ pools, testSets, initialLabeled: { '3': [[4, 2], [half + 1]] } });
      const p = partitionSimData(d, { ...base, partitionFile: ok });
      expect(p.pools[0]?.slice(0, 3)).toEqual([0, 1, 2]);
      expect(p.initialLabeled).toEqual([[2, 4], [half + 1]]);
      expect(p.trainCounts.map((r) => r.reduce((a, b) => a + b, 0))).toEqual([half, d.train.count - half]);
      expect(partitionSimData(d, { ...base, seed: 1, partitionFile: ok }).initialLabeled).toBeUndefined();
      expect(() => partitionSimData(d, { ...base, clients: 3, partitionFile: ok })).toThrow(/2 pools and 2 test sets for 3 clients/);
      const overlap = file({ pools: [pools[0], [...(pools[1] as number[]), 0]], testSets });
      expect(() => partitionSimData(d, { ...base, partitionFile: overlap })).toThrow(/index 0 is held by clients 0 and 1/);
      const outside = file({ pools, testSets, initialLabeled: { '3': [[half + 2], [half + 1]] } });
      expect(() => partitionSimData(d, { ...base, partitionFile: outside })).toThrow(/initial label \d+ of client 0 is not in its pool/);
      expect(() => partitionSimData(d, { ...base, partitionFile: join(dir, 'missing.json') })).toThrow(/cannot read partition file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
