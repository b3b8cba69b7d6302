// "Similar labeled images" (issue 17): for the image on screen, the labeled images nearest to it
// in the current model's feature space, per class, which is how a clinician checks a doubtful
// call. Features come from the engine (penultimate layer of the current model), compared by
// cosine distance; each image's features are computed once per model and kept.
import type { FederationPlan } from '../../../shared/api';
import type { Trainer } from '../../../engine/trainer';
import type { Pool } from './cycle-runtime';
import { modelTask } from './cycle-runtime';

export interface SimilarLabeled {
  modelHash: string;
  classes: { classIndex: number; items: { sampleId: string; distance: number }[] }[];
}

export class SimilarLabeledFinder {
  private cache: { modelHash: string; features: Map<string, Float32Array> } | null = null;

  constructor(private readonly engine: Trainer) {}

  async find(task: FederationPlan, modelHash: string, weights: () => Float32Array, pool: Pool, labels: ReadonlyMap<string, number>, sampleId: string, perClass: number): Promise<SimilarLabeled> {
    if (this.cache?.modelHash !== modelHash) this.cache = { modelHash, features: new Map() };
    const cache = this.cache.features;
    const indexOf = new Map(pool.ids.map((id, i) => [id, i]));
    const labeledIds = [...pool.labeled, ...pool.heldOut].map((i) => pool.ids[i] as string).filter((id) => id !== sampleId);
    const wanted = [sampleId, ...labeledIds].filter((id) => !cache.has(id) && indexOf.has(id));
    if (wanted.length > 0) {
      const out = await this.engine.predict(modelTask(task), weights(), pool.data, Int32Array.from(wanted, (id) => indexOf.get(id) as number), true);
      wanted.forEach((id, k) => {
        const f = out.features.slice(k * out.featureDim, (k + 1) * out.featureDim);
        let norm = 0;
        for (const v of f) norm += v * v;
        norm = Math.sqrt(norm) || 1;
        for (let j = 0; j < f.length; j++) f[j] = (f[j] as number) / norm;
        cache.set(id, f);
      });
    }
    const target = cache.get(sampleId);
    if (!target) throw new Error('this image is not in the study pool (excluded or held back)');
    const byClass = new Map<number, { sampleId: string; distance: number }[]>();
    for (const id of labeledIds) {
      const f = cache.get(id);
      const cls = labels.get(id);
      if (!f || cls === undefined) continue;
      let dot = 0;
      for (let j = 0; j < f.length; j++) dot += (f[j] as number) * (target[j] as number);
      byClass.set(cls, [...(byClass.get(cls) ?? []), { sampleId: id, distance: Math.max(0, 1 - dot) }]);
    }
    const classes = [...byClass].map(([classIndex, items]) => ({ classIndex, items: items.sort((a, b) => a.distance - b.distance).slice(0, perClass) }));
    // The class whose labeled images come closest first.
    classes.sort((a, b) => (a.items[0]?.distance ?? 1) - (b.items[0]?.distance ?? 1));
    return { modelHash, classes };
  }
}
