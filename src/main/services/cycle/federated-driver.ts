// Federated mode: the server's task says what comes next. The loop flushes the outbox, asks
// for a task (long poll) and runs it; offline it keeps working and retries with backoff, and a
// rejected credential stops it with the reason. Work already in the outbox (an update, a gamma)
// is never redone.
import { FederationOfflineError, FederationRejectedError } from '../federation/http';
import type { FederationLink } from '../federation/link';
import { ModelHashSchema, RoundIdSchema, type ClientTask, type FinishedTask, type SecureTrain, type TrainTask } from '../../../shared/wire';
import { secAggOutboxKey } from '../federation/link';
import { FixedPointError, SecAggError } from '../../../platform/secagg';
import { DpArgumentError } from '../../../core/privacy';
import { sendKeys, sendMasked, sendReveal, sendShares, sitOut, type TrainedUpdate } from './secure-steps';
import { formatEpsilon, type FederationPlan } from '../../../shared/api';
import { CycleCancelledError, type CycleRuntime, modelTask, SEED_SALT } from './cycle-runtime';
import { runQuery, seedQueue } from './cycle-steps';
import { computeGammaK } from './query-step';

export async function runFederated(rt: CycleRuntime): Promise<void> {
  const link = rt.deps.link;
  if (!link) throw new Error('federated mode without a federation link');
  let offlineAttempts = 0;
  while (!rt.stopped) {
    try {
      await link.flush();
      const s = rt.state();
      if (s.step === 'finished') return;
      if (s.step === 'labeling') {
        await rt.idle(60_000);
        continue;
      }
      const task = await link.nextTask(rt.deps.longPollMs ?? 20_000);
      offlineAttempts = 0;
      if (rt.stopped) return;
      await handleTask(rt, link, task);
    } catch (err) {
      if (err instanceof CycleCancelledError || rt.stopped) return;
      if (err instanceof FederationOfflineError) {
        offlineAttempts++;
        rt.update({ message: 'Server unreachable: working offline, retrying' }, false);
        await rt.idle(Math.min(30_000, 1000 * 2 ** Math.min(5, offlineAttempts)));
        continue;
      }
      if (err instanceof FederationRejectedError && err.credentialRejected) {
        rt.update({ step: 'error', message: `The server refused this client: ${err.message}. Join again.` });
        return;
      }
      rt.deps.log?.(`cycle step failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      rt.update({ step: 'error', message: `Step failed: ${err instanceof Error ? err.message : String(err)}` });
      await rt.idle(5000);
    }
  }
}

async function handleTask(rt: CycleRuntime, link: FederationLink, task: ClientTask): Promise<void> {
  const info = rt.requireTask();
  switch (task.kind) {
    case 'wait': {
      const s = rt.state();
      if (s.step === 'error' || s.step === 'joined' || s.step === 'training') rt.update({ step: s.step === 'error' ? 'joined' : s.step, message: `Waiting: ${task.reason}` }, false);
      await rt.idle(Math.min(task.retryAfterMs, 2000));
      return;
    }
    case 'finished': {
      await link.model(task.finalModelHash);
      rt.update({ step: 'finished', modelHash: task.finalModelHash, message: finishedMessage(task) });
      rt.stopped = true;
      return;
    }
    case 'train':
      return trainRound(rt, link, info, task);
    case 'secagg-keys':
      return sendKeys(rt, link, task);
    case 'secagg-shares':
      return sendShares(rt, link, task);
    case 'secagg-unmask':
      return sendReveal(rt, link, task);
    case 'submit-gamma': {
      if (link.outbox.get(`gamma:${task.cycle}`)) {
        await rt.idle(500);
        return;
      }
      rt.update({ step: 'query', cycle: task.cycle, round: null, message: 'Measuring class balance (gamma)' });
      const global = await link.model(task.modelHash);
      const pool = await rt.readyPool();
      const gamma = await rt.work(() => computeGammaK(rt.deps.engine, modelTask(info), global, pool.data, pool.labeled));
      await link.submitGamma(task.cycle, gamma);
      return;
    }
    case 'query-and-label': {
      const s = rt.state();
      // Only a queue chosen for this labeling phase counts (not a random start set of the same cycle).
      if ((s.step === 'labeling' || s.step === 'ready') && s.cycle === task.cycle && s.labelingCycle === task.cycle && rt.deps.store.queue()?.cycle === task.cycle) {
        if (s.step === 'ready') {
          // Once the server has it, the next /task long-polls until the next cycle starts
          // (the short pause only throttles a server that keeps refusing the report).
          await link.reportReady(task.cycle);
          await rt.idle(200);
          return;
        }
        await rt.idle(60_000);
        return;
      }
      // The server's exact share for this client replaces the estimate made at enrolment.
      if (info.budgetPerCycle !== task.budget) rt.deps.store.taskCell.set({ ...info, budgetPerCycle: task.budget });
      rt.update({ step: 'query', cycle: task.cycle, round: null, budget: task.budget, gammaBar: task.gammaBar, message: 'Choosing the images to label' });
      const global = await link.model(task.modelHash);
      await runQuery(rt, {
        cycle: task.cycle, info, global, gammaBar: task.gammaBar ?? undefined, budget: task.budget, strategy: task.strategy.name, params: task.strategy.params,
        labelingCycle: task.cycle,
      });
      return;
    }
  }
}

/** The final words: why the federation stopped and, with differential privacy, the guarantee its models carry. */
export function finishedMessage(task: FinishedTask): string {
  const p = task.privacy;
  const guarantee = p ? ` Its shared models carry differential privacy of ε = ${formatEpsilon(p.epsilon)} (δ = ${p.delta}) over ${p.rounds} rounds.` : '';
  if (task.reason === 'privacy-budget') return `The federation stopped training early: its privacy budget is spent.${guarantee} The final model is ready to export.`;
  return `The federation has finished: the final model is ready to export.${guarantee}`;
}

/** One round of local training from the round's global model; the update goes out through the outbox. */
async function trainRound(rt: CycleRuntime, link: FederationLink, info: FederationPlan, task: TrainTask): Promise<void> {
  const sa = task.secureAggregation;
  if (link.outbox.get(sa ? secAggOutboxKey(task.roundId, sa.attempt, 'masked') : `update:${task.roundId}`)) {
    await rt.idle(500);
    return;
  }
  if (sa && !link.secAgg.holds(task.roundId, sa.attempt)) {
    rt.update({ message: `Secure aggregation: this app lost round ${task.roundId}'s keys; it sits this round out` }, false);
    await rt.idle(2000);
    return;
  }
  const pool = await rt.readyPool();
  if (pool.labeled.length + pool.heldOut.length === 0) {
    await seedQueue(rt, task.cycle, info, () => link.model(task.baseModelHash));
    return;
  }
  const mt = modelTask(info);
  rt.update({ step: 'training', cycle: task.cycle, round: task.roundIndex, roundsPerCycle: task.roundsPerCycle, message: `Training round ${task.roundIndex + 1} of ${task.roundsPerCycle}` });
  const base = await link.model(task.baseModelHash);
  const proxMu = task.aggregation.name === 'fedprox' ? task.aggregation.mu : undefined;
  const params = { epochs: task.localEpochs, lr: task.learningRate, seed: rt.seed(task.cycle, SEED_SALT.round + task.roundIndex), ...(info.training ? { recipe: info.training } : {}), ...(proxMu ? { proxMu } : {}), holdout: pool.heldOut };
  const header = { roundId: RoundIdSchema.parse(task.roundId), baseModelHash: ModelHashSchema.parse(task.baseModelHash), sampleCount: pool.labeled.length };
  if (task.aggregation.name === 'scaffold') {
    // A SCAFFOLD server needs every update to carry c_i+ - c_i next to the weights.
    if (!task.controlHash) throw new Error(`SCAFFOLD round ${task.roundId} came without the server control variate (controlHash)`);
    const server = await link.model(task.controlHash);
    const client = rt.deps.store.scaffold.forRound(task.cycle, task.roundId, base.length);
    const r = await rt.work((onP, isC) => rt.deps.engine.trainScaffold(mt, base, pool.data, pool.labeled, params, { server, client }, onP, isC));
    // c_i advances before the update is queued; a retrain of this round starts from `client` again.
    rt.deps.store.scaffold.advance(task.cycle, task.roundId, client, r.control);
    if (sa) await submitSecure(rt, link, task.roundId, sa, { base, weights: r.weights, controlDelta: r.controlDelta, labelCount: header.sampleCount });
    else await link.submitUpdate(header, r.weights, r.controlDelta);
  } else {
    const weights = await rt.work((onP, isC) => rt.deps.engine.train(mt, base, pool.data, pool.labeled, params, onP, isC));
    if (sa) await submitSecure(rt, link, task.roundId, sa, { base, weights, labelCount: header.sampleCount });
    else await link.submitUpdate(header, weights);
  }
  rt.update({ step: 'joined', lastRound: { cycle: task.cycle, roundId: task.roundId }, message: `Round ${task.roundIndex + 1} sent: waiting for the federation` });
}

async function submitSecure(rt: CycleRuntime, link: FederationLink, roundId: number, sa: SecureTrain, u: TrainedUpdate): Promise<void> {
  const config = link.enrolment()?.federation.config;
  if (!config) throw new Error('secure aggregation without an enrolment');
  try {
    if (!(await sendMasked(link, config, roundId, sa, u))) throw new Error(`secure aggregation: round ${roundId}'s keys disappeared while it trained`);
  } catch (err) {
    // Out of the fixed-point range, or not finite (training diverged): retrying would train again to the same values.
    // A SecAggError: the server's round breaks the protocol's rules (a forged member list).
    if (!(err instanceof FixedPointError) && !(err instanceof DpArgumentError) && !(err instanceof SecAggError)) throw err;
    const message = err instanceof SecAggError
      ? `Secure aggregation: ${err.message}.`
      : `This clinic's update for round ${roundId} holds ${err.message.replace(/^value \d+ is /, 'a value ')}; it sits this round out. Ask the study's coordinator to raise the secure-aggregation range.`;
    sitOut(rt, link, roundId, sa.attempt, err, message);
  }
}
