// Implements the `cycle` contract over the orchestrator.
import path from 'node:path';
import { SimilarLabeledFinder } from '../cycle/similar-labeled';
import { ApiError, SampleIdSchema, type ApiImpl } from '../../../shared/api';
import { exportBinary, exportTfjs } from '../cycle/model-files';
import type { CycleOrchestrator } from '../cycle/orchestrator';
import { modelTask } from '../cycle/orchestrator';
import type { Trainer } from '../../../engine/trainer';
import type { ModelFiles } from '../cycle/model-files';
import type { Vault } from '../vault/vault';

export interface CycleApiDeps {
  orchestrator: CycleOrchestrator;
  engine: Trainer;
  models: ModelFiles;
  vault: Vault;
  dataDir: string;
  now?: () => Date;
}

export function createCycleApi(deps: CycleApiDeps): ApiImpl['cycle'] {
  const { orchestrator: orch } = deps;
  const now = deps.now ?? (() => new Date());
  const similar = new SimilarLabeledFinder(deps.engine);
  return {
    async getStatus() {
      return orch.status();
    },
    async getQueue() {
      return orch.queue();
    },
    async getMetrics() {
      return orch.metrics();
    },
    async getLabels() {
      return [...orch.labels()].flatMap(([sampleId, label]) => {
        const id = SampleIdSchema.safeParse(sampleId);
        return id.success ? [{ sampleId: id.data, label }] : [];
      });
    },
    async similarLabeled({ sampleId, perClass }) {
      const task = orch.task();
      const hash = orch.state().modelHash;
      if (!task || !hash) throw new ApiError('conflict', 'there is no trained model yet: similar images are found with it');
      const found = await similar.find(task, hash, () => deps.models.load(hash), orch.pool(), orch.labels(), sampleId, perClass);
      return { modelHash: found.modelHash, classes: found.classes.map((c) => ({ classIndex: c.classIndex, items: c.items.map((i) => ({ ...i, sampleId: i.sampleId as typeof sampleId })) })) };
    },
    async getExclusions() {
      return orch.exclusions().flatMap((e) => (SampleIdSchema.safeParse(e.sampleId).success ? [e] : []));
    },
    async getReadings() {
      return orch.readings();
    },
    async submitLabels({ labels, final, excluded, readings }) {
      const task = orch.task();
      if (!task) throw new ApiError('conflict', 'join a federation or start standalone before labeling');
      const known = new Set(deps.vault.index.getSamples(labels.map((l) => l.sampleId)).map((r) => r.id));
      const ignored: { sampleId: string; reason: string }[] = [];
      const accepted = labels.filter((l) => {
        if (!known.has(l.sampleId)) ignored.push({ sampleId: l.sampleId, reason: 'not in the vault' });
        else if (l.label >= task.classNames.length) ignored.push({ sampleId: l.sampleId, reason: `class ${l.label} is outside the label set` });
        else return true;
        return false;
      });
      const knownExcluded = new Set(deps.vault.index.getSamples((excluded ?? []).map((e) => e.sampleId)).map((r) => r.id));
      const keptExcluded = excluded?.filter((e) => {
        if (knownExcluded.has(e.sampleId)) return true;
        ignored.push({ sampleId: e.sampleId, reason: 'excluded image not in the vault' });
        return false;
      });
      orch.submitLabels(accepted, final, keptExcluded, readings);
      return { accepted: accepted.length, ignored: ignored.slice(0, 1000), status: orch.status() };
    },
    async startLocalWork() {
      if (!orch.task()) throw new ApiError('conflict', 'join a federation or start standalone first');
      orch.startLocalWork();
      return orch.status();
    },
    async cancelLocalWork() {
      await orch.cancel();
      return orch.status();
    },
    async exportModel({ format, directory }) {
      const task = orch.task();
      const hash = orch.state().modelHash;
      if (!task || !hash) throw new ApiError('conflict', 'there is no trained model to export yet');
      const weights = deps.models.load(hash);
      const mt = modelTask(task);
      const dir = directory ?? path.join(deps.dataDir, 'exports', now().toISOString().replace(/[:.]/g, '-'));
      const specs = deps.engine.specs(mt);
      const files =
        format === 'binary'
          ? exportBinary(dir, mt, specs, weights, { cycle: orch.state().cycle, modelHash: hash, task: task.name })
          : exportTfjs(dir, mt, specs, weights, task.classNames);
      return { format, files, modelHash: hash };
    },
  };
}
