/**
 * A small end-to-end simulation on the real engine: 2 clients, RetinaMNIST, 2 cycles,
 * 2 rounds of 1 epoch, FairFAL. Checks the run log's invariants (labeled sets grow by
 * exactly the budget, never overlap, never include a test image; gamma_bar frozen after
 * the first query) and that the summary and report can be built from it.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './main';
import { loadSimData } from './data';
import { logViolations } from './invariants';
import { readRunLog } from './run-files';
import { openCoordinator } from '../../server/coordinator-host';
import { silentLogger } from '../../server';
import { decodeModelBlob } from '../../shared/wire';

const tmp = mkdtempSync(join(tmpdir(), 'sim-e2e-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function imageHashes(split: { images: Uint8Array; count: number; height: number; width: number; channels: number }, ids: Iterable<number>): Set<string> {
  const per = split.height * split.width * split.channels;
  const out = new Set<string>();
  for (const i of ids) out.add(createHash('sha1').update(split.images.subarray(i * per, (i + 1) * per)).digest('hex'));
  return out;
}

describe('simulate end to end (real CNN4Conv training)', () => {
  it('runs FairFAL for 2 cycles and leaves a log that keeps every invariant', async () => {
    const dir = join(tmp, 'fairfal');
    const dataset = '../shared/datasets/retinamnist.npz';
    const args = [
      '--dataset', dataset, '--strategy', 'fairfal', '--clients', '2', '--rounds', '2', '--local-epochs', '1',
      '--initial-fraction', '0.05', '--query-fraction', '0.05', '--target-fraction', '0.1',
      '--local-only-epochs', '2', '--workers', '2', '--no-progress', '--out', dir,
    ];
    expect(await main(['run', ...args])).toBe(0);
    const { header, cycles } = readRunLog(join(dir, 'log.jsonl'));
    const data = loadSimData({ dataset, partitionSeed: 0 });
    expect(cycles).toHaveLength(2);
    expect(logViolations(header, cycles, data.train.labels)).toEqual([]);

    // Grows by exactly the budget: 27 per client (int(1100 * 0.05 / 2)).
    expect(header.budgetPerClient).toBe(27);
    expect(cycles[1]?.labeledTotal).toBe((cycles[0]?.labeledTotal ?? 0) + 2 * 27);

    // No labeled image is a test image, by pixel content (not just by index).
    const finalLabeled = cycles[1]?.clients.flatMap((c, k) => [...(header.initialLabeled[k] ?? []), ...(cycles[0]?.clients[k]?.queried ?? [])]) ?? [];
    expect(finalLabeled).toHaveLength(2 * 27 * 2);
    const testHashes = imageHashes(data.test, data.test.labels.keys());
    for (const h of imageHashes(data.train, finalLabeled)) expect(testHashes.has(h)).toBe(false);

    // gamma_bar: from the first query, frozen after; the query model choice and d_k are logged.
    expect(cycles[0]?.gammaBarCycle).toBe(0);
    expect(cycles[1]?.gammaBar).toBe(cycles[0]?.gammaBar);
    for (const c of cycles[0]?.clients ?? []) {
      expect(['global', 'local']).toContain(c.queryModel);
      expect(c.dK).toBeGreaterThanOrEqual(0);
      expect(c.localOnlyEpochs).toBeGreaterThan(0);
    }
    expect(cycles[1]?.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toMatch(/Run complete/);

    // Running the same command again resumes a finished run: nothing retrains, the log is unchanged.
    const before = readFileSync(join(dir, 'log.jsonl'), 'utf8');
    expect(await main(['run', ...args])).toBe(0);
    expect(readFileSync(join(dir, 'log.jsonl'), 'utf8')).toBe(before);

    // The report reads it back.
    expect(await main(['report', '--runs', dir, '--out', join(tmp, 'report')])).toBe(0);
    expect(readFileSync(join(tmp, 'report', 'plot.svg'), 'utf8')).toMatch(/<svg[\s\S]*fairfal/);
  });

  it('runs SCAFFOLD (clients train with the server control variate on 2 shared worker threads) to completion', async () => {
    const dir = join(tmp, 'scaffold');
    const dataset = '../shared/datasets/retinamnist.npz';
    const args = [
      '--dataset', dataset, '--strategy', 'random', '--fl', 'scaffold', '--model-init', 'continue', '--clients', '2', '--rounds', '2',
      '--local-epochs', '1', '--initial-fraction', '0.05', '--query-fraction', '0.05', '--target-fraction', '0.1',
      '--workers', '2', '--no-progress', '--out', dir,
    ];
    expect(await main(['run', ...args])).toBe(0);
    const { header, cycles } = readRunLog(join(dir, 'log.jsonl'));
    expect(header.config.fl).toBe('scaffold');
    expect(cycles).toHaveLength(2);
    expect(logViolations(header, cycles, loadSimData({ dataset, partitionSeed: 0 }).train.labels)).toEqual([]);
    for (const c of cycles) {
      expect(c.testAccuracy).toBeGreaterThan(0);
      expect(Number.isFinite(c.balancedAccuracy)).toBe(true);
    }
    // The server's control variate after the last round: finite and not all zero.
    const host = openCoordinator({ dataDir: join(dir, 'system', 'server'), logger: silentLogger, tickIntervalMs: 0 });
    try {
      const last = host.coordinator.store.recentRounds(1)[0];
      expect(last?.control_hash).toBeTruthy();
      const control = decodeModelBlob(host.coordinator.modelBlob(last?.control_hash as string));
      expect(control.every(Number.isFinite)).toBe(true);
      expect(control.some((v) => v !== 0)).toBe(true);
    } finally {
      host.close();
    }
  });
});
