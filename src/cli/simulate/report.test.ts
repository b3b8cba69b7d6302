import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from './config';
import { loadSimData, partitionSimData } from './data';
import { FakeTrainer } from './system/fake-trainer';
import { runSimulationThroughSystem } from './system/system-run';
import { parseReportArgs, writeReport } from './report';
import { meanStd } from './summary';

const tmp = mkdtempSync(join(tmpdir(), 'sim-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('report', () => {
  it('groups runs by strategy with mean +- std over seeds and draws both panels', { timeout: 120_000 }, async () => {
    const base = ['--dataset', '../shared/datasets/retinamnist.npz', '--clients', '2', '--rounds', '1', '--local-epochs', '1', '--target-fraction', '0.15', '--no-progress'];
    const data = loadSimData(resolveConfig(base));
    for (const [strategy, seed] of [['fairfal', 1], ['fairfal', 2], ['random', 1]] as const) {
      const cfg = resolveConfig([...base, '--strategy', strategy, '--seed', String(seed)]);
      await runSimulationThroughSystem({ cfg, data, partition: partitionSimData(data, cfg), engine: new FakeTrainer(), engineDescription: 'fake engine (tests)', dir: join(tmp, 'runs', `${strategy}-seed${seed}`) });
    }
    const out = join(tmp, 'out');
    const r = writeReport(parseReportArgs(['--runs', join(tmp, 'runs'), '--out', out, '--title', 'test']));
    expect(r.problems).toEqual([]);
    expect(r.markdown).toMatch(/\| fairfal \| 1,2 \(2\) \|/);
    expect(r.markdown).toMatch(/\| random \| 1 \(1\) \|/);
    expect(r.markdown).toContain('acc @15%');
    // Curves after the first query: fairfal has 2 complete runs, so its row carries a spread.
    expect(r.markdown).toMatch(/\| fairfal \| minority recall \| .* \| [\d.]+ \+- [\d.]+ \(n=2\) \|\n/);
    expect(r.markdown).toMatch(/\| random \| balanced acc \| .* \| [\d.]+ \(n=1\) \|\n/);
    const svg = readFileSync(join(out, 'plot.svg'), 'utf8');
    expect(svg).toContain('test accuracy (%)');
    expect(svg).toContain('minority-class recall (%)');
    expect((svg.match(/<polyline/g) ?? []).length).toBe(6);
    expect(svg).toContain('minority share of the labeled set');
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).rows).toHaveLength(2);
  });

  it('mean and sample std', () => {
    expect(meanStd([1, 2, 3])).toEqual({ mean: 2, std: 1, n: 3 });
    expect(meanStd([NaN, 4]).n).toBe(1);
    expect(() => parseReportArgs([])).toThrow(/--runs/);
  });
});
