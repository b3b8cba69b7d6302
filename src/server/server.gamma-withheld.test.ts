// A clinic's allow-list may withhold its gamma_k (issue 19): the report still closes the query
// phase, gamma_bar averages the values that were shared, and when nobody shares one the
// federation publishes "none" (each clinic then uses its own) instead of waiting or asking again.
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, shifted, updateFor, type Harness, type TestClient } from './testing/harness';

let h: Harness | undefined;
afterEach(async () => h?.close());

async function toQueryPhase(clients: TestClient[]) {
  const tasks = await Promise.all(clients.map((c) => c.trainTask()));
  const base = await clients[0]!.model(tasks[0]!.baseModelHash);
  for (const [i, c] of clients.entries()) expect((await c.upload(tasks[i]!.roundId, updateFor(tasks[i]!, shifted(base, i + 1), 10))).status).toBe(201);
  expect((await clients[0]!.task()).kind).toBe('submit-gamma');
}

describe('withheld gamma_k', () => {
  it('counts a withheld report, averages the shared ones, and refuses to change a report', async () => {
    h = await createHarness({ config: { cycles: 2, roundsPerCycle: 1, minClientsPerRound: 3 } });
    const clients = [await h.enrol('A'), await h.enrol('B'), await h.enrol('C')];
    await toQueryPhase(clients);
    expect((await clients[0]!.json('POST', '/v1/cycles/0/gamma', { gamma: 0.2 })).status).toBe(200);
    expect((await clients[1]!.json('POST', '/v1/cycles/0/gamma', { gamma: null })).status).toBe(200);
    // The same withheld report again is fine (the outbox retries); a value after it is a conflict.
    expect((await clients[1]!.json('POST', '/v1/cycles/0/gamma', { gamma: null })).status).toBe(200);
    expect((await clients[1]!.json('POST', '/v1/cycles/0/gamma', { gamma: 0.9 })).status).toBe(409);
    expect((await clients[2]!.json('POST', '/v1/cycles/0/gamma', { gamma: 0.6 })).status).toBe(200);
    const task = await clients[1]!.task();
    expect(task.kind).toBe('query-and-label');
    if (task.kind === 'query-and-label') expect(task.gammaBar).toBeCloseTo(0.4, 12);
    expect((await h.status()).gammaReported).toHaveLength(3);
  });

  it('when every clinic withholds, publishes none once and never collects again', async () => {
    h = await createHarness({ config: { cycles: 2, roundsPerCycle: 1, minClientsPerRound: 2 } });
    const clients = [await h.enrol('A'), await h.enrol('B')];
    await toQueryPhase(clients);
    for (const c of clients) expect((await c.json('POST', '/v1/cycles/0/gamma', { gamma: null })).status).toBe(200);
    const task = await clients[0]!.task();
    expect(task).toMatchObject({ kind: 'query-and-label', gammaBar: null });
    for (const c of clients) expect((await c.json('POST', '/v1/cycles/0/ready', {})).status).toBe(200);
    // Cycle 1 trains and then finishes: no second query phase.
    const tasks = await Promise.all(clients.map((c) => c.trainTask()));
    expect(tasks[0]!.cycle).toBe(1);
    const base = await clients[0]!.model(tasks[0]!.baseModelHash);
    for (const [i, c] of clients.entries()) expect((await c.upload(tasks[i]!.roundId, updateFor(tasks[i]!, shifted(base, 0.1), 10))).status).toBe(201);
    expect((await clients[0]!.task()).kind).toBe('finished');
    expect((await h.status()).gammaBar).toBeNull();
  });
});
