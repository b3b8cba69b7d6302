import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initWeights, openModel } from '../../engine/model';
import { compareOutcomes, readQueryState, writeQueryState, type QueryOutcome } from './query-state';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const config = { name: 'cnn4conv', height: 28, width: 28, channels: 3 as const, numClasses: 7, inputScaling: 'centered' as const };

describe('query state files (bench/parity)', () => {
  it('write then read gives the same weights and ids; a truncated weight file is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qs-'));
    dirs.push(dir);
    const arch = openModel(config).arch;
    const g = initWeights(config, 1);
    const l = initWeights(config, 2);
    const meta = { source: 'test', dataset: 'x.npz', numClasses: 7, inputScaling: 'centered' as const, labeled: [5, 9], unlabeled: [1, 2, 3], gammaBar: 0.4, budget: 2 };
    writeQueryState(dir, meta, arch, g, l);
    const back = readQueryState(dir, () => arch);
    expect(Array.from(back.global.data)).toEqual(Array.from(g.data));
    expect(Array.from(back.local.data)).toEqual(Array.from(l.data));
    expect(back.meta.unlabeled).toEqual([1, 2, 3]);
    const bin = readFileSync(join(dir, 'local.bin'));
    writeFileSync(join(dir, 'local.bin'), bin.subarray(0, bin.length - 4));
    expect(() => readQueryState(dir, () => arch)).toThrow(/local.bin holds/);
  });

  it('compares two decisions field by field', () => {
    const a: QueryOutcome = {
      side: 'ours',
      gammaK: 0.5,
      divergence: 0.2,
      gammaBar: 0.4,
      sK: 0.7,
      queryModel: 'local',
      gradSource: 'global',
      pseudoLabels: [0, 1, 1, 2],
      quota: [1, 1, 0],
      candidates: [[10], [11, 12], []],
      normalizedEntropy: [0.1, 0.2, 0.3, 0.4],
      selected: [10, 12],
    };
    const same = compareOutcomes('s', a, { ...a, side: 'official' });
    expect(same).toMatchObject({ pseudoLabelAgreement: 1, quotaEqual: true, candidatesEqual: true, selectedEqual: true, selectedOverlap: 2 });
    const other = compareOutcomes('s', a, { ...a, side: 'official', pseudoLabels: [0, 1, 2, 2], quota: [1, 0, 1], candidates: [[10], [11], [13]], selected: [10, 13], normalizedEntropy: [0.1, 0.2, 0.3, 0.9] });
    expect(other.pseudoLabelAgreement).toBe(0.75);
    expect(other.quotaEqual).toBe(false);
    expect(other.candidatesEqual).toBe(false);
    expect(other.selectedEqual).toBe(false);
    expect(other.selectedOverlap).toBe(1);
    expect(other.maxEntropyDiff).toBeCloseTo(0.5);
    expect(() => compareOutcomes('s', a, { ...a, pseudoLabels: [0] })).toThrow(/pseudo-labels/);
  });
});
