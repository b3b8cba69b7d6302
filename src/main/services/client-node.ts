// The client node without any host: vault + federation link + engine + cycle orchestrator
// over one node.sqlite, with explicit dependencies. The Electron shell, the web host and the
// headless CLI all build it here, so they run identical code.
import path from 'node:path';
import type { ApiImpl } from '../../shared/api';
import { CycleOrchestrator, type EvaluationSet, type OrchestratorDeps } from './cycle/orchestrator';
import { imageShapeOf } from './cycle/cycle-runtime';
import { Backbones } from './backbone/backbones';
import { CycleStore } from './cycle/cycle-store';
import { createCycleApi } from './api/cycle-api';
import type { Trainer } from '../../engine/trainer';
import { engineWorkerEntry } from './cycle/engine-entry';
import { WorkerTrainer } from '../../engine/worker-trainer';
import { ModelFiles } from './cycle/model-files';
import type { ApiEventBus } from './event-bus';
import { connectionStatus, createFederationApi } from './api/federation-api';
import { FederationLink } from './federation/link';
import { LocalFederation } from './federation/local-federation';
import type { SecretStore } from './federation/secret-store';
import { openNodeDb, type Db } from './storage/node-db';
import type { Durability } from '../../platform/sqlite';
import type { MediaUrlFn } from './vault/media-store';
import type { ReviewPolicy } from './vault/import-review';
import { Vault } from './vault/vault';
import { createVaultApi } from './api/vault-api';

export interface ClientNodeOptions {
  dataDir: string;
  secrets: SecretStore;
  mediaUrl: MediaUrlFn;
  events?: ApiEventBus;
  /** Default: a WorkerTrainer (training and inference in a worker thread). */
  engine?: Trainer;
  pickFolder?: () => Promise<string | null>;
  evaluation?: () => EvaluationSet | null;
  fetchImpl?: typeof fetch;
  longPollMs?: number;
  localOnlyEpochs?: number;
  importConcurrency?: number;
  /** Build previews and thumbnails in the background after imports (default true; the headless client shows no images). */
  backgroundMedia?: boolean;
  log?: (line: string) => void;
  /** Names the node's random streams instead of its client id (simulated clinics). */
  seedKey?: string;
  onQueryState?: OrchestratorDeps['onQueryState'];
  /** SQLite durability of node.sqlite (platform/sqlite.ts; default: survives a power cut). */
  durability?: Durability;
  /** Import checks: 'hold' images unlike the workspace for the clinician (the app), or only 'report' them (default). */
  reviewPolicy?: ReviewPolicy;
}

export interface ClientNode {
  db: Db;
  vault: Vault;
  link: FederationLink;
  orchestrator: CycleOrchestrator;
  engine: Trainer;
  models: ModelFiles;
  services: Pick<ApiImpl, 'vault' | 'federation' | 'cycle'>;
  /** Restores the credential and resumes the cycle where it stopped. */
  resume(): Promise<void>;
  close(): Promise<void>;
}

export function createClientNode(o: ClientNodeOptions): ClientNode {
  const db = openNodeDb(o.dataDir, o.durability);
  const events = o.events;
  const vault = new Vault({
    db,
    dataDir: o.dataDir,
    mediaUrl: o.mediaUrl,
    ...(o.importConcurrency ? { concurrency: o.importConcurrency } : {}),
    ...(o.backgroundMedia === false ? { backgroundMedia: false } : {}),
    onProgress: (p) => events?.emit('vault', 'importProgress', p),
    onFinished: (s) => events?.emit('vault', 'importFinished', s),
    ...(o.reviewPolicy ? { reviewPolicy: o.reviewPolicy } : {}),
    ...(o.log ? { onReviewError: (m: string) => o.log?.(`import check failed: ${m}`) } : {}),
    onMediaProgress: (p) => events?.emit('vault', 'mediaProgress', p),
  });
  const engine = o.engine ?? createDefaultEngine();
  const backbones = new Backbones(db, path.join(o.dataDir, 'backbones'), engine);
  const models = new ModelFiles(path.join(o.dataDir, 'models'));
  let emitConnection = () => {};
  const local = new LocalFederation(o.dataDir, o.log);
  const link = new FederationLink({
    db,
    dataDir: o.dataDir,
    secrets: o.secrets,
    ...(o.fetchImpl ? { fetchImpl: o.fetchImpl } : {}),
    localTransport: () => local.transport(),
    onChange: () => emitConnection(),
  });
  const store = new CycleStore(db);
  const orchestrator = new CycleOrchestrator({
    store,
    vault,
    engine,
    link,
    models,
    ...(o.evaluation ? { evaluation: o.evaluation } : {}),
    ...(o.longPollMs !== undefined ? { longPollMs: o.longPollMs } : {}),
    ...(o.localOnlyEpochs !== undefined ? { localOnlyEpochs: o.localOnlyEpochs } : {}),
    ...(o.log ? { log: o.log } : {}),
    ...(o.seedKey !== undefined ? { seedKey: o.seedKey } : {}),
    ...(o.onQueryState ? { onQueryState: o.onQueryState } : {}),
    backbones,
    onStatus: (s) => events?.emit('cycle', 'statusChanged', s),
    onQueue: (q) => events?.emit('cycle', 'queueReady', q),
    onMetrics: (m) => events?.emit('cycle', 'metricsUpdated', m),
  });
  const fedDeps = { link, orchestrator, secretKind: o.secrets.kind, local, backbones };
  emitConnection = () => events?.emit('federation', 'connectionChanged', connectionStatus(fedDeps));
  const services = {
    vault: createVaultApi({ vault, ...(o.pickFolder ? { pickFolder: o.pickFolder } : {}) }),
    federation: createFederationApi(fedDeps),
    cycle: createCycleApi({ orchestrator, engine, models, vault, dataDir: o.dataDir }),
  };
  return {
    db,
    vault,
    link,
    orchestrator,
    engine,
    models,
    services,
    async resume() {
      const mode = orchestrator.state().mode;
      if (mode === 'standalone') await openLocalFederation(local, link, orchestrator);
      if (mode === 'federated' || mode === 'standalone') await link.restore();
      const task = orchestrator.task();
      if (task) await vault.setTensorShape(imageShapeOf(task));
      orchestrator.start();
    },
    async close() {
      await orchestrator.stop();
      local.close();
      backbones.close();
      await engine.close();
      await vault.close();
      db.close();
    },
  };
}

/**
 * Standalone mode's federation of one, reopened; a data folder from before standalone became a
 * federation of one gets one now, starting at the cycle it was in (its labels stay).
 */
async function openLocalFederation(local: LocalFederation, link: FederationLink, orchestrator: CycleOrchestrator): Promise<void> {
  if (local.exists() && link.enrolment()?.serverUrl === local.open().url) return;
  const task = orchestrator.task();
  if (!task) return;
  local.create({ name: task.name, classNames: task.classNames, budgetPerCycle: task.budgetPerCycle, epochs: task.localEpochs, strategy: task.strategy, imageSize: task.inputShape[0], model: task.model, ...(task.backbone ? { backbone: task.backbone } : {}) }, orchestrator.state().cycle);
  const url = local.transport()?.url;
  if (url) await link.enrol(url, local.enrolmentCode(), task.name);
}

/** The engine every host uses: its own worker thread, entry resolved for sources or bundle. */
export function createDefaultEngine(): Trainer {
  const entry = engineWorkerEntry();
  return new WorkerTrainer(entry ? { entry } : {});
}
