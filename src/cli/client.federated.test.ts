// A real federated run on loopback: the federation server in this process and three headless
// client processes (`src/cli/client.ts`) on disjoint partitions of RetinaMNIST's train split.
// Two cycles: train -> gamma -> FairFAL query -> oracle labels -> train -> finished.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFederation, engineInitialWeights, silentLogger, startServer, type RunningServer } from '../server';
import { FederationConfigSchema, StatusSchema } from '../shared/wire';
import { readFileSync } from 'node:fs';
import { sha256Of } from '../engine/backbone/files';
import { federationEpsilon } from '../core/privacy';

const RETINA = path.resolve('../shared/datasets/retinamnist.npz');
const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
});

interface ClientRun {
  code: number | null;
  lines: Record<string, unknown>[];
  stderr: string;
}

function runClient(args: string[]): Promise<ClientRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/client.ts', ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => {
      const lines = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code, lines, stderr });
    });
  });
}

type ConfigInput = Parameters<typeof FederationConfigSchema.parse>[0];

/** Server in this process with a fresh federation; returns it, the admin headers and enrolment codes. */
async function startFederationServer(overrides: Partial<Record<string, unknown>>, clients: number) {
  const serverDir = mkdtempSync(path.join(tmpdir(), 'fairfal-fed-server-'));
  cleanup.push(() => rmSync(serverDir, { recursive: true, force: true }));
  const config = FederationConfigSchema.parse({
    name: 'RetinaMNIST loopback',
    classNames: ['grade 0', 'grade 1', 'grade 2', 'grade 3', 'grade 4'],
    model: { name: 'cnn4conv', inputShape: [28, 28, 3] },
    cycles: 2,
    roundsPerCycle: 2,
    localEpochs: 1,
    labelingBudgetPerCycle: 30,
    minClientsPerRound: clients,
    roundDeadlineSeconds: 600,
    queryDeadlineSeconds: 600,
    labelingDeadlineSeconds: 600,
    ...overrides,
  } as ConfigInput);
  const created = createFederation({ dataDir: serverDir, config, initialWeights: engineInitialWeights(config, 7) });
  const server: RunningServer = await startServer({ dataDir: serverDir, logger: silentLogger, pollIntervalMs: 200 });
  cleanup.push(() => server.stop());
  const admin = { authorization: `Bearer ${created.adminToken}`, 'content-type': 'application/json' };
  const codes = ((await (await fetch(`${server.url}/v1/admin/enrolment-codes`, { method: 'POST', headers: admin, body: JSON.stringify({ count: clients }) })).json()) as { codes: string[] }).codes;
  return { server, admin, codes };
}

/** One headless client per code, each on its own shard of RetinaMNIST's train split, labels from the oracle. */
function runClients(server: RunningServer, codes: string[], extra: string[] = [], perClient: (k: number) => string[] = () => []): Promise<ClientRun[]> {
  return Promise.all(
    codes.map((code, k) => {
      const dataDir = mkdtempSync(path.join(tmpdir(), `fairfal-fed-client${k}-`));
      cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
      return runClient([
        '--data-dir', dataDir, '--server', server.url, '--code', code, '--display-name', `clinic ${k}`,
        '--import', RETINA, '--npz-split', 'train', '--npz-shard', `${k}/${codes.length}`,
        '--oracle', '--initial-labels', '0.05', '--seed', String(k + 1),
        '--local-only-epochs', '3', '--long-poll-ms', '2000', ...extra, ...perClient(k),
      ]);
    }),
  );
}

describe('federated run on loopback', () => {
  it('server + 3 headless clients on disjoint RetinaMNIST partitions complete 2 cycles, each queue with reasons', async () => {
    const { server, admin, codes } = await startFederationServer({}, 3);
    // Only clinic 0 shares its held-out accuracy (issue 16/19's allow-list); the others withhold it.
    const runs = await runClients(server, codes, [], (k) => (k === 0 ? ['--share-metrics'] : []));

    const status = StatusSchema.parse(await (await fetch(`${server.url}/status`, { headers: admin })).json());
    for (const [k, r] of runs.entries()) {
      expect(r.code, `client ${k} exited ${r.code}\n${r.stderr.slice(-3000)}`).toBe(0);
      const imported = r.lines.find((l) => l.event === 'import');
      expect(imported).toMatchObject({ state: 'finished', imported: 360 });
      const queues = r.lines.filter((l) => l.event === 'queue') as { cycle: number; strategy: string; items: { sampleId: string; reason: Record<string, unknown> }[] }[];
      expect(queues).toHaveLength(1);
      const q = queues[0]!;
      expect(q.cycle).toBe(0);
      expect(q.strategy).toBe('fairfal');
      expect(q.items).toHaveLength(10); // floor(30 / 3)
      for (const item of q.items) {
        expect(item.sampleId).toMatch(/^[0-9a-f]{64}$/);
        expect(item.reason).toMatchObject({ strategy: 'fairfal', pseudoLabel: expect.any(Number), prototypeProb: expect.any(Number), normalizedEntropy: expect.any(Number) });
        expect(['global', 'local']).toContain(item.reason.queryModel);
      }
      const done = r.lines.find((l) => l.event === 'done');
      expect(done).toMatchObject({ step: 'finished', outboxPending: 0 });
    }
    // Disjoint partitions: no client queried another's sample.
    const all = runs.flatMap((r) => (r.lines.find((l) => l.event === 'queue') as { items: { sampleId: string }[] }).items.map((i) => i.sampleId));
    expect(new Set(all).size).toBe(all.length);
    expect(status.phase).toBe('finished');
    expect(status.gammaBar).not.toBeNull();
    expect(status.recentRounds.filter((r) => r.status === 'closed').length).toBeGreaterThanOrEqual(4);
    // The round clinic 0 trained before its query got its held-out accuracy, and from it alone.
    const reported = status.recentRounds.filter((r) => r.metrics.reporters > 0);
    expect(reported.length).toBeGreaterThanOrEqual(1);
    for (const r of reported) expect(r.metrics.reporters).toBe(1);
    const clinic0 = runs[0]!.lines.find((l) => l.event === 'done') as { metrics: { cycle: number; source: string; accuracy: number }[] };
    expect(clinic0.metrics[0]?.source).toBe('held-out');
    const sent = reported[0]!;
    expect(sent.metrics.meanLocalTestAccuracy).toBeCloseTo(clinic0.metrics.find((m) => m.cycle === sent.cycle)!.accuracy, 6);
  });

  // SCAFFOLD: clients train with the server's control variate and upload weights plus their
  // control delta (2 vectors); the server validates and aggregates both every round.
  it('a SCAFFOLD federation with 2 headless clients completes a cycle', async () => {
    const { server, admin, codes } = await startFederationServer({ cycles: 1, aggregation: { name: 'scaffold' }, labelingBudgetPerCycle: 20 }, 2);
    const runs = await runClients(server, codes);
    const status = StatusSchema.parse(await (await fetch(`${server.url}/status`, { headers: admin })).json());
    for (const [k, r] of runs.entries()) {
      expect(r.code, `client ${k} exited ${r.code}\n${r.stderr.slice(-3000)}`).toBe(0);
      expect(r.lines.find((l) => l.event === 'done')).toMatchObject({ step: 'finished', outboxPending: 0 });
    }
    expect(status.phase).toBe('finished');
    expect(status.recentRounds.filter((r) => r.status === 'closed').length).toBeGreaterThanOrEqual(2);
  });

  // Issue 16: the federation names a pretrained backbone by sha256; each site installs the file
  // itself (--backbone), computes its features locally and the federation averages a linear head.
  it('a federation on a pretrained backbone: 2 clients install it, train and federate a linear head', async () => {
    const dir = path.resolve('bench/learning/transfer/backbone');
    const sha256 = sha256Of([readFileSync(path.join(dir, 'model.json')), readFileSync(path.join(dir, 'weights.bin'))]);
    const backbone = { sha256, format: 'tfjs-layers', featureDim: 64, inputShape: [28, 28, 3], description: 'CNN4Conv pretrained on ODIR' };
    const { server, admin, codes } = await startFederationServer({ cycles: 2, model: { name: 'linear-head', inputShape: [1, 1, 64] }, backbone, labelingBudgetPerCycle: 20 }, 2);
    const runs = await runClients(server, codes, ['--backbone', path.join(dir, 'model.json')]);
    const status = StatusSchema.parse(await (await fetch(`${server.url}/status`, { headers: admin })).json());
    for (const [k, r] of runs.entries()) {
      expect(r.code, `client ${k} exited ${r.code}\n${r.stderr.slice(-3000)}`).toBe(0);
      expect(r.lines.find((l) => l.event === 'backbone')).toMatchObject({ sha256, featureDim: 64, installed: true });
      const q = r.lines.find((l) => l.event === 'queue') as { strategy: string; items: unknown[] };
      expect(q).toMatchObject({ strategy: 'fairfal' });
      expect(q.items).toHaveLength(10);
      expect(r.lines.find((l) => l.event === 'done')).toMatchObject({ step: 'finished', outboxPending: 0 });
    }
    expect(status.phase).toBe('finished');
    expect(status.recentRounds.filter((r) => r.status === 'closed').length).toBeGreaterThanOrEqual(4);
  });

  // Issue 19: client-level differential privacy with central noise. The server reports the
  // accountant's epsilon for the rounds it published, and stops before the budget is exceeded.
  it('a federation with differential privacy reports its epsilon and stops when the budget is spent', async () => {
    const dp = { noiseMultiplier: 1.5, clipNorm: 0.02, weightCap: 50, delta: 1e-5 };
    const full = await startFederationServer({ cycles: 1, roundsPerCycle: 3, labelingBudgetPerCycle: 20, differentialPrivacy: dp }, 2);
    const runs = await runClients(full.server, full.codes);
    for (const [k, r] of runs.entries()) expect(r.code, `client ${k} exited ${r.code}\n${r.stderr.slice(-3000)}`).toBe(0);
    for (const r of runs) expect(r.lines.find((l) => l.event === 'done')).toMatchObject({ step: 'finished', outboxPending: 0 });
    const status = StatusSchema.parse(await (await fetch(`${full.server.url}/status`, { headers: full.admin })).json());
    expect(status.phase).toBe('finished');
    expect(status.privacy).toMatchObject({ noiseMultiplier: 1.5, rounds: 3, budgetSpent: false, targetEpsilon: null });
    expect(status.privacy!.epsilon).toBeCloseTo(federationEpsilon(1.5, 3, 1e-5), 10);
    expect(status.privacy!.cycles).toEqual([{ cycle: 0, rounds: 3, epsilon: status.privacy!.epsilon, cumulativeEpsilon: status.privacy!.epsilon }]);

    // A budget that one round fits and two do not: training stops after the first round.
    const budget = (federationEpsilon(1.5, 1, 1e-5) + federationEpsilon(1.5, 2, 1e-5)) / 2;
    const capped = await startFederationServer({ cycles: 2, roundsPerCycle: 3, labelingBudgetPerCycle: 20, differentialPrivacy: { ...dp, targetEpsilon: budget } }, 2);
    const cappedRuns = await runClients(capped.server, capped.codes);
    for (const r of cappedRuns) expect(r.lines.find((l) => l.event === 'done')).toMatchObject({ step: 'finished' });
    const stopped = StatusSchema.parse(await (await fetch(`${capped.server.url}/status`, { headers: capped.admin })).json());
    expect(stopped.phase).toBe('finished');
    expect(stopped.privacy).toMatchObject({ rounds: 1, budgetSpent: true });
    expect(stopped.privacy!.epsilon).toBeLessThanOrEqual(budget);
    expect(stopped.privacy!.cycles).toEqual([{ cycle: 0, rounds: 1, epsilon: stopped.privacy!.epsilon, cumulativeEpsilon: stopped.privacy!.epsilon }]);
    // Each clinic is told why training ended and what guarantee the models carry.
    for (const r of cappedRuns) expect((r.lines.find((l) => l.event === 'done') as { message: string }).message).toMatch(/stopped training early: its privacy budget is spent\. Its shared models carry differential privacy of ε = [\d.]+ \(δ = 0\.00001\) over 1 rounds/);
  });

  // Issue 19: secure aggregation with distributed DP noise. Three real headless clients exchange
  // keys and sealed shares through the server, upload masked fixed-point contributions (weight,
  // clipping and their share of the noise applied by each clinic) and reveal the shares that
  // unmask the sum: two cycles complete, and the server kept no plaintext update.
  it('secure aggregation with differential privacy: 3 headless clients complete 2 cycles', async () => {
    const dp = { noiseMultiplier: 0.5, clipNorm: 0.05, weightCap: 50, delta: 1e-5 };
    const fed = await startFederationServer({ roundsPerCycle: 2, differentialPrivacy: dp, secureAggregation: {} }, 3);
    const runs = await runClients(fed.server, fed.codes);
    for (const [k, r] of runs.entries()) expect(r.code, `client ${k} exited ${r.code}\n${r.stderr.slice(-3000)}`).toBe(0);
    for (const r of runs) expect(r.lines.find((l) => l.event === 'done')).toMatchObject({ step: 'finished', outboxPending: 0 });
    const status = StatusSchema.parse(await (await fetch(`${fed.server.url}/status`, { headers: fed.admin })).json());
    expect(status.phase).toBe('finished');
    expect(status.recentRounds.filter((r) => r.status === 'closed').length).toBe(4);
    expect(status.privacy).toMatchObject({ rounds: 4, budgetSpent: false });
    // Per cycle and cumulatively: two cycles of two rounds.
    expect(status.privacy!.cycles.map((c) => [c.cycle, c.rounds])).toEqual([[0, 2], [1, 2]]);
    expect(status.privacy!.cycles[0]!.epsilon).toBeCloseTo(federationEpsilon(0.5, 2, 1e-5), 10);
    expect(status.privacy!.cycles[1]!.cumulativeEpsilon).toBeCloseTo(federationEpsilon(0.5, 4, 1e-5), 10);
    expect(status.privacy!.cycles[1]!.cumulativeEpsilon).toBe(status.privacy!.epsilon);
    for (const v of status.versions.filter((x) => x.kind === 'global')) expect(v.contributors).toHaveLength(3);
  });
});
