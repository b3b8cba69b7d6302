// Secure aggregation's cost per round (issue 19) at 10 and 100 simulated clinics, beside the
// plaintext round of the same federation: each clinic's own computation (keys, sealed shares,
// fixed-point encoding and masks, opening shares and revealing), bytes each clinic sends, and the
// server's time (handling every POST of the round, plus removing the masks of the sum). One more
// row per size drops a tenth of the clinics after they shared their keys (the server then also
// rebuilds their pairwise masks). CNN4Conv's size (28x28x3, 7 classes: 114,055 values).
// Run: node --import tsx bench/privacy/secagg-cost.bench.ts [--clients 10,100] [--rounds 3]
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHarness, type Harness, updateFor } from '../../src/server/testing/harness';
import { SecureTestClient } from '../../src/server/testing/secure-client';
import { encodeUpdate, ModelHashSchema, RoundIdSchema, type ClientTask, type TrainTask } from '../../src/shared/wire';

const P = 114_055;
const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] as string) : dflt;
};
const SIZES = opt('clients', '10,100').split(',').map(Number);
const ROUNDS = Number(opt('rounds', '3'));

type Mode = 'plain' | 'secure' | 'secure, 10% drop';

interface RoundCost {
  clientCpuMs: number;
  bytesUp: number;
  serverMs: number;
  unmaskMs: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

function updateOf(k: number, base: Float32Array): { weights: Float32Array; labelCount: number } {
  return { weights: base.map((v, i) => v + 0.001 * Math.sin(i * (k + 1))), labelCount: 20 + k };
}

async function measure(n: number, mode: Mode): Promise<RoundCost[]> {
  let serverMs = 0;
  let unmaskMs = 0;
  const h: Harness = await createHarness({
    paramCount: P,
    config: { cycles: 1, roundsPerCycle: ROUNDS, minClientsPerRound: n, ...(mode === 'plain' ? {} : { secureAggregation: {} }) },
    logger: (_level, msg, f) => {
      if (msg === 'request' && f?.method === 'POST') serverMs += Number(f.ms);
      if (msg === 'secure aggregation: sum unmasked') unmaskMs += Number(f?.unmaskMs);
      if (msg === 'round aggregated' && mode === 'plain') unmaskMs += Number(f?.aggregateMs);
    },
  });
  try {
    const clinics: SecureTestClient[] = [];
    for (let k = 0; k < n; k++) clinics.push(new SecureTestClient(await h.enrol(), h.initialHash));
    const dropped = (k: number, t: ClientTask) => mode === 'secure, 10% drop' && k >= n - Math.round(n / 10) && t.kind === 'train';
    const costs: RoundCost[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      for (const c of clinics) Object.assign(c.cost, { cpuMs: 0, bytesUp: 0 });
      serverMs = 0;
      unmaskMs = 0;
      if (mode === 'plain') {
        for (const [k, c] of clinics.entries()) {
          const t: TrainTask = await c.client.trainTask();
          const base = await c.client.model(t.baseModelHash);
          const t0 = performance.now();
          const body = updateFor(t, updateOf(k, base).weights, 20 + k);
          c.cost.cpuMs += performance.now() - t0;
          c.cost.bytesUp += body.length;
          const res = await c.client.upload(t.roundId, body);
          if (res.status !== 201) throw new Error(`plain upload refused: ${res.status}`);
        }
      } else {
        await driveRound(h, clinics, r + 1, dropped);
      }
      const active = mode === 'secure, 10% drop' ? clinics.slice(0, n - Math.round(n / 10)) : clinics;
      costs.push({ clientCpuMs: median(active.map((c) => c.cost.cpuMs)), bytesUp: median(active.map((c) => c.cost.bytesUp)), serverMs: serverMs + unmaskMs, unmaskMs });
    }
    return costs;
  } finally {
    await h.close();
  }
}

/** Runs the clinics through one secure round; when only dropped clinics hold it up, the deadline passes. */
async function driveRound(h: Harness, clinics: SecureTestClient[], closedTarget: number, skip: (k: number, t: ClientTask) => boolean): Promise<void> {
  let idle = 0;
  for (;;) {
    const s = await h.status();
    if (s.recentRounds.filter((x) => x.status === 'closed').length >= closedTarget) return;
    let acted = false;
    for (const [k, c] of clinics.entries()) {
      const t = await c.client.task();
      if (t.kind === 'wait' || skip(k, t)) continue;
      await c.step((task, base) => updateOf(k, base));
      acted = true;
    }
    idle = acted ? 0 : idle + 1;
    if (idle >= 3) {
      h.clock.advance(61_000);
      idle = 0;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
}

const rows: { n: number; mode: Mode; cost: RoundCost }[] = [];
for (const n of SIZES) {
  for (const mode of ['plain', 'secure', 'secure, 10% drop'] as Mode[]) {
    const costs = await measure(n, mode);
    const cost = { clientCpuMs: median(costs.map((c) => c.clientCpuMs)), bytesUp: median(costs.map((c) => c.bytesUp)), serverMs: median(costs.map((c) => c.serverMs)), unmaskMs: median(costs.map((c) => c.unmaskMs)) };
    rows.push({ n, mode, cost });
    process.stderr.write(`${n} clinics, ${mode}: ${JSON.stringify(cost)}\n`);
  }
}

const plainBytes = encodeUpdate({ header: { roundId: RoundIdSchema.parse(1), baseModelHash: ModelHashSchema.parse('0'.repeat(64)), sampleCount: 1 }, weights: new Float32Array(P) }).length;
const lines = [
  `Secure aggregation's cost per round, ${P.toLocaleString('en')} values per update, median of ${ROUNDS} rounds (clinic figures: the median clinic)`,
  '',
  '| clinics | round | clinic CPU ms | bytes up per clinic | x plaintext bytes | server ms (POSTs + sum) | of which unmask / aggregate ms |',
  '|---|---|---|---|---|---|---|',
  ...rows.map(({ n, mode, cost }) => `| ${n} | ${mode} | ${cost.clientCpuMs.toFixed(1)} | ${Math.round(cost.bytesUp).toLocaleString('en')} | ${(cost.bytesUp / plainBytes).toFixed(3)} | ${cost.serverMs.toFixed(0)} | ${cost.unmaskMs.toFixed(0)} |`),
];
process.stdout.write(lines.join('\n') + '\n');
writeFileSync(path.join(import.meta.dirname, 'secagg-cost.json'), JSON.stringify({ measuredAt: new Date().toISOString(), P, rounds: ROUNDS, rows }, null, 2) + '\n');
