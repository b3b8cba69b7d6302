// Update weighting one enrolled client cannot abuse (issue 18): bounded label counts, counts
// that cannot jump within a cycle, a norm bound relative to the model, capped shares and
// optional clipping, over the real HTTP API.
import { afterEach, describe, expect, it } from 'vitest';
import { fedAvg, l2Distance, l2Norm } from '../core/aggregation';
import { createHarness, shifted, updateFor, type Harness } from './testing/harness';

let h: Harness;
afterEach(async () => h?.close());

// These tests use the product defaults for weighting, not the harness's permissive ones.
const DEFAULTS = { maxUpdateNorm: undefined, maxRelativeUpdateNorm: 3, maxClientWeightShare: 0.5, maxSampleCountStepPerCycle: 1000 };
const message = async (r: Response) => ((await r.json()) as { error: { message: string } }).error.message;

describe('bounded update weighting', () => {
  it('shows the limits to clients and rejects 1e9 declared samples and a 1e6x update', async () => {
    h = await createHarness({ config: { ...DEFAULTS, minClientsPerRound: 2 } });
    const honest = await h.enrol('honest');
    const attacker = await h.enrol('attacker');
    const cfg = attacker.enrolment?.federation.config;
    expect(cfg).toMatchObject({ maxSampleCountPerClient: 100_000, maxClientWeightShare: 0.5, maxRelativeUpdateNorm: 3 });
    const t = await attacker.trainTask();
    const base = await attacker.model(t.baseModelHash);
    const huge = await attacker.upload(t.roundId, updateFor(t, shifted(base, 0.01), 1e9));
    expect(huge.status).toBe(422);
    expect(await message(huge)).toMatch(/declares 1000000000 labeled samples; this federation allows at most 100000/);
    const far = await attacker.upload(t.roundId, updateFor(t, base.map((v) => v * 1e6), 35));
    expect(far.status).toBe(422);
    expect(await message(far)).toMatch(/exceeds the bound/);
    // The bound follows the model: 3 x ||w_global||, far below the old fixed 1e4.
    const justInside = base.map((v, i) => v + (i === 0 ? 2.9 * l2Norm(base) : 0));
    expect((await attacker.upload(t.roundId, updateFor(t, justInside, 35))).status).toBe(201);
    const th = await honest.trainTask();
    expect((await honest.upload(th.roundId, updateFor(th, shifted(base, 0.01), 35))).status).toBe(201);
  });

  it('a count may not fall, nor jump past the step, within a cycle', async () => {
    h = await createHarness({ config: { ...DEFAULTS, minClientsPerRound: 1, roundsPerCycle: 3, maxSampleCountStepPerCycle: 5 } });
    const c = await h.enrol();
    const up = async (n: number) => {
      const t = await c.trainTask();
      const base = await c.model(t.baseModelHash);
      return c.upload(t.roundId, updateFor(t, shifted(base, 0.001), n));
    };
    expect((await up(35)).status).toBe(201);
    const fell = await up(20);
    expect(fell.status).toBe(422);
    expect(await message(fell)).toMatch(/20 labeled samples after 35 earlier in this cycle/);
    expect((await up(60)).status).toBe(422);
    expect((await up(40)).status).toBe(201);
  });

  it('with clipping and a 0.25 share cap, one attacker moves the aggregate by at most 0.25 x the bound', async () => {
    h = await createHarness({ config: { ...DEFAULTS, clipUpdates: true, maxClientWeightShare: 0.25, minClientsPerRound: 5 } });
    const clients = await Promise.all(Array.from({ length: 5 }, (_, i) => h.enrol(`c${i}`)));
    const tasks = await Promise.all(clients.map((c) => c.trainTask()));
    const base = await clients[0]!.model(tasks[0]!.baseModelHash);
    const honest = [0.01, 0.02, 0.015, 0.012].map((s) => shifted(base, s));
    const attack = base.map((v, i) => v + 1e6 * Math.cos(i));
    for (let i = 0; i < 4; i++) expect((await clients[i]!.upload(tasks[i]!.roundId, updateFor(tasks[i]!, honest[i]!, 35))).status).toBe(201);
    expect((await clients[4]!.upload(tasks[4]!.roundId, updateFor(tasks[4]!, attack, 100_000))).status).toBe(201);
    const next = await clients[0]!.task();
    expect(next.kind).toBe('train');
    const agg = await clients[0]!.model(next.kind === 'train' ? next.baseModelHash : '');
    const honestAgg = fedAvg(honest.map((w) => ({ weights: w, sampleCount: 35 })));
    const bound = 3 * l2Norm(base);
    const d = l2Distance(agg, honestAgg);
    expect(d).toBeLessThanOrEqual(0.25 * (bound + l2Distance(honestAgg, base)) + 1e-3);
    // Without the cap and the clip, the same claim would have put the model at the attacker's weights.
    const plain = fedAvg([...honest, attack].map((w, k) => ({ weights: w, sampleCount: k === 4 ? 100_000 : 35 })));
    expect(l2Distance(plain, honestAgg)).toBeGreaterThan(1000 * d);
  });
});
