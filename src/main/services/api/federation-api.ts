// Implements the `federation` contract: join (enrol + follow the server), standalone, leave,
// and the connection status the status bar shows.
import { normalizeFingerprint, transportWarning } from '../federation/pinned-fetch';
import { perClientBudget } from '../../../core/protocol';
import {
  ApiError,
  LABEL_SET_PRESETS,
  type ApiImpl,
  type BackboneStatus,
  type ConnectionStatus,
  type FederationPlan,
} from '../../../shared/api';
import { BackboneError } from '../../../engine/backbone/types';
import type { BackboneSpec, DifferentialPrivacy } from '../../../shared/wire';
import { federationEpsilon } from '../../../core/privacy';
import type { Backbones } from '../backbone/backbones';
import { engineWeightsFromBackbone } from '../../../engine/backbone/engine-weights';
import type { StandalonePlan } from '../federation/local-federation';
import { randomInt } from 'node:crypto';
import type { CycleOrchestrator } from '../cycle/orchestrator';
import { FederationOfflineError, FederationRejectedError } from '../federation/http';
import type { FederationLink } from '../federation/link';
import type { LocalFederation } from '../federation/local-federation';
import type { PublicFederation } from '../../../shared/wire';

export interface FederationApiDeps {
  link: FederationLink;
  orchestrator: CycleOrchestrator;
  secretKind: string;
  /** Standalone mode's federation of one. */
  local: LocalFederation;
  /** Installed pretrained backbones (issue 16). */
  backbones: Backbones;
}

export function taskFromFederation(f: PublicFederation, clients: number | null = null): FederationPlan {
  const c = f.config;
  return {
    name: c.name,
    classNames: c.classNames,
    model: c.model.name,
    inputShape: c.model.inputShape,
    strategy: c.strategy.name,
    cycles: c.cycles,
    roundsPerCycle: c.roundsPerCycle,
    localEpochs: c.localEpochs,
    // This client's share b_k = floor(n_query / K) (FAIRFAL.md). A client cannot see how many
    // clients joined, so until the server's query task brings the exact share, K is estimated by
    // the clients a round waits for (the federation's lower bound on K).
    budgetPerCycle: perClientBudget(c.labelingBudgetPerCycle, clients ?? c.minClientsPerRound),
    inputScaling: c.model.inputScaling,
    training: c.training,
    localOnly: c.localOnly,
    learningRate: c.learningRate.initial,
    validation: c.validation,
    aggregation: c.aggregation.name,
    ...(c.backbone ? { backbone: c.backbone } : {}),
    ...(c.pretrained ? { pretrained: c.pretrained } : {}),
    ...(c.differentialPrivacy ? { privacy: privacyOf(c.differentialPrivacy, c.cycles * c.roundsPerCycle) } : {}),
    ...(c.secureAggregation ? { secureAggregation: { survivorFraction: c.secureAggregation.survivorFraction } } : {}),
  };
}

export function connectionStatus(deps: FederationApiDeps): ConnectionStatus {
  const s = deps.orchestrator.state();
  const e = deps.link.enrolment();
  const mode = s.mode;
  return {
    state: mode === 'none' ? 'none' : mode === 'standalone' ? 'standalone' : deps.link.state,
    mode,
    serverUrl: mode === 'federated' ? (e?.serverUrl ?? null) : null,
    clientId: mode === 'federated' ? (e?.clientId ?? null) : null,
    displayName: e?.displayName ?? null,
    task: deps.orchestrator.task(),
    lastContactAt: deps.link.lastContactAt,
    lastError: deps.link.lastError,
    outboxPending: deps.link.outbox.pendingCount(),
    secretStore: deps.secretKind,
    certificatePin: mode === 'federated' ? (e?.certificatePin ?? null) : null,
    transportWarning: mode === 'federated' && e ? transportWarning(e.serverUrl) : null,
  };
}

function privacyOf(dp: DifferentialPrivacy, plannedRounds: number): NonNullable<FederationPlan['privacy']> {
  const all = federationEpsilon(dp.noiseMultiplier, plannedRounds, dp.delta);
  const target = dp.targetEpsilon ?? null;
  return { noiseMultiplier: dp.noiseMultiplier, delta: dp.delta, plannedEpsilon: target !== null ? Math.min(all, target) : all, targetEpsilon: target, ...(dp.adaptiveClipping ? { adaptiveClipping: true } : {}) };
}

function backboneStatus(deps: FederationApiDeps): BackboneStatus {
  const required = deps.orchestrator.task()?.backbone ?? null;
  return { required, installed: required !== null && deps.backbones.file(required.sha256) !== null };
}

export function createFederationApi(deps: FederationApiDeps): ApiImpl['federation'] {
  const { link, orchestrator } = deps;
  return {
    async getConnection() {
      return connectionStatus(deps);
    },
    async getReportPolicy() {
      return link.reports.get();
    },
    async setReportPolicy(policy) {
      return link.reports.set(policy);
    },
    async join({ serverUrl, code, displayName, certificatePin }) {
      if (orchestrator.state().mode !== 'none') throw new ApiError('conflict', 'leave the current federation (or standalone mode) first');
      let pin: string | null = null;
      if (certificatePin !== undefined && certificatePin.trim() !== '') {
        pin = normalizeFingerprint(certificatePin);
        if (!pin) throw new ApiError('invalid-input', 'the certificate fingerprint must be 64 hex digits (SHA-256), as `openssl x509 -noout -fingerprint -sha256` prints it');
        if (!serverUrl.startsWith('https://')) throw new ApiError('invalid-input', 'a pinned certificate needs an https:// server address');
      }
      try {
        const e = await link.enrol(serverUrl, code, displayName, pin);
        await orchestrator.configure('federated', taskFromFederation(e.federation));
      } catch (err) {
        if (err instanceof FederationOfflineError) throw new ApiError('unavailable', err.message);
        if (err instanceof FederationRejectedError) throw new ApiError(err.code === 'invalid_code' ? 'invalid-input' : 'conflict', err.message);
        throw err;
      }
      orchestrator.start();
      return connectionStatus(deps);
    },
    async startStandalone(input) {
      if (orchestrator.state().mode !== 'none') throw new ApiError('conflict', 'leave the current federation (or standalone mode) first');
      if ((input.preset === undefined) === (input.classNames === undefined)) throw new ApiError('invalid-input', 'give either a preset or your own classNames');
      const classNames = input.preset ? [...LABEL_SET_PRESETS[input.preset]] : (input.classNames as string[]);
      let backbone: BackboneSpec | undefined;
      let pretrained: StandalonePlan['pretrained'];
      if (input.backbonePath) {
        try {
          backbone = await deps.backbones.install(input.backbonePath);
          if (input.backboneMode === 'fine-tune-last-block') {
            const file = deps.backbones.file(backbone.sha256) as string;
            const e = engineWeightsFromBackbone(file, classNames.length, randomInt(0, 2 ** 31 - 1));
            pretrained = { spec: backbone, model: e.config.name, weights: e.weights.data, frozenBlocks: e.allButLastBlock };
            backbone = undefined;
          }
        } catch (err) {
          if (err instanceof BackboneError) throw new ApiError('invalid-input', `cannot use that backbone: ${err.message}`);
          throw err;
        }
      }
      const plan = {
        name: input.name,
        classNames,
        budgetPerCycle: input.budgetPerCycle,
        epochs: input.epochs,
        strategy: input.strategy,
        ...(input.imageSize ? { imageSize: input.imageSize } : {}),
        ...(input.model ? { model: input.model } : {}),
        ...(backbone ? { backbone } : {}),
        ...(pretrained ? { pretrained } : {}),
      };
      // A federation of one in this data folder, followed like any federation (issue 15).
      try {
        deps.local.create(plan);
      } catch (err) {
        throw new ApiError('invalid-input', `cannot start standalone: ${err instanceof Error ? err.message : String(err)}`);
      }
      const local = deps.local.transport();
      if (!local) throw new Error('the standalone federation did not open');
      const e = await link.enrol(local.url, deps.local.enrolmentCode(), input.name);
      await orchestrator.configure('standalone', taskFromFederation(e.federation, 1));
      return connectionStatus(deps);
    },
    async getBackbone() {
      return backboneStatus(deps);
    },
    async installBackbone({ path: file }) {
      const required = orchestrator.task()?.backbone;
      if (!required) throw new ApiError('conflict', 'this federation trains a whole network: it needs no backbone');
      try {
        await deps.backbones.install(file, required.sha256);
      } catch (err) {
        if (err instanceof BackboneError) throw new ApiError('invalid-input', err.message);
        throw err;
      }
      orchestrator.start();
      return backboneStatus(deps);
    },
    async leave() {
      await orchestrator.reset();
      await link.leave();
      deps.local.remove();
      return connectionStatus(deps);
    },
    async flushOutbox() {
      if (orchestrator.state().mode !== 'federated') return { delivered: 0, pending: 0 };
      try {
        const r = await link.flush(true);
        return { delivered: r.delivered, pending: r.pending };
      } catch (err) {
        if (err instanceof FederationRejectedError) throw new ApiError('unauthorized', err.message);
        throw err;
      }
    },
  };
}
