// Issue 18's framework evaluation, speed half: the shipped fastify server against the
// hand-written node:http layer it replaced (hand-written-server.ts), same routes and domain,
// alternated in one run (this machine is noisy).
//   node --import tsx bench/http-framework/compare.ts [reps=5]
// Per rep and transport, a fresh server process with 100 enrolled clients:
//   task:   3,000 GET /v1/task at 32 in flight (routing, auth, query, JSON reply) -> requests/s
//   upload: 100 CNN4Conv-size updates (456 KB each) at 16 in flight -> ms until all are stored
// Prints medians and fastify / hand-written ratios; writes results.json next to this file.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createFederation, engineInitialWeights } from '../../src/server';
import { TestClient, testConfig, updateFor } from '../../src/server/testing/harness';
import { FederationConfigSchema } from '../../src/shared/wire';

const HERE = import.meta.dirname;
const REPS = Number(process.argv[2] ?? 5);
const CLIENTS = 100;
const TASK_REQUESTS = 3000;
type Impl = 'hand-written' | 'fastify';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await fn(next++);
  }));
}

async function startProcess(impl: Impl, dataDir: string) {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'server-process.ts')], { env: { ...process.env, FF_DATA_DIR: dataDir, FF_HTTP: impl }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`${impl} server exited (${code})`)));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as { url?: string };
      if (msg.url) resolve(msg.url);
    });
  });
  return { proc, url };
}

async function measure(impl: Impl) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fairfal-http-compare-'));
  const config = FederationConfigSchema.parse(testConfig({ classNames: ['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc'], cycles: 1, roundsPerCycle: 1000, minClientsPerRound: CLIENTS, roundDeadlineSeconds: 3600, maxUpdateNorm: 1e6 }));
  const initial = engineInitialWeights(config, 0);
  const { adminToken } = createFederation({ dataDir, config, initialWeights: initial });
  const { proc, url } = await startProcess(impl, dataDir);
  try {
    const res = await fetch(`${url}/v1/admin/enrolment-codes`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` }, body: JSON.stringify({ count: CLIENTS }) });
    const { codes } = (await res.json()) as { codes: string[] };
    const clients: TestClient[] = [];
    for (const code of codes) clients.push(await TestClient.enrol(url, code));
    const tasks = await Promise.all(clients.map((c) => c.trainTask()));
    const bodies = tasks.map((t, i) => updateFor(t, initial.map((v, j) => v + 1e-3 * Math.sin(i + j)), 10 + i));

    let t0 = performance.now();
    await pool(TASK_REQUESTS, 32, async (i) => {
      const r = await clients[i % CLIENTS]!.task(0);
      if (!r) throw new Error('no task');
    });
    const taskRps = TASK_REQUESTS / ((performance.now() - t0) / 1000);

    t0 = performance.now();
    await pool(CLIENTS, 16, async (i) => {
      const r = await clients[i]!.upload(tasks[i]!.roundId, bodies[i]!);
      if (r.status !== 201) throw new Error(`${impl}: upload ${r.status} ${await r.text()}`);
    });
    const uploadMs = performance.now() - t0;
    return { taskRps, uploadMs };
  } finally {
    proc.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const results: Record<Impl, { taskRps: number; uploadMs: number }[]> = { 'hand-written': [], fastify: [] };
for (let rep = 0; rep < REPS; rep++) {
  const order: Impl[] = rep % 2 ? ['fastify', 'hand-written'] : ['hand-written', 'fastify'];
  for (const impl of order) {
    const r = await measure(impl);
    results[impl].push(r);
    console.error(`rep ${rep + 1}/${REPS} ${impl}: ${r.taskRps.toFixed(0)} task req/s, 100 uploads in ${r.uploadMs.toFixed(0)} ms`);
  }
}
const med = (impl: Impl, k: 'taskRps' | 'uploadMs') => median(results[impl].map((r) => r[k]));
const taskRatio = med('fastify', 'taskRps') / med('hand-written', 'taskRps');
const uploadRatio = med('hand-written', 'uploadMs') / med('fastify', 'uploadMs');
console.log(`\n| metric (median of ${REPS}) | hand-written node:http | fastify | fastify speed / hand-written |`);
console.log('|---|---|---|---|');
console.log(`| GET /v1/task, requests/s | ${med('hand-written', 'taskRps').toFixed(0)} | ${med('fastify', 'taskRps').toFixed(0)} | ${taskRatio.toFixed(3)} |`);
console.log(`| 100 uploads of 456 KB, ms | ${med('hand-written', 'uploadMs').toFixed(0)} | ${med('fastify', 'uploadMs').toFixed(0)} | ${uploadRatio.toFixed(3)} |`);
writeFileSync(path.join(HERE, 'results.json'), JSON.stringify({ date: new Date().toISOString(), reps: REPS, results, taskRatio, uploadRatio }, null, 2) + '\n');
