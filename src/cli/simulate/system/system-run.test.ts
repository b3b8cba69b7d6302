// The simulator's bookkeeping through the real server domain and client nodes, on a fake
// engine (cheap, deterministic): every strategy's labeled sets grow by the budget and stay in
// the clinic's pool, a run stopped at a cycle boundary resumes to exactly the uninterrupted
// result, other settings are refused unless --fresh, and the invariant checker bites.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig, type SimConfig } from '../config';
import { loadSimData, partitionSimData, type SimData } from '../data';
import { logViolations } from '../invariants';
import { readRunLog } from '../run-files';
import { FakeTrainer } from './fake-trainer';
import { runSimulationThroughSystem } from './system-run';

const RETINA = '../shared/datasets/retinamnist.npz';
const tmp = mkdtempSync(join(tmpdir(), 'sim-system-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cfgFor(strategy: string, extra: string[] = []): SimConfig {
  return resolveConfig([
    '--dataset', RETINA, '--strategy', strategy, '--clients', '3', '--rounds', '2', '--local-epochs', '1',
    '--target-fraction', '0.2', '--local-only-epochs', '2', '--no-progress', ...extra,
  ]);
}

let data: SimData | null = null;
function retina(cfg: SimConfig): SimData {
  data ??= loadSimData(cfg);
  return data;
}

function run(cfg: SimConfig, dir: string, stopAfterCycles?: number) {
  const d = retina(cfg);
  return runSimulationThroughSystem({
    cfg, data: d, partition: partitionSimData(d, cfg), engine: new FakeTrainer(), engineDescription: 'fake engine (tests)', dir,
    ...(stopAfterCycles !== undefined ? { stopAfterCycles } : {}),
  });
}

describe('simulation bookkeeping through the system (fake engine, real RetinaMNIST partition)', () => {
  for (const strategy of ['fairfal', 'random', 'entropy', 'logo', 'kafal', 'badge']) {
    it(`${strategy}: labeled sets grow by the budget, stay in the pools, never overlap`, async () => {
      const cfg = cfgFor(strategy);
      const dir = join(tmp, strategy);
      const out = await run(cfg, dir);
      expect(out.cycles).toHaveLength(4); // 5%, 10%, 15%, 20%
      const { header, cycles } = readRunLog(join(dir, 'log.jsonl'));
      expect(header.budgetPerClient).toBe(Math.trunc((1100 * 0.05) / 3));
      expect(logViolations(header, cycles, retina(cfg).train.labels)).toEqual([]);
      expect(cycles[3]?.labeledTotal).toBe(3 * header.initialPerClient + 3 * 3 * header.budgetPerClient);
      if (strategy === 'fairfal') {
        expect(cycles[0]?.gammaBar).not.toBeNull();
        expect(new Set(cycles.map((c) => c.gammaBar)).size).toBe(1);
        expect(cycles[0]?.clients.every((c) => c.queryModel === 'global' || c.queryModel === 'local')).toBe(true);
        expect(cycles[0]?.clients.every((c) => typeof c.dK === 'number' && typeof c.sK === 'number')).toBe(true);
        expect(cycles[0]?.clients.every((c) => c.localOnlyEpochs === 2)).toBe(true);
      }
    }, 120_000);
  }

  it('a run stopped at a cycle boundary resumes to exactly the uninterrupted result', async () => {
    const cfg = cfgFor('fairfal');
    const whole = await run(cfg, join(tmp, 'whole'));
    const dir = join(tmp, 'interrupted');
    const first = await run(cfg, dir, 2);
    expect(first.cycles).toHaveLength(2);
    const resumed = await run(cfg, dir);
    expect(resumed.resumedFrom).toBe(2);
    const strip = (c: (typeof whole.cycles)[number]) => ({ ...c, timings: null, finishedAt: null });
    expect(resumed.cycles.map(strip)).toEqual(whole.cycles.map(strip));
    expect(readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1 + 4);
  }, 120_000);

  it('a committed run without its federation folder is rebuilt from the log and ends as the uninterrupted one', async () => {
    const cfg = cfgFor('fairfal');
    const whole = readRunLog(join(tmp, 'whole', 'log.jsonl'));
    const dir = join(tmp, 'rebuilt');
    await run(cfg, dir, 2);
    rmSync(join(dir, 'system'), { recursive: true, force: true }); // what a fresh clone of the repository holds
    const resumed = await run(cfg, dir);
    expect(resumed.resumedFrom).toBe(2);
    const strip = (c: (typeof whole.cycles)[number]) => ({ ...c, timings: null, finishedAt: null });
    expect(resumed.cycles.map(strip)).toEqual(whole.cycles.map(strip));
  }, 120_000);

  it('refuses to resume with different settings unless --fresh', async () => {
    const dir = join(tmp, 'mismatch');
    await run(cfgFor('random'), dir, 1);
    await expect(run(cfgFor('random', ['--seed', '2']), dir)).rejects.toThrow(/different settings/);
    const fresh = await run(cfgFor('random', ['--seed', '2', '--fresh']), dir);
    expect(fresh.resumedFrom).toBeNull();
    expect(fresh.cycles).toHaveLength(4);
  }, 120_000);

  it('the invariant checker catches a corrupted log', () => {
    const { header, cycles } = readRunLog(join(tmp, 'random', 'log.jsonl'));
    const broken = structuredClone(cycles);
    const c0 = broken[0]?.clients[0];
    if (!c0?.queried) throw new Error('expected a query');
    c0.queried[0] = header.initialLabeled[0]?.[0] as number; // re-query a labeled sample
    expect(logViolations(header, broken).join('\n')).toMatch(/re-queried/);
    const gb = structuredClone(cycles).map((c) => ({ ...c, gammaBar: c.cycle * 0.1 + 0.2, gammaBarCycle: 0 }));
    expect(logViolations({ ...header, config: { ...header.config, strategy: 'fairfal' } }, gb).join('\n')).toMatch(/gamma_bar changed/);
  });
});

describe('run directory lock', () => {
  it('refuses a directory another live process is writing, takes over a stale lock', async () => {
    const { mkdirSync, writeFileSync, existsSync } = await import('node:fs');
    const cfg = cfgFor('random', ['--target-fraction', '0.1']);
    const dir = join(tmp, 'locked');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.lock'), String(process.ppid)); // a live process that is not us
    await expect(run(cfg, dir)).rejects.toThrow(/being written by process/);
    writeFileSync(join(dir, '.lock'), '2147483646'); // no such process
    const out = await run(cfg, dir);
    expect(out.cycles).toHaveLength(2);
    expect(existsSync(join(dir, '.lock'))).toBe(false);
  }, 60_000);
});
