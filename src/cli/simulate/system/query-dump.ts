// --dump-query-state for the system path: each clinic's FairFAL query state as the product's
// query step saw it (bench/parity's layout, ids as simulation train indices), with our
// decision beside it (ours.json), so the official code can be run on the very same state.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizedEntropy } from '../../../core';
import type { QueryStateEvent } from '../../../main/services/cycle/cycle-runtime';
import { getModel } from '../../../engine/models/registry';
import type { ModelConfig } from '../../../engine/models/types';
import type { SimConfig } from '../config';
import { ourOutcome, writeQueryState } from '../query-state';
import type { SimulatedClinic } from './simulated-clinic';

export function queryStateDumper(cfg: SimConfig, config: ModelConfig, simIndex: (archiveIndex: number) => number, root: string) {
  const def = getModel(config.name);
  const arch = def.describe(config);
  const weights = (data: Float32Array) => ({ specs: def.init(config, 0).specs, data });
  return (clinic: SimulatedClinic, s: QueryStateEvent): void => {
    if (!s.selection.fairfal || !s.local) return; // only FairFAL queries with a local-only model are compared
    const ids = (idx: Int32Array) => Array.from(idx, (i) => simIndex(clinic.archiveIndex(s.sampleIds[i] as string)));
    const labeled = ids(s.labeled);
    const unlabeled = ids(s.unlabeled);
    const dir = join(root, `cycle${s.cycle}`, `client${clinic.index}`);
    const meta = { source: `simulate ${cfg.strategy} seed ${cfg.seed} (client node)`, dataset: cfg.dataset, numClasses: config.numClasses, inputScaling: cfg.inputScaling, labeled, unlabeled, gammaBar: s.gammaBar ?? null, budget: s.budget };
    writeQueryState(dir, meta, arch, weights(s.global), weights(s.local));
    const qp = s.selection.fairfal.queryModel.model === 'global' ? s.input.globalProbs : s.input.localProbs;
    if (!qp) throw new Error('the query model probabilities are missing');
    writeFileSync(join(dir, 'ours.json'), JSON.stringify(ourOutcome(s.selection, unlabeled, normalizedEntropy(qp))));
  };
}
