// The simulator's transport is the product's contract: the same small federation (RetinaMNIST,
// 3 clinics, 2 cycles, R=2, E=1, FairFAL) run through the in-memory transport and through the
// real HTTP server on loopback gives the same global model after every round and the same
// queried images in every cycle.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { engineInitialWeights } from '../../../server';
import { FederationConfigSchema, type FederationConfigInput } from '../../../shared/wire';
import { runSimulatedFederation, type SimulatedFederationResult, type Transport } from './simulated-federation';
import type { ClinicSpec } from './simulated-clinic';

const RETINA = path.resolve('../shared/datasets/retinamnist.npz');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const config: FederationConfigInput = {
  name: 'RetinaMNIST one-protocol check',
  classNames: ['grade 0', 'grade 1', 'grade 2', 'grade 3', 'grade 4'],
  model: { name: 'cnn4conv', inputShape: [28, 28, 3] },
  cycles: 2,
  roundsPerCycle: 2,
  localEpochs: 1,
  labelingBudgetPerCycle: 30,
  minClientsPerRound: 3,
  roundDeadlineSeconds: 3600,
  labelingDeadlineSeconds: 3600,
};

/** Clinic k holds the train images with index % 3 === k; every 20th of them starts labeled. */
const clinics: ClinicSpec[] = [0, 1, 2].map((k) => {
  const indices = Array.from({ length: 360 }, (_, i) => i * 3 + k);
  return { npz: RETINA, split: 'train', indices, initialLabeled: indices.filter((_, i) => i % 20 === 0) };
});

function run(transport: Transport): Promise<SimulatedFederationResult> {
  const dir = mkdtempSync(path.join(tmpdir(), `fairfal-sim-${transport}-`));
  dirs.push(dir);
  return runSimulatedFederation({
    dir,
    transport,
    config,
    initialWeights: engineInitialWeights(FederationConfigSchema.parse(config), 7),
    clinics,
    localOnlyEpochs: 3,
  });
}

describe('one protocol: in-memory transport vs HTTP on loopback', () => {
  it('gives identical global models after every round and identical queries', async () => {
    const memory = await run('memory');
    const http = await run('http');

    expect(memory.rounds.map((r) => [r.cycle, r.roundIndex])).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]]);
    expect(new Set(memory.rounds.map((r) => r.modelHash)).size).toBe(4);
    expect(memory.queues).toHaveLength(3);
    for (const q of memory.queues) {
      expect(q.cycle).toBe(0);
      expect(q.sampleIds).toHaveLength(10); // floor(30 / 3)
      expect(q.indices.every((i) => i % 3 === q.clinic)).toBe(true);
    }
    expect(memory.gammaBar).not.toBeNull();

    expect(http.rounds).toEqual(memory.rounds);
    expect(http.queues.map((q) => [q.clinic, q.cycle, q.sampleIds])).toEqual(memory.queues.map((q) => [q.clinic, q.cycle, q.sampleIds]));
    expect(http.gammaBar).toBe(memory.gammaBar);
    expect(http.finalModelHash).toBe(memory.finalModelHash);
  }, 600_000);
});
