// Stragglers and deadlines, driven by an injected clock.
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, shifted, updateFor, type Harness } from './testing/harness';

let h: Harness | undefined;
afterEach(async () => h?.close());

const MIN = 60_000;

describe('round deadlines', () => {
  it('aggregates what arrived when the deadline passes; the straggler is dropped and its late update rejected', async () => {
    h = await createHarness({ config: { minClientsPerRound: 3, roundDeadlineSeconds: 60 } });
    const [a, b, straggler] = [await h.enrol(), await h.enrol(), await h.enrol()];
    const t = await a!.trainTask();
    const late = updateFor(t, shifted(h.initial, 9), 5); // trained but not sent in time
    await a!.upload(t.roundId, updateFor(t, shifted(h.initial, 1), 1));
    await b!.upload(t.roundId, updateFor(t, shifted(h.initial, 3), 3));
    h.clock.advance(59_000);
    h.server.tick();
    expect((await h.status()).currentRound?.roundId).toBe(t.roundId); // not yet
    h.clock.advance(2_000);
    h.server.tick();
    const s = await h.status();
    expect(s.currentRound?.roundIndex).toBe(1);
    const closed = s.recentRounds.find((r) => r.roundId === t.roundId);
    expect(closed?.status).toBe('closed');
    expect(closed?.reported.sort()).toEqual([a!.id, b!.id].sort());
    expect(s.versions[0]?.contributors).not.toContain(straggler!.id);
    // (1*1 + 3*3) / 4 = 2.5 shift
    const next = await straggler!.trainTask();
    const g = await straggler!.model(next.baseModelHash);
    expect(g[0]).toBeCloseTo(h.initial[0]! + 2.5, 5);

    const res = await straggler!.upload(t.roundId, late);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('stale_round');
    expect((await h.status()).currentRound?.reported).toEqual([]);
  });

  it('a deadline that passed is enforced on the next request even without the timer', async () => {
    h = await createHarness({ config: { minClientsPerRound: 2, roundDeadlineSeconds: 60 } });
    const [a, b] = [await h.enrol(), await h.enrol()];
    const t = await a!.trainTask();
    await a!.upload(t.roundId, updateFor(t, shifted(h.initial, 1), 1));
    h.clock.advance(2 * MIN);
    // b's upload arrives after the deadline: the round closes first, then b is told it is late.
    const res = await b!.upload(t.roundId, updateFor(t, shifted(h.initial, 1), 1));
    expect(res.status).toBe(409);
  });

  it('a round with no update at all is extended, not aggregated', async () => {
    h = await createHarness({ config: { minClientsPerRound: 2, roundDeadlineSeconds: 60 } });
    const a = await h.enrol();
    const t = await a.trainTask();
    h.clock.advance(2 * MIN);
    h.server.tick();
    const s = await h.status();
    expect(s.currentRound?.roundId).toBe(t.roundId);
    expect(Date.parse(s.currentRound!.deadline)).toBe(h.clock.t + MIN);
    expect(s.versions.filter((v) => v.kind === 'global')).toHaveLength(0);
  });
});

describe('query and labeling deadlines', () => {
  async function toQueryPhase(h: Harness) {
    const clients = [await h.enrol(), await h.enrol(), await h.enrol()];
    for (let r = 0; r < 2; r++) {
      for (const c of clients) {
        const t = await c.trainTask();
        await c.upload(t.roundId, updateFor(t, await c.model(t.baseModelHash), 2));
      }
    }
    return clients;
  }

  it('gamma_bar averages whoever reported by the query deadline and then stays frozen', async () => {
    h = await createHarness({ config: { cycles: 3, roundsPerCycle: 2, minClientsPerRound: 3, queryDeadlineSeconds: 60 } });
    const [a, b, c] = await toQueryPhase(h);
    await a!.json('POST', '/v1/cycles/0/gamma', { gamma: 0.2 });
    await b!.json('POST', '/v1/cycles/0/gamma', { gamma: 0.6 });
    expect((await h.status()).phase).toBe('query');
    h.clock.advance(2 * MIN);
    h.server.tick();
    let s = await h.status();
    expect(s.phase).toBe('labeling');
    expect(s.gammaBar).toBeCloseTo(0.4, 12);
    expect((await c!.json('POST', '/v1/cycles/0/gamma', { gamma: 1 })).status).toBe(409);

    // Labeling: one ready client is not enough (min 3); the labeling deadline starts cycle 1.
    await a!.json('POST', '/v1/cycles/0/ready', {});
    h.server.tick();
    expect((await h.status()).phase).toBe('labeling');
    h.clock.advance(11 * MIN);
    h.server.tick();
    s = await h.status();
    expect(s.phase).toBe('training');
    expect(s.cycle).toBe(1);

    // Cycle 1 ends in labeling directly (gamma_bar frozen: no second query phase).
    await toQueryPhaseExisting([a!, b!, c!]);
    s = await h.status();
    expect(s.phase).toBe('labeling');
    expect(s.gammaBar).toBeCloseTo(0.4, 12);
    const task = await c!.task();
    expect(task.kind === 'query-and-label' && task.gammaBar).toBeCloseTo(0.4, 12);
    // A ready report for the wrong cycle is refused.
    expect((await b!.json('POST', '/v1/cycles/0/ready', {})).status).toBe(409);
    // ... while a repeated ready for a cycle already reported is idempotent.
    expect((await a!.json('POST', '/v1/cycles/0/ready', {})).status).toBe(200);
  });

  async function toQueryPhaseExisting(clients: Awaited<ReturnType<Harness['enrol']>>[]) {
    for (let r = 0; r < 2; r++) {
      for (const c of clients) {
        const t = await c.trainTask();
        await c.upload(t.roundId, updateFor(t, await c.model(t.baseModelHash), 2));
      }
    }
  }
});
