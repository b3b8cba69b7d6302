// A clinic's part in the stages of a secure-aggregation round (issue 19) that are not training:
// sending its keys, its sealed shares, and in the end the shares that unmask the round's sum.
// Every message goes through the outbox (persisted, sent once); the round's secrets live in
// federation/secagg-session.ts. A clinic that lost them (its data folder restored from before
// the round) sits the round out: the others finish it without it.
import { secureContribution, type DpSettings } from '../../../core/protocol';
import { cryptoNormal } from '../../../platform/crypto-normal';
import { SecAggError } from '../../../platform/secagg';
import { secAggOutboxKey, type FederationLink } from '../federation/link';
import type { FederationConfig, SecAggKeysTask, SecAggSharesTask, SecAggUnmaskTask, SecureTrain } from '../../../shared/wire';
import type { CycleRuntime } from './cycle-runtime';

const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

/** Already queued: the next task long-polls until the round moves on. */
async function queued(rt: CycleRuntime, link: FederationLink, roundId: number, attempt: number, stage: string): Promise<boolean> {
  if (!link.outbox.get(secAggOutboxKey(roundId, attempt, stage))) return false;
  await rt.idle(500);
  return true;
}

export async function sendKeys(rt: CycleRuntime, link: FederationLink, task: SecAggKeysTask): Promise<void> {
  if (await queued(rt, link, task.roundId, task.attempt, 'keys')) return;
  rt.update({ step: 'training', cycle: task.cycle, message: 'Secure aggregation: exchanging keys with the other clinics' }, false);
  await link.sendSecAgg(task.roundId, task.attempt, 'keys', json(link.secAgg.keys(task.roundId, task.attempt)));
}

export async function sendShares(rt: CycleRuntime, link: FederationLink, task: SecAggSharesTask): Promise<void> {
  if (await queued(rt, link, task.roundId, task.attempt, 'shares')) return;
  const fraction = link.enrolment()?.federation.config.secureAggregation?.survivorFraction;
  if (fraction === undefined) throw new Error('a secure-aggregation task in a federation without secure aggregation');
  let body: Awaited<ReturnType<typeof link.secAgg.shares>>;
  try {
    body = await link.secAgg.shares(task, fraction);
  } catch (err) {
    if (!(err instanceof SecAggError)) throw err;
    // The server's round breaks the federation's rule: this clinic keeps its secrets to itself.
    sitOut(rt, link, task.roundId, task.attempt, err, `Secure aggregation: ${err.message}. This clinic sits round ${task.roundId} out.`);
    await rt.idle(2000);
    return;
  }
  if (!body) {
    rt.update({ message: `Secure aggregation: this app lost round ${task.roundId}'s keys; it sits this round out` }, false);
    await rt.idle(2000);
    return;
  }
  await link.sendSecAgg(task.roundId, task.attempt, 'shares', json(body));
}

/** Drops the attempt's secrets (nothing this clinic holds is needed by the others), logs why and tells the clinic. */
export function sitOut(rt: CycleRuntime, link: FederationLink, roundId: number, attempt: number, err: Error, message: string): void {
  link.secAgg.forget(roundId, attempt);
  rt.deps.log?.(`secure aggregation: ${err.message}`);
  rt.update({ message }, false);
}

export async function sendReveal(rt: CycleRuntime, link: FederationLink, task: SecAggUnmaskTask): Promise<void> {
  if (await queued(rt, link, task.roundId, task.attempt, 'reveal')) return;
  const body = link.secAgg.reveal(task, null);
  if (!body) {
    await rt.idle(2000);
    return;
  }
  rt.update({ message: 'Secure aggregation: helping the server remove the masks of the round\u2019s sum' }, false);
  await link.sendSecAgg(task.roundId, task.attempt, 'reveal', json(body));
}

export interface TrainedUpdate {
  base: Float32Array;
  weights: Float32Array;
  controlDelta?: Float32Array;
  labelCount: number;
}

/** The trained update as a masked contribution: clipped, weighted (and noised) by the clinic itself. */
export async function sendMasked(link: FederationLink, config: FederationConfig, roundId: number, sa: SecureTrain, u: TrainedUpdate): Promise<boolean> {
  const configured = config.differentialPrivacy;
  const dp: DpSettings | undefined = configured ? { ...configured, clipNorm: sa.clipNorm ?? configured.clipNorm } : undefined;
  const contribution = secureContribution({
    kind: sa.kind,
    global: u.base,
    weights: u.weights,
    controlDelta: u.controlDelta,
    labelCount: u.labelCount,
    normBound: sa.normBound,
    settings: { weightCap: sa.weightCap },
    dp,
    noiseShares: sa.threshold,
    normal: cryptoNormal(),
  });
  const body = link.secAgg.maskedUpload(roundId, sa, contribution);
  if (!body) return false;
  await link.sendSecAgg(roundId, sa.attempt, 'masked', body);
  return true;
}
