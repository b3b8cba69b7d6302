// A full active-learning cycle with 3 clients over real HTTP: rounds, weighted aggregation,
// query phase (gamma_bar once, frozen), labeling, the next cycle, and the end.
import { afterEach, describe, expect, it } from 'vitest';
import { fedAvg, scaffoldAggregate, coordinateMedian } from '../core/aggregation';
import { createHarness, shifted, updateFor, type Harness, type TestClient } from './testing/harness';

let h: Harness | undefined;
afterEach(async () => h?.close());

async function trainRound(clients: TestClient[], counts: number[], shifts: number[]) {
  const tasks = await Promise.all(clients.map((c) => c.trainTask()));
  const base = await clients[0]!.model(tasks[0]!.baseModelHash);
  const weights = shifts.map((s) => shifted(base, s));
  for (let i = 0; i < clients.length; i++) {
    const res = await clients[i]!.upload(tasks[i]!.roundId, updateFor(tasks[i]!, weights[i]!, counts[i]!));
    expect(res.status).toBe(201);
  }
  return { task: tasks[0]!, base, weights };
}

describe('full cycle with 3 clients', () => {
  it('runs rounds, publishes gamma_bar once, labels, starts the next cycle, finishes', async () => {
    h = await createHarness({ config: { cycles: 2, roundsPerCycle: 2, minClientsPerRound: 3, labelingBudgetPerCycle: 31 } });
    const clients = [await h.enrol('A'), await h.enrol('B'), await h.enrol('C')];
    const counts = [10, 20, 70];

    // Cycle 0, round 0: FedAvg weighted by labeled counts.
    const r0 = await trainRound(clients, counts, [1, 2, 3]);
    expect(r0.task.roundIndex).toBe(0);
    expect(r0.task.baseModelHash).toBe(h.initialHash);
    const expected0 = fedAvg(r0.weights.map((w, i) => ({ weights: w, sampleCount: counts[i]! })));
    const t1 = await clients[0]!.trainTask();
    expect(t1.roundIndex).toBe(1);
    expect(t1.roundId).toBe(r0.task.roundId + 1);
    const global0 = await clients[0]!.model(t1.baseModelHash);
    expect(Array.from(global0)).toEqual(Array.from(expected0));
    // The protocol's rule (official adjust_learning_rate): decay once round > int(0.75 * 2) = 1,
    // so neither round of a 2-round cycle decays (tests/one-protocol.test.ts checks R = 20).
    expect(t1.learningRate).toBeCloseTo(0.01, 10);

    // A client that uploaded waits.
    await trainRound(clients.slice(0, 1), [10], [0.5]);
    expect((await clients[0]!.task()).kind).toBe('wait');
    await Promise.all(clients.slice(1).map(async (c, i) => {
      const t = await c.trainTask();
      const res = await c.upload(t.roundId, updateFor(t, shifted(global0, 0.5), counts[i + 1]!));
      expect(res.status).toBe(201);
    }));

    // Query phase of the first cycle: gamma collected from everyone.
    const g = await clients[0]!.task();
    expect(g.kind).toBe('submit-gamma');
    if (g.kind !== 'submit-gamma') return;
    const finalCycle0 = g.modelHash;
    const gammas = [0.2, 0.4, 0.9];
    for (let i = 0; i < 3; i++) {
      const res = await clients[i]!.json('POST', '/v1/cycles/0/gamma', { gamma: gammas[i] });
      expect(res.status).toBe(200);
    }
    const label = await clients[1]!.task();
    expect(label.kind).toBe('query-and-label');
    if (label.kind !== 'query-and-label') return;
    expect(label.gammaBar).toBeCloseTo(0.5, 12);
    expect(label.budget).toBe(10); // floor(31 / 3)
    expect(label.modelHash).toBe(finalCycle0);
    expect(label.strategy.name).toBe('fairfal');

    // A late gamma (outside the query phase) is refused and gamma_bar stays frozen.
    expect((await clients[0]!.json('POST', '/v1/cycles/1/gamma', { gamma: 0.99 })).status).toBe(409);

    // Labeling: all three ready -> cycle 1 starts from the initial weights (re-init each cycle).
    for (const c of clients) expect((await c.json('POST', '/v1/cycles/0/ready', {})).status).toBe(200);
    const c1 = await clients[2]!.trainTask();
    expect(c1.cycle).toBe(1);
    expect(c1.roundIndex).toBe(0);
    expect(c1.baseModelHash).toBe(h.initialHash);
    expect(c1.learningRate).toBeCloseTo(0.01, 10);

    // Cycle 1 (the last): 2 rounds, then finished. No second query phase.
    await trainRound(clients, counts, [0.1, 0.2, 0.3]);
    await trainRound(clients, counts, [0.1, 0.2, 0.3]);
    const done = await clients[0]!.task();
    expect(done.kind).toBe('finished');

    const status = await h.status();
    expect(status.phase).toBe('finished');
    expect(status.gammaBar).toBeCloseTo(0.5, 12);
    expect(status.recentRounds).toHaveLength(4);
    expect(status.recentRounds.every((r) => r.status === 'closed' && r.reported.length === 3)).toBe(true);
    const globals = status.versions.filter((v) => v.kind === 'global');
    expect(globals).toHaveLength(4);
    expect(globals[0]?.contributors.sort()).toEqual(clients.map((c) => c.id).sort());
    // Label counts never appear in the status document.
    expect(JSON.stringify(status)).not.toMatch(/sample|count/i);
  });

  it('collects shared per-round metrics (mean local test accuracy) only for closed rounds', async () => {
    h = await createHarness({ config: { minClientsPerRound: 2 } });
    const clients = [await h.enrol(), await h.enrol()];
    const { task } = await trainRound(clients, [5, 5], [0.1, 0.2]);
    expect((await clients[0]!.json('POST', `/v1/rounds/${task.roundId + 1}/metrics`, { localTestAccuracy: 0.5 })).status).toBe(409);
    await clients[0]!.json('POST', `/v1/rounds/${task.roundId}/metrics`, { localTestAccuracy: 0.6 });
    await clients[1]!.json('POST', `/v1/rounds/${task.roundId}/metrics`, { localTestAccuracy: 0.8 });
    const s = await h.status();
    const round = s.recentRounds.find((r) => r.roundId === task.roundId);
    expect(round?.metrics.reporters).toBe(2);
    expect(round?.metrics.meanLocalTestAccuracy).toBeCloseTo(0.7, 12);
    // The outbox may send the same report again: accepted; another value is a conflict.
    expect((await clients[0]!.json('POST', `/v1/rounds/${task.roundId}/metrics`, { localTestAccuracy: 0.6 })).status).toBe(200);
    const changed = await clients[0]!.json('POST', `/v1/rounds/${task.roundId}/metrics`, { localTestAccuracy: 0.99 });
    expect(changed.status).toBe(409);
    // A client that took no part in the round cannot post for it.
    const outsider = await h.enrol();
    const denied = await outsider.json('POST', `/v1/rounds/${task.roundId}/metrics`, { localTestAccuracy: 1 });
    expect(denied.status).toBe(403);
    const after = (await h.status()).recentRounds.find((r) => r.roundId === task.roundId);
    expect(after?.metrics.meanLocalTestAccuracy).toBeCloseTo(0.7, 12);
    expect(after?.metrics.reporters).toBe(2);
  });

  it('long-poll returns as soon as the round closes', async () => {
    h = await createHarness({ config: { minClientsPerRound: 2 } });
    const [a, b] = [await h.enrol(), await h.enrol()];
    const ta = await a!.trainTask();
    await a!.upload(ta.roundId, updateFor(ta, shifted(h.initial, 0.1), 1));
    const polled = a!.task(30_000);
    const tb = await b!.trainTask();
    await b!.upload(tb.roundId, updateFor(tb, shifted(h.initial, 0.1), 1));
    const next = await polled;
    expect(next.kind).toBe('train');
    if (next.kind === 'train') expect(next.roundIndex).toBe(1);
  });
});

describe('other aggregation strategies end to end', () => {
  it('SCAFFOLD: clients get the control variate and upload a control delta', async () => {
    h = await createHarness({ config: { minClientsPerRound: 2, aggregation: { name: 'scaffold', globalLearningRate: 1 } } });
    const [a, b] = [await h.enrol(), await h.enrol()];
    const ta = await a!.trainTask();
    expect(ta.controlHash).toBeDefined();
    const c0 = await a!.model(ta.controlHash!);
    expect(c0.every((v) => v === 0)).toBe(true);
    // One vector only is refused for SCAFFOLD.
    expect((await a!.upload(ta.roundId, updateFor(ta, h.initial, 3))).status).toBe(422);
    const wa = shifted(h.initial, 1);
    const wb = shifted(h.initial, 3);
    const da = new Float32Array(h.initial.length).fill(0.5);
    const db = new Float32Array(h.initial.length).fill(1.5);
    expect((await a!.upload(ta.roundId, updateFor(ta, wa, 3, da))).status).toBe(201);
    const tb = await b!.trainTask();
    expect((await b!.upload(tb.roundId, updateFor(tb, wb, 9, db))).status).toBe(201);
    const next = await a!.trainTask();
    const expected = scaffoldAggregate(h.initial, c0, [{ weights: wa, controlDelta: da }, { weights: wb, controlDelta: db }], 2);
    expect(Array.from(await a!.model(next.baseModelHash))).toEqual(Array.from(expected.weights));
    expect(Array.from(await a!.model(next.controlHash!))).toEqual(Array.from(expected.control));
  });

  it('median: one outlier client does not move the model', async () => {
    h = await createHarness({ config: { minClientsPerRound: 3, aggregation: { name: 'median' } } });
    const clients = [await h.enrol(), await h.enrol(), await h.enrol()];
    const { weights } = await trainRound(clients, [1, 1, 1000], [0.1, 0.2, 50]);
    const next = await clients[0]!.trainTask();
    const got = await clients[0]!.model(next.baseModelHash);
    expect(Array.from(got)).toEqual(Array.from(coordinateMedian(weights)));
    expect(got[0]).toBeCloseTo(h.initial[0]! + 0.2, 5);
  });
});
