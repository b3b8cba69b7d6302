// The admin status document (GET /status). Shows who reported and which versions exist;
// never per-client sample (label) counts.
import type { z } from 'zod';
import { StatusSchema, type DifferentialPrivacy, type RoundSummarySchema, type Status } from '../../shared/wire';
import type { FederationStore, RoundRow } from '../data/store';
import { SecAggStore } from '../data/secagg-store';
import { privacySpent } from './privacy-budget';

const iso = (ms: number) => new Date(ms).toISOString();

/** An open secure round's stage, for the admin (members and threshold once fixed). */
function secureView(store: FederationStore, r: RoundRow): { secureAggregation?: z.input<typeof RoundSummarySchema>['secureAggregation'] } {
  if (r.status !== 'open') return {};
  const s = new SecAggStore(store.db).round(r.id);
  return s ? { secureAggregation: { attempt: s.attempt, stage: s.stage, members: s.members, threshold: s.threshold } } : {};
}

function roundSummary(store: FederationStore, r: RoundRow): z.input<typeof RoundSummarySchema> {
  const m = store.roundMetrics(r.id);
  return {
    roundId: r.id,
    cycle: r.cycle,
    roundIndex: r.round_index,
    status: r.status,
    openedAt: iso(r.opened_at),
    deadline: iso(r.deadline),
    closedAt: r.closed_at === null ? null : iso(r.closed_at),
    baseModelHash: r.base_hash,
    resultModelHash: r.result_hash,
    reported: store.reporters(r.id),
    metrics: { reporters: m.reporters, meanLocalTestAccuracy: m.mean },
    ...secureView(store, r),
  };
}

function privacyView(store: FederationStore, dp: DifferentialPrivacy | undefined, clipNorm: number | null): Status['privacy'] {
  if (!dp) return null;
  const spent = privacySpent(store, dp);
  return {
    noiseMultiplier: dp.noiseMultiplier,
    clipNorm: clipNorm ?? dp.clipNorm,
    delta: dp.delta,
    rounds: spent.rounds,
    epsilon: spent.epsilon,
    cycles: spent.cycles,
    targetEpsilon: dp.targetEpsilon ?? null,
    budgetSpent: spent.budgetSpent,
  };
}

export function buildStatus(store: FederationStore): Status {
  const f = store.federation();
  const open = store.currentOpenRound();
  const status = {
    federation: { name: f.config.name, model: f.config.model, aggregation: f.config.aggregation },
    phase: f.phase,
    cycle: f.cycle,
    phaseDeadline: f.phase === 'training' ? (open ? iso(open.deadline) : null) : f.phaseDeadline === null ? null : iso(f.phaseDeadline),
    currentRound: open ? roundSummary(store, open) : null,
    gammaBar: f.gammaBar,
    gammaReported: store.gammas(f.cycle).map((g) => g.client_id),
    ready: store.readyClients(f.cycle),
    latestModelHash: f.latestHash,
    clients: store.clients().map((c) => ({
      clientId: c.id,
      displayName: c.display_name,
      enrolledAt: iso(c.enrolled_at),
      revokedAt: c.revoked_at === null ? null : iso(c.revoked_at),
    })),
    recentRounds: store.recentRounds(20).map((r) => roundSummary(store, r)),
    versions: store.recentVersions(20).map((v) => ({
      hash: v.hash,
      kind: v.kind,
      cycle: v.cycle,
      roundId: v.round_id,
      createdAt: iso(v.created_at),
      contributors: store.contributors(v.hash),
    })),
    privacy: privacyView(store, f.config.differentialPrivacy, f.dpClipNorm),
  };
  // Parsing brands the ids and guards the contract.
  return StatusSchema.parse(status);
}
