// Parity with the official FairFAL implementation: every fixture in ../shared/fixtures/fairfal.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gradientEmbeddings } from '../gradEmbedding';
import { fromRows, type Matrix } from '../matrix';
import { classPrototypes, prototypeProbs } from './prototypes';
import { globalRatio, predictionDivergence } from './queryModel';
import { fairfalSelect } from './select';
import { normalizedEntropy } from '../uncertainty';

const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/fairfal/', import.meta.url));

interface KCenterCase {
  name: string;
  N: number;
  L: number;
  C: number;
  nTotal: number;
  temperature: number;
  overSampleK: number;
  inputs: Record<
    | 'unlabeledEmbeddings'
    | 'labeledEmbeddings'
    | 'queryModelProbs'
    | 'gradSourceProbsUnlabeled'
    | 'gradSourceProbsLabeled'
    | 'penultimateUnlabeled'
    | 'penultimateLabeled',
    number[][]
  > & { labeledLabels: number[] };
  expected: {
    prototypeProbs: number[][];
    normalizedEntropy: number[];
    gradEmbeddingsUnlabeled: number[][];
    gradEmbeddingsLabeled: number[][];
    quota: Record<string, number>;
    selected: number[];
    perClass: Record<string, number[]>;
  };
}

interface QueryModelCase {
  C: number;
  presentClasses: number[];
  globalMeanProbs: number[];
  localMeanProbs: number[];
  expectedDivergence: number;
  expectedGlobalRatio: number;
}

const kcenterFiles = readdirSync(FIXTURES)
  .filter((f) => /^kcenter-.*\.json$/.test(f))
  .sort();

function load<T>(file: string): T {
  return JSON.parse(readFileSync(FIXTURES + file, 'utf8')) as T;
}

function expectClose(actual: Matrix, expected: number[][], tol: number): void {
  expect(actual.rows).toBe(expected.length);
  let worst = 0;
  expected.forEach((r, i) => {
    expect(r.length).toBe(actual.cols);
    r.forEach((v, j) => {
      worst = Math.max(worst, Math.abs((actual.data[i * actual.cols + j] as number) - v));
    });
  });
  expect(worst).toBeLessThan(tol);
}

describe('FairFAL parity fixtures', () => {
  it('finds the fixture files', () => {
    expect(kcenterFiles.length).toBeGreaterThanOrEqual(6);
  });

  describe.each(kcenterFiles)('%s', (file) => {
    const fx = load<KCenterCase>(file);
    const i = fx.inputs;
    const m = (k: keyof Omit<KCenterCase['inputs'], 'labeledLabels'>): Matrix => fromRows(i[k], k);

    it('prototype probabilities within 1e-6', () => {
      const proto = classPrototypes(m('labeledEmbeddings'), i.labeledLabels, fx.C);
      expectClose(prototypeProbs(m('unlabeledEmbeddings'), proto, fx.temperature), fx.expected.prototypeProbs, 1e-6);
    });

    it('normalised entropy within 1e-6', () => {
      const h = normalizedEntropy(m('queryModelProbs'));
      expectClose({ data: h, rows: fx.N, cols: 1 }, fx.expected.normalizedEntropy.map((v) => [v]), 1e-6);
    });

    it('gradient embeddings within 1e-6', () => {
      expectClose(
        gradientEmbeddings(m('penultimateUnlabeled'), m('gradSourceProbsUnlabeled')),
        fx.expected.gradEmbeddingsUnlabeled,
        1e-6,
      );
      expectClose(
        gradientEmbeddings(m('penultimateLabeled'), m('gradSourceProbsLabeled'), i.labeledLabels),
        fx.expected.gradEmbeddingsLabeled,
        1e-6,
      );
    });

    it('identical quota, perClass and selected', () => {
      const out = fairfalSelect({
        numClasses: fx.C,
        unlabeledEmbeddings: m('unlabeledEmbeddings'),
        labeledEmbeddings: m('labeledEmbeddings'),
        labeledLabels: i.labeledLabels,
        queryProbs: m('queryModelProbs'),
        gradSourceProbsUnlabeled: m('gradSourceProbsUnlabeled'),
        gradSourceProbsLabeled: m('gradSourceProbsLabeled'),
        penultimateUnlabeled: m('penultimateUnlabeled'),
        penultimateLabeled: m('penultimateLabeled'),
        budget: fx.nTotal,
        temperature: fx.temperature,
        kappa: fx.overSampleK,
      });
      const quota = Object.fromEntries(Array.from(out.quota, (q, c) => [String(c), q]));
      expect(quota).toEqual(fx.expected.quota);
      const perClass = Object.fromEntries(
        out.perClass.map((l, c) => [String(c), l] as const).filter(([, l]) => l.length > 0),
      );
      expect(perClass).toEqual(fx.expected.perClass);
      expect(out.selected).toEqual(fx.expected.selected);
      expect(out.reasons).toHaveLength(out.selected.length);
    });
  });

  describe('query-model-selection.json', () => {
    const cases = load<QueryModelCase[]>('query-model-selection.json');
    it('has cases', () => expect(cases.length).toBeGreaterThan(0));
    it.each(cases.map((c, k) => [k, c] as const))('case %i: d_k and gamma_k', (_k, c) => {
      expect(predictionDivergence(c.globalMeanProbs, c.localMeanProbs)).toBeCloseTo(c.expectedDivergence, 9);
      expect(globalRatio(c.globalMeanProbs, c.presentClasses)).toBeCloseTo(c.expectedGlobalRatio, 9);
    });
  });
});
