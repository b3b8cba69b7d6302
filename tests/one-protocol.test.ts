// One protocol (issue 15): the round learning rate, the budget split and the aggregator come
// from src/core/protocol alone. The server's tasks and the simulator's schedule are checked
// against it for every round, and a scan of the sources fails when a second definition appears.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { roundLearningRate } from '../src/core/protocol';
import { resolveConfig } from '../src/cli/simulate/config';
import { loadSimData } from '../src/cli/simulate/data';
import { federationConfigFor } from '../src/cli/simulate/system/federation-for-sim';
import { createHarness, shifted, updateFor, type Harness } from '../src/server/testing/harness';

const root = resolve(__dirname, '..');
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('one protocol', () => {
  it('the simulator configures, and the server hands out, the protocol round lr for every round', async () => {
    const schedule = { initial: 0.02, decayAtRoundFraction: 0.75, decayFactor: 0.1 };
    // The simulator runs the server domain: its flags become the federation's schedule, nothing else.
    const cfg = resolveConfig(['--dataset', '../shared/datasets/retinamnist.npz', '--lr', '0.02', '--lr-decay', '0.1', '--lr-decay-at', '0.75']);
    expect(federationConfigFor(cfg, loadSimData(cfg)).learningRate).toEqual(schedule);
    h = await createHarness({ config: { roundsPerCycle: 20, minClientsPerRound: 1, cycles: 1, learningRate: schedule } });
    const c = await h.enrol();
    const served: number[] = [];
    for (let r = 0; r < 20; r++) {
      const t = await c.trainTask();
      expect(t.roundIndex).toBe(r);
      served.push(t.learningRate);
      const base = await c.model(t.baseModelHash);
      expect((await c.upload(t.roundId, updateFor(t, shifted(base, 0.001), 5))).status).toBe(201);
    }
    expect(served).toEqual(Array.from({ length: 20 }, (_, r) => roundLearningRate(schedule, r, 20)));
  });

  it('no source file outside core/protocol re-derives the round lr, the budget split or the aggregator choice', () => {
    const rules: [RegExp, string][] = [
      [/decayAtRoundFraction\s*\*|\*\s*[a-zA-Z.]*decayAtRoundFraction|lrDecayAt\s*\*|\*\s*[a-zA-Z.]*lrDecayAt/, 'round learning rate'],
      [/labelingBudgetPerCycle\s*\/|round\(\s*N\s*,\s*-2\s*\)\s*\*|roundHundredsHalfEven\([^)]*\)\s*\*/, 'budget split'],
      [/\b(fedAvg|scaffoldAggregate|coordinateMedian|trimmedMean)\(/, 'aggregator choice'],
    ];
    const allowed = (file: string) =>
      file.startsWith('src/core/protocol/') || file.startsWith('src/core/aggregation/') || /\.test\.tsx?$/.test(file) || file.startsWith('src/server/testing/');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.tsx?$/.test(name)) {
          const file = relative(root, p);
          if (allowed(file)) continue;
          // Code only: comments and string literals may name the rules.
          const text = readFileSync(p, 'utf8')
            .replace(/\/\*[\s\S]*?\*\//g, '')
            .replace(/\/\/.*$/gm, '')
            .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, "''");
          for (const [re, what] of rules) if (re.test(text)) offenders.push(`${file}: ${what}`);
        }
      }
    };
    walk(join(root, 'src'));
    expect(offenders).toEqual([]);
  });
});
