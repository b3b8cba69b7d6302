// What a clinic reads about its model (issue 16): each cycle's model measured on the clinic's
// held-out labels, which it never trained on, with n and 95% intervals per figure and per class,
// and in plain words why the figures cannot be trusted yet when they are too few. A host with
// its own labeled test set (the headless client's --eval-npz) measures on that instead. Never on
// training labels. The held-out accuracy leaves the site only when its allow-list shares metrics.
import { balancedAccuracyInterval, wilsonInterval } from '../../../core/intervals';
import type { CycleMetrics } from '../../../shared/api';
import { RoundIdSchema } from '../../../shared/wire';
import type { EngineModel } from '../../../engine/trainer';
import type { ImageSet } from '../../../engine/dataset';
import type { CycleRuntime, Pool } from './cycle-runtime';

/** Fewer held-out images than this: the figures move a lot with every label. */
export const MIN_TRUSTED_IMAGES = 30;
/** A balanced-accuracy interval wider than this is said to be too wide to act on. */
export const MAX_TRUSTED_INTERVAL = 0.3;

export async function measureCycle(rt: CycleRuntime, cycle: number, mt: EngineModel, weights: Float32Array, pool: Pool, classNames: readonly string[]): Promise<void> {
  if (rt.deps.store.hasMetrics(cycle)) return;
  const external = rt.deps.evaluation?.() ?? null;
  const data = external?.data ?? pool.data;
  const indices = external ? Int32Array.from({ length: external.data.count }, (_, i) => i) : pool.heldOut;
  if (indices.length === 0) return;
  const out = await rt.work(() => rt.deps.engine.predict(mt, weights, data, indices, false));
  const figures = figuresOf(out.probs, data, indices, classNames.length);
  const labeledCount = pool.labeled.length + pool.heldOut.length;
  const metrics: CycleMetrics = {
    cycle,
    measuredAt: rt.now().toISOString(),
    source: external ? 'external' : 'held-out',
    evaluatedOn: external ? external.describe : `${indices.length} held-out labels of this clinic, never trained on`,
    labeledCount,
    trainedOn: pool.labeled.length,
    ...figures,
    warnings: external ? [] : trustWarnings(figures, pool, classNames),
  };
  rt.deps.store.saveMetrics(metrics);
  rt.deps.onMetrics?.(rt.deps.store.metrics());
  const last = rt.state().lastRound;
  if (!external && rt.state().mode === 'federated' && last?.cycle === cycle && rt.deps.link) {
    // The link's allow-list decides; withheld by default.
    await rt.deps.link.reportMetrics(RoundIdSchema.parse(last.roundId), metrics.accuracy).catch((err: unknown) => rt.deps.log?.(`metrics report deferred: ${String(err)}`));
  }
}

type Figures = Pick<CycleMetrics, 'samples' | 'accuracy' | 'balancedAccuracy' | 'perClassRecall' | 'perClassCount' | 'intervals'>;

export function figuresOf(probs: Float32Array, data: ImageSet, indices: Int32Array, C: number): Figures {
  const hits = new Array<number>(C).fill(0);
  const count = new Array<number>(C).fill(0);
  for (let i = 0; i < indices.length; i++) {
    const y = data.labels[indices[i] as number] as number;
    let best = 0;
    for (let c = 1; c < C; c++) if ((probs[i * C + c] as number) > (probs[i * C + best] as number)) best = c;
    count[y] = (count[y] as number) + 1;
    if (best === y) hits[y] = (hits[y] as number) + 1;
  }
  const correct = hits.reduce((a, b) => a + b, 0);
  const recall = count.map((n, c) => (n > 0 ? (hits[c] as number) / n : null));
  const present = recall.filter((r): r is number => r !== null);
  const accInterval = wilsonInterval(correct, indices.length);
  const baInterval = balancedAccuracyInterval(hits, count);
  return {
    samples: indices.length,
    accuracy: correct / indices.length,
    balancedAccuracy: present.reduce((a, b) => a + b, 0) / present.length,
    perClassRecall: recall,
    perClassCount: count,
    intervals: accInterval && baInterval ? { accuracy: accInterval, balancedAccuracy: baInterval, perClassRecall: count.map((n, c) => wilsonInterval(hits[c] as number, n)) } : null,
  };
}

/** Plain-language reasons the clinic should not act on these figures yet. */
export function trustWarnings(f: Figures, pool: Pool, classNames: readonly string[]): string[] {
  const warnings: string[] = [];
  if (f.samples < MIN_TRUSTED_IMAGES) warnings.push(`Only ${f.samples} held-out images: these figures can move a lot with the next labels (at least ${MIN_TRUSTED_IMAGES} are needed to trust them).`);
  const labeledClasses = new Set(Array.from(pool.labeled, (i) => pool.data.labels[i] as number));
  const unmeasured = classNames.filter((_, c) => labeledClasses.has(c) && (f.perClassCount[c] ?? 0) === 0);
  if (unmeasured.length > 0) warnings.push(`Not measured yet for ${unmeasured.join(', ')}: too few labels of these classes to keep one aside (a class needs 3).`);
  const ba = f.intervals?.balancedAccuracy;
  if (ba && ba[1] - ba[0] > MAX_TRUSTED_INTERVAL) warnings.push(`Balanced accuracy could be anywhere from ${Math.round(ba[0] * 100)}% to ${Math.round(ba[1] * 100)}% (95% interval).`);
  return warnings;
}
