// Federation server benchmark. Run: node --import tsx bench/server/server.bench.ts
//  1. Aggregating 100 CNN4Conv-size updates (28x28x3, 7 classes = 114,055 params) end to end:
//     upload of all 100 over loopback -> FedAvg -> published version. Reports the server's
//     aggregation step (read 100 stored updates, FedAvg, write version, commit) and the
//     upload-inclusive time. Median of several rounds.
//  2. 200 simulated clients polling GET /v1/task and uploading concurrently: requests/s,
//     p50/p95 latency, server peak RSS, failed requests. Median of several runs.
// The server runs in a child process; this process is the load generator.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { coordinateMedian, fedAvg } from '../../src/core/aggregation';
import { createFederation, engineInitialWeights } from '../../src/server';
import { TestClient, testConfig, updateFor } from '../../src/server/testing/harness';
import { FederationConfigSchema, type TrainTask } from '../../src/shared/wire';

const HERE = import.meta.dirname;
const AGG_CLIENTS = 100;
const AGG_ROUNDS = 5;
const LOAD_CLIENTS = 200;
const LOAD_RUNS = 3;
const LOAD_ROUNDS_PER_RUN = 2;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const r1 = (x: number) => Math.round(x * 10) / 10;

interface Child {
  url: string;
  pid: number;
  proc: ChildProcess;
  aggregations: { updates: number; aggregateMs: number; totalMs: number }[];
  onAggregated: (() => void) | null;
}

async function startServerProcess(dataDir: string): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'server-process.ts')], {
    env: { ...process.env, FF_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const rl = createInterface({ input: proc.stdout! });
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`server exited (${code})`)));
    const child: Partial<Child> = { proc, aggregations: [], onAggregated: null };
    rl.on('line', (line) => {
      const msg = JSON.parse(line) as Record<string, unknown>;
      if (typeof msg.url === 'string') {
        child.url = msg.url;
        child.pid = msg.pid as number;
        resolve(child as Child);
      } else if (msg.msg === 'round aggregated') {
        child.aggregations!.push({ updates: msg.updates as number, aggregateMs: msg.aggregateMs as number, totalMs: msg.totalMs as number });
        child.onAggregated?.();
      }
    });
  });
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

async function setup(clients: number) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fairfal-server-bench-'));
  const config = FederationConfigSchema.parse(
    testConfig({
      classNames: ['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc'],
      cycles: 1,
      roundsPerCycle: 1000,
      minClientsPerRound: clients,
      roundDeadlineSeconds: 3600,
      maxUpdateNorm: 1e6,
    }),
  );
  const initial = engineInitialWeights(config, 0);
  const { adminToken } = createFederation({ dataDir, config, initialWeights: initial });
  const child = await startServerProcess(dataDir);
  const res = await fetch(`${child.url}/v1/admin/enrolment-codes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ count: clients }),
  });
  const { codes } = (await res.json()) as { codes: string[] };
  const enrolled: TestClient[] = [];
  for (const code of codes) enrolled.push(await TestClient.enrol(child.url, code));
  return { dataDir, initial, child, clients: enrolled };
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  }));
}

/** Part 1: 100 uploads -> FedAvg -> published version, repeated. */
async function aggregationBench() {
  const { dataDir, initial, child, clients } = await setup(AGG_CLIENTS);
  const rows: { uploadInclusiveMs: number; serverAggregationMs: number; fedAvgMathMs: number; lastUploadMs: number }[] = [];
  try {
    for (let round = 0; round < AGG_ROUNDS + 1; round++) {
      const tasks = (await Promise.all(clients.map((c) => c.trainTask()))) as TrainTask[];
      const base = await clients[0]!.model(tasks[0]!.baseModelHash);
      const bodies = tasks.map((t, i) => updateFor(t, base.map((v, j) => v + 1e-3 * Math.sin(i + j)), 10 + i));
      const aggregated = new Promise<void>((resolve) => (child.onAggregated = resolve));
      const t0 = performance.now();
      let lastUploadMs = 0;
      await pool(clients, 16, async (c, i) => {
        const s = performance.now();
        const res = await c.upload(tasks[i]!.roundId, bodies[i]!);
        if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
        lastUploadMs = performance.now() - s;
      });
      await aggregated;
      const next = await clients[0]!.trainTask();
      const uploadInclusiveMs = performance.now() - t0;
      if (next.roundIndex !== round + 1) throw new Error('round did not advance');
      const agg = child.aggregations.at(-1)!;
      if (round > 0) rows.push({ uploadInclusiveMs, serverAggregationMs: agg.totalMs, fedAvgMathMs: agg.aggregateMs, lastUploadMs }); // round 0 = warm-up
      void initial;
    }
    return { rss: peakRssMb(child.pid), rows };
  } finally {
    child.proc.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** In-process math only: FedAvg vs coordinate median on 100 x 114,055. */
function mathBench(paramCount: number) {
  const vs = Array.from({ length: AGG_CLIENTS }, (_, k) => Float32Array.from({ length: paramCount }, (_, i) => Math.sin(i * (k + 1))));
  const updates = vs.map((weights, i) => ({ weights, sampleCount: i + 1 }));
  const time = (fn: () => void) => {
    const xs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      fn();
      xs.push(performance.now() - s);
    }
    return median(xs);
  };
  return { fedAvgMs: time(() => fedAvg(updates)), medianMs: time(() => coordinateMedian(vs)) };
}

/** Part 2: 200 clients polling and uploading concurrently. */
async function loadBench(mode: 'short-poll' | 'long-poll') {
  const { dataDir, initial, child, clients } = await setup(LOAD_CLIENTS);
  const latTask: number[] = [];
  const latUpload: number[] = [];
  let failed = 0;
  let requests = 0;
  const failures = new Map<string, number>();
  const timed = async (lat: number[], fn: () => Promise<Response>, ok: number[]) => {
    const s = performance.now();
    try {
      const res = await fn();
      await res.arrayBuffer();
      if (!ok.includes(res.status)) {
        failed++;
        failures.set(`HTTP ${res.status}`, (failures.get(`HTTP ${res.status}`) ?? 0) + 1);
      }
    } catch (e) {
      failed++;
      const why = String((e as Error).cause ?? e).slice(0, 120);
      failures.set(why, (failures.get(why) ?? 0) + 1);
    }
    requests++;
    lat.push(performance.now() - s);
  };
  try {
    const runs: { rps: number; p50: number; p95: number; p95Upload: number; p95Task: number; seconds: number; requests: number; failed: number }[] = [];
    const weights = clients.map((_, i) => initial.map((v, j) => v + 1e-3 * Math.cos(i + j)));
    const body = (t: TrainTask, i: number) => updateFor(t, weights[i]!, 5 + i);
    for (let run = 0; run < LOAD_RUNS; run++) {
      latTask.length = 0;
      latUpload.length = 0;
      failed = 0;
      requests = 0;
      const startRound = (await clients[0]!.trainTask()).roundIndex;
      const target = startRound + LOAD_ROUNDS_PER_RUN;
      const t0 = performance.now();
      await Promise.all(clients.map(async (c, i) => {
        for (;;) {
          let task: Awaited<ReturnType<TestClient['task']>> | null = null;
          const s = performance.now();
          try {
            task = await c.task(mode === 'long-poll' ? 25_000 : 0);
          } catch (e) {
            failed++;
            const why = String((e as Error).cause ?? e).slice(0, 120);
            failures.set(why, (failures.get(why) ?? 0) + 1);
          }
          requests++;
          latTask.push(performance.now() - s);
          if (!task || task.kind === 'wait') {
            await new Promise((r) => setTimeout(r, task?.kind === 'wait' ? task.retryAfterMs : 50));
            continue;
          }
          if (task.kind !== 'train' || task.roundIndex >= target) return;
          await timed(latUpload, () => c.upload(task.roundId, body(task, i)), [201]);
        }
      }));
      const seconds = (performance.now() - t0) / 1000;
      const all = [...latTask, ...latUpload];
      runs.push({ rps: requests / seconds, p50: pct(all, 50), p95: pct(all, 95), p95Task: pct(latTask, 95), p95Upload: pct(latUpload, 95), seconds, requests, failed });
    }
    return { runs, rss: peakRssMb(child.pid), failures: Object.fromEntries(failures) };
  } finally {
    child.proc.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

type LoadResult = Awaited<ReturnType<typeof loadBench>>;
function summarize(load: LoadResult) {
  return {
    clients: LOAD_CLIENTS,
    params: 114_055,
    roundsPerRun: LOAD_ROUNDS_PER_RUN,
    runs: load.runs.map((r) => ({ ...r, rps: r1(r.rps), p50: r1(r.p50), p95: r1(r.p95), p95Task: r1(r.p95Task), p95Upload: r1(r.p95Upload), seconds: r1(r.seconds) })),
    medianRps: r1(median(load.runs.map((r) => r.rps))),
    medianP95Ms: r1(median(load.runs.map((r) => r.p95))),
    medianP95TaskMs: r1(median(load.runs.map((r) => r.p95Task))),
    medianP95UploadMs: r1(median(load.runs.map((r) => r.p95Upload))),
    medianRoundSeconds: r1(median(load.runs.map((r) => r.seconds / LOAD_ROUNDS_PER_RUN))),
    failedRequests: load.runs.reduce((s, r) => s + r.failed, 0),
    failureReasons: load.failures,
    serverPeakRssMb: r1(load.rss),
  };
}

const only = process.env.FF_BENCH_ONLY;
if (only === 'load') {
  console.log(JSON.stringify(await loadBench('short-poll'), null, 1));
  console.log(JSON.stringify(await loadBench('long-poll'), null, 1));
  process.exit(0);
}
const agg = await aggregationBench();
const math = mathBench(114_055);
const loads = { shortPoll: await loadBench('short-poll'), longPoll: await loadBench('long-poll') };

const results = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  aggregation: {
    clients: AGG_CLIENTS,
    params: 114_055,
    rounds: agg.rows.length,
    medianServerAggregationMs: r1(median(agg.rows.map((r) => r.serverAggregationMs))),
    medianFedAvgMathMs: r1(median(agg.rows.map((r) => r.fedAvgMathMs))),
    medianUploadInclusiveMs: r1(median(agg.rows.map((r) => r.uploadInclusiveMs))),
    medianTriggeringUploadMs: r1(median(agg.rows.map((r) => r.lastUploadMs))),
    inProcessFedAvgMs: r1(math.fedAvgMs),
    inProcessCoordinateMedianMs: r1(math.medianMs),
    serverPeakRssMb: r1(agg.rss),
    targetMs: 500,
  },
  load: { shortPoll: summarize(loads.shortPoll), longPoll: summarize(loads.longPoll) },
};

const a = results.aggregation;
const loadRows = (['shortPoll', 'longPoll'] as const).flatMap((mode) => {
  const l = results.load[mode];
  const label = mode === 'shortPoll' ? 'poll every retryAfterMs (500 ms)' : 'long-poll (waitMs=25000)';
  return [
    `| ${l.clients} clients, ${label}, uploading (${l.roundsPerRun} rounds/run, ${l.runs.length} runs) | requests/s, median | ${l.medianRps} | |`,
    `| | p95 latency all requests / GET /v1/task / upload, median | ${l.medianP95Ms} / ${l.medianP95TaskMs} / ${l.medianP95UploadMs} ms | |`,
    `| | seconds per round (200 uploads + aggregation), median | ${l.medianRoundSeconds} s | |`,
    `| | failed requests (all runs) | ${l.failedRequests} | 0 |`,
    `| | server peak RSS | ${l.serverPeakRssMb} MB | |`,
  ];
});
const table = [
  '| benchmark | metric | value | target |',
  '|---|---|---|---|',
  `| aggregate ${a.clients} x ${a.params} params | server aggregation step (read updates, FedAvg, write version, commit), median | ${a.medianServerAggregationMs} ms | < 500 ms |`,
  `| | of which FedAvg math | ${a.medianFedAvgMathMs} ms | |`,
  `| | upload-inclusive (100 uploads over loopback -> version published), median | ${a.medianUploadInclusiveMs} ms | |`,
  `| | in-process FedAvg / coordinate median (math only) | ${a.inProcessFedAvgMs} / ${a.inProcessCoordinateMedianMs} ms | |`,
  `| | server peak RSS | ${a.serverPeakRssMb} MB | |`,
  ...loadRows,
].join('\n');
process.stdout.write(`\n${table}\n\n${results.machine.cpus} x ${results.machine.cpu}, Node ${results.machine.node}\n`);
writeFileSync(path.join(HERE, 'results.json'), JSON.stringify(results, null, 2) + '\n');
