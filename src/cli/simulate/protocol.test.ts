import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig, type SimConfig } from './config';
import { loadSimData, partitionSimData, type SimData } from './data';
import { FakeTrainer } from './fake-trainer';
import { logViolations } from './invariants';
import { runSimulation } from './protocol';
import { readRunLog, RunDir } from './run-files';
import { deriveSeed } from './seeds';

const RETINA = '../shared/datasets/retinamnist.npz';
const tmp = mkdtempSync(join(tmpdir(), 'sim-protocol-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cfgFor(strategy: string, extra: string[] = []): SimConfig {
  return resolveConfig([
    '--dataset', RETINA, '--strategy', strategy, '--clients', '3', '--rounds', '2', '--local-epochs', '1',
    '--target-fraction', '0.2', '--no-progress', ...extra,
  ]);
}

let data: SimData | null = null;
function retina(cfg: SimConfig): SimData {
  data ??= loadSimData(cfg);
  return data;
}

async function runFake(cfg: SimConfig, dir: string, failOnTrainCall?: number) {
  const d = retina(cfg);
  const trainer = new FakeTrainer(d, failOnTrainCall === undefined ? {} : { failOnTrainCall });
  return runSimulation({ cfg, data: d, partition: partitionSimData(d, cfg), trainer, dir });
}

describe('protocol bookkeeping (fake trainer, real RetinaMNIST partition)', () => {
  for (const strategy of ['fairfal', 'random', 'entropy', 'entropy-local', 'logo', 'kafal', 'badge', 'coreset']) {
    it(`${strategy}: labeled sets grow by the budget, stay in the pools, never overlap`, async () => {
      const cfg = cfgFor(strategy);
      const dir = join(tmp, strategy);
      const out = await runFake(cfg, dir);
      expect(out.cycles).toHaveLength(4); // 5%, 10%, 15%, 20%
      const { header, cycles } = readRunLog(join(dir, 'log.jsonl'));
      expect(header.budgetPerClient).toBe(Math.trunc((1100 * 0.05) / 3));
      expect(logViolations(header, cycles, retina(cfg).train.labels)).toEqual([]);
      expect(cycles[3]?.labeledTotal).toBe(3 * header.initialPerClient + 3 * 3 * header.budgetPerClient);
      if (strategy === 'fairfal') {
        expect(cycles[0]?.gammaBar).not.toBeNull();
        expect(new Set(cycles.map((c) => c.gammaBar)).size).toBe(1);
        expect(cycles[0]?.clients.every((c) => c.queryModel === 'global' || c.queryModel === 'local')).toBe(true);
        expect(cycles[0]?.clients.every((c) => typeof c.dK === 'number')).toBe(true);
      } else {
        expect(cycles.every((c) => c.gammaBar === null)).toBe(true);
      }
    });
  }

  it('an interrupted run resumes to exactly the uninterrupted result', async () => {
    const cfg = cfgFor('fairfal');
    const whole = await runFake(cfg, join(tmp, 'whole'));
    const dir = join(tmp, 'interrupted');
    // 3 clients x 2 rounds per cycle + 3 local-only models: call 12 is inside cycle 2's training.
    await expect(runFake(cfg, dir, 12)).rejects.toThrow(/simulated interruption/);
    expect(readRunLog(join(dir, 'log.jsonl')).cycles).toHaveLength(1);
    const resumed = await runFake(cfg, dir);
    expect(resumed.resumedFrom).toBe(1);
    const strip = (c: (typeof whole.cycles)[number]) => ({ ...c, timings: null, finishedAt: null });
    expect(resumed.cycles.map(strip)).toEqual(whole.cycles.map(strip));
    const lines = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1 + 4);
  });

  it('refuses to resume with different settings unless --fresh', async () => {
    const dir = join(tmp, 'mismatch');
    await expect(runFake(cfgFor('random'), dir, 4)).rejects.toThrow(/simulated interruption/);
    await expect(runFake(cfgFor('random', ['--seed', '2']), dir)).rejects.toThrow(/different settings/);
    const fresh = await runFake(cfgFor('random', ['--seed', '2', '--fresh']), dir);
    expect(fresh.resumedFrom).toBeNull();
    expect(fresh.cycles).toHaveLength(4);
  });

  it('the invariant checker catches a corrupted log', async () => {
    const dir = join(tmp, 'random');
    const { header, cycles } = readRunLog(join(dir, 'log.jsonl'));
    const broken = structuredClone(cycles);
    const c0 = broken[0]?.clients[0];
    if (!c0?.queried) throw new Error('expected a query');
    c0.queried[0] = header.initialLabeled[0]?.[0] as number; // re-query a labeled sample
    expect(logViolations(header, broken).join('\n')).toMatch(/re-queried/);
    const gb = structuredClone(cycles).map((c) => ({ ...c, gammaBar: c.cycle * 0.1 + 0.2, gammaBarCycle: 0 }));
    expect(logViolations({ ...header, config: { ...header.config, strategy: 'fairfal' } }, gb).join('\n')).toMatch(/gamma_bar changed/);
  });
});

describe('federated variants', () => {
  it('FedProx passes mu to every client job; SCAFFOLD sends control variates that differ after the first round', async () => {
    const prox = cfgFor('random', ['--fl', 'fedprox', '--prox-mu', '0.05', '--target-fraction', '0.1']);
    const d = retina(prox);
    const t1 = new FakeTrainer(d);
    await runSimulation({ cfg: prox, data: d, partition: partitionSimData(d, prox), trainer: t1, dir: join(tmp, 'prox') });
    expect(t1.jobs.every((j) => j.proxMu === 0.05 && j.control === undefined)).toBe(true);

    const sc = cfgFor('random', ['--fl', 'scaffold', '--target-fraction', '0.1']);
    const t2 = new FakeTrainer(d);
    await runSimulation({ cfg: sc, data: d, partition: partitionSimData(d, sc), trainer: t2, dir: join(tmp, 'scaffold') });
    const corr = t2.jobs.map((j) => (j.control ? Array.from(j.control.server, (c, i) => c - (j.control?.client[i] ?? 0)) : null));
    expect(corr.every((c) => c !== null)).toBe(true);
    // Round 1 starts from zero controls; round 2 carries non-zero corrections c - c_i.
    expect(corr.slice(0, 3).every((c) => c?.every((v) => v === 0))).toBe(true);
    expect(corr.slice(3, 6).some((c) => c?.some((v) => v !== 0))).toBe(true);
    // --model-init reinit (default): cycle 2 starts from zero controls again.
    expect(corr.slice(6, 9).every((c) => c?.every((v) => v === 0))).toBe(true);
    expect(t2.jobs.every((j) => j.proxMu === undefined)).toBe(true);
  });

  it('SCAFFOLD with --model-init continue keeps the control variates across cycles, checkpoints them, and resumes exactly', async () => {
    const cfg = cfgFor('random', ['--fl', 'scaffold', '--model-init', 'continue']);
    const whole = await runFake(cfg, join(tmp, 'sc-whole'));
    const dir = join(tmp, 'sc-interrupted');
    // 3 clients x 2 rounds per cycle: call 8 is inside cycle 2's training.
    await expect(runFake(cfg, dir, 8)).rejects.toThrow(/simulated interruption/);
    const cp = new RunDir(dir).readCheckpoint();
    expect(cp?.controls).toEqual({ file: 'checkpoint-controls.bin', clients: 3, paramCount: 5 });
    const saved = cp ? new RunDir(dir).readCheckpointControls(cp) : null;
    expect(saved?.server.some((v) => v !== 0)).toBe(true);
    const d = retina(cfg);
    const t = new FakeTrainer(d);
    const resumed = await runSimulation({ cfg, data: d, partition: partitionSimData(d, cfg), trainer: t, dir });
    expect(resumed.resumedFrom).toBe(1);
    // The first job after the resume starts from the checkpointed controls, not zeros.
    expect(Array.from(t.jobs[0]?.control?.server ?? [])).toEqual(Array.from(saved?.server ?? []));
    expect(Array.from(t.jobs[0]?.control?.client ?? [])).toEqual(Array.from(saved?.clients[0] ?? []));
    const strip = (c: (typeof whole.cycles)[number]) => ({ ...c, timings: null, finishedAt: null });
    expect(resumed.cycles.map(strip)).toEqual(whole.cycles.map(strip));
  });

  it('a checkpoint written before SCAFFOLD support (no controls) still resumes', async () => {
    const cfg = cfgFor('random', ['--model-init', 'continue']);
    const dir = join(tmp, 'old-checkpoint');
    await expect(runFake(cfg, dir, 8)).rejects.toThrow(/simulated interruption/);
    const run = new RunDir(dir);
    const raw = JSON.parse(readFileSync(run.checkpointPath, 'utf8')) as Record<string, unknown>;
    expect('controls' in raw).toBe(false); // FedAvg writes the old format unchanged
    const cp = run.readCheckpoint();
    expect(cp && run.readCheckpointControls(cp)).toBeNull();
    const out = await runFake(cfg, dir);
    expect(out.resumedFrom).toBe(1);
    expect(out.cycles).toHaveLength(4);
  });

  it('refuses SCAFFOLD on a trainer without the gradient-correction hook', async () => {
    const sc = cfgFor('random', ['--fl', 'scaffold']);
    const d = retina(sc);
    const t = Object.assign(new FakeTrainer(d), { supportsGradCorrection: false });
    await expect(runSimulation({ cfg: sc, data: d, partition: partitionSimData(d, sc), trainer: t, dir: join(tmp, 'sc2') })).rejects.toThrow(/gradient correction/);
  });

  it('--model-init continue starts each cycle from the previous global model and checkpoints it', async () => {
    const cfg = cfgFor('random', ['--model-init', 'continue', '--target-fraction', '0.1']);
    const d = retina(cfg);
    const t = new FakeTrainer(d);
    const dir = join(tmp, 'continue');
    await runSimulation({ cfg, data: d, partition: partitionSimData(d, cfg), trainer: t, dir });
    const fresh = Array.from((await t.initWeights(deriveSeed(cfg.seed, 'init', 1))).data);
    // Cycle 2's first job (3 clients x 2 rounds later) starts from the trained model, not a fresh init.
    expect(Array.from(t.jobs[6]?.init.data ?? [])).not.toEqual(fresh);
    const re = cfgFor('random', ['--target-fraction', '0.1']);
    const t2 = new FakeTrainer(d);
    await runSimulation({ cfg: re, data: d, partition: partitionSimData(d, re), trainer: t2, dir: join(tmp, 'reinit') });
    expect(Array.from(t2.jobs[6]?.init.data ?? [])).toEqual(fresh);
    expect(readFileSync(join(dir, 'checkpoint.json'), 'utf8')).toContain('checkpoint-weights.bin');
  });
});

describe('run directory lock', () => {
  it('refuses a directory another live process is writing, takes over a stale lock', async () => {
    const { mkdirSync, writeFileSync, existsSync } = await import('node:fs');
    const cfg = cfgFor('random', ['--target-fraction', '0.1']);
    const dir = join(tmp, 'locked');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.lock'), String(process.ppid)); // a live process that is not us
    await expect(runFake(cfg, dir)).rejects.toThrow(/being written by process/);
    writeFileSync(join(dir, '.lock'), '2147483646'); // no such process
    const out = await runFake(cfg, dir);
    expect(out.cycles).toHaveLength(2);
    expect(existsSync(join(dir, '.lock'))).toBe(false);
  });
});
