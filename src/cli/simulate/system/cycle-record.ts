// One finished cycle of a system-driven simulation as the run log's record: the global
// model's test metrics and, per clinic, its labeled set and the query it answered (with the
// strategy's own account of it from the queue details).
import { balancedAccuracy, perClassRecall } from '../../../core';
import type { ClientCycle, CycleRecord } from '../log-schema';
import type { AnsweredQueue } from './simulated-clinic';

export interface CycleInputs {
  cycle: number;
  nominalFraction: number;
  trainCount: number;
  numClasses: number;
  minority: readonly number[];
  trainLabels: Int32Array;
  testLabels: Int32Array;
  /** Test predictions of the cycle's final global model. */
  predictions: Int32Array;
  /** Each clinic's labeled set the cycle trained on (simulation train indices). */
  labeled: readonly (readonly number[])[];
  /** Each clinic's local test set, when measured. */
  testSets: readonly (readonly number[])[] | null;
  /** The clinics' queries after this cycle, by clinic (null: the last cycle). */
  queries: readonly ({ queue: AnsweredQueue; queried: number[] } | undefined)[] | null;
  timings: CycleRecord['timings'];
}

function histogram(ids: readonly number[], labels: Int32Array, C: number): number[] {
  const h = new Array<number>(C).fill(0);
  for (const i of ids) h[labels[i] as number] = (h[labels[i] as number] as number) + 1;
  return h;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function queryModelOf(v: unknown): ClientCycle['queryModel'] {
  return v === 'global' || v === 'local' || v === 'both' || v === 'none' ? v : null;
}

export function cycleRecord(x: CycleInputs): CycleRecord {
  const C = x.numClasses;
  const yTrue = x.testLabels;
  const pred = x.predictions;
  let ok = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === yTrue[i]) ok++;
  const recall = Array.from(perClassRecall(yTrue, pred, C), (v) => (Number.isNaN(v) ? null : v));
  const minorityVals = x.minority.map((m) => recall[m]).filter((v): v is number => v !== null && v !== undefined);
  const clients: ClientCycle[] = x.labeled.map((lab, k) => {
    const q = x.queries?.[k];
    const d = q?.queue.details ?? {};
    const tests = x.testSets?.[k];
    return {
      client: k,
      labeled: lab.length,
      histogram: histogram(lab, x.trainLabels, C),
      globalLocalTestAccuracy: tests && tests.length > 0 ? tests.filter((i) => pred[i] === yTrue[i]).length / tests.length : null,
      // The product keeps its local-only model inside the query step; its test accuracy is not measured.
      localOnlyTestAccuracy: null,
      localOnlyEpochs: num(d.localOnlyEpochs),
      localOnlyTrainAccuracy: num(d.localOnlyTrainAccuracy),
      queried: q ? q.queried : null,
      queriedHistogram: q ? histogram(q.queried, x.trainLabels, C) : null,
      queryModel: q ? queryModelOf(d.queryModel) : null,
      gradSource: d.gradSource === 'global' || d.gradSource === 'local' ? d.gradSource : null,
      dK: num(d.divergence),
      gammaK: num(d.gammaK),
      sK: num(d.queryScore),
    };
  });
  const labeledTotal = x.labeled.reduce((s, l) => s + l.length, 0);
  const firstDetails = x.queries?.find((q) => q !== undefined)?.queue.details ?? {};
  const gammaBar = num(firstDetails.gammaBar);
  return {
    type: 'cycle',
    cycle: x.cycle,
    nominalFraction: x.nominalFraction,
    labeledTotal,
    labeledFraction: labeledTotal / x.trainCount,
    testAccuracy: ok / pred.length,
    balancedAccuracy: balancedAccuracy(yTrue, pred, C),
    perClassRecall: recall,
    minorityRecall: minorityVals.length ? minorityVals.reduce((a, b) => a + b, 0) / minorityVals.length : NaN,
    labeledHistogram: histogram(x.labeled.flat(), x.trainLabels, C),
    clients,
    gammaBar,
    // The server freezes gamma_bar from the gammas of the first query cycle.
    gammaBarCycle: gammaBar === null ? null : 0,
    timings: x.timings,
    finishedAt: new Date().toISOString(),
  };
}
