// Standalone mode (no server, one clinic): train a fresh model on every label so far, then
// query it; the annotator's final submit starts the next cycle. A failed step parks the
// machine in 'error' with the reason (start or startLocalWork retries it).
import { CycleCancelledError, type CycleRuntime, modelTask, SEED_SALT } from './cycle-runtime';
import { runQuery, seedQueue } from './cycle-steps';

export async function runStandalone(rt: CycleRuntime): Promise<void> {
  const info = rt.requireTask();
  const mt = modelTask(info);
  try {
    const pool = rt.pool();
    const s = rt.state();
    if (pool.labeled.length === 0) {
      await seedQueue(rt, s.cycle, info);
      return;
    }
    rt.update({ step: 'training', round: 0, roundsPerCycle: 1, message: `Training cycle ${s.cycle + 1} on ${pool.labeled.length} labels` });
    const init = rt.deps.engine.initialWeights(mt, rt.seed(s.cycle, SEED_SALT.standaloneInit));
    const weights = await rt.work((onP, isC) => rt.deps.engine.train(mt, init, pool.data, pool.labeled, { epochs: info.localEpochs, lr: 0.01, seed: rt.seed(s.cycle, SEED_SALT.standaloneTrain) }, onP, isC));
    rt.update({ step: 'query', round: null, message: 'Choosing the images to label' });
    await runQuery(rt, { cycle: s.cycle, info, global: weights, gammaBar: undefined, budget: info.budgetPerCycle, strategy: info.strategy, params: {}, standalone: true, labelingCycle: null });
  } catch (err) {
    if (err instanceof CycleCancelledError) return;
    rt.deps.log?.(`standalone step failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    rt.update({ step: 'error', message: `Step failed: ${err instanceof Error ? err.message : String(err)}` });
  }
}
