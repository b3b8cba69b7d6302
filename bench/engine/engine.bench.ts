/**
 * Engine benchmark: CNN4Conv 28x28x3, training img/s (batch 64), inference img/s (batch 256),
 * seconds to gradient-embed 5,000 images, per backend, with PyTorch (torch_peer.py, 2 threads)
 * measured in the same run. Medians of several runs. Run:
 *   node --import tsx bench/engine/engine.bench.ts [--runs 5] [--no-torch] [--no-cpu]
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng } from '../../src/core/rng';
import { loadBestBackend } from '../../src/engine/backend';
import type { ImageSet } from '../../src/engine/dataset';
import { embed, predict } from '../../src/engine/infer/inference';
import { initWeights, openModel } from '../../src/engine/model';
import { trainModel } from '../../src/engine/train/trainer';
import { EnginePool } from '../../src/engine/worker/pool';
import { setSimdKernelsEnabled } from '../../src/engine/kernels/raw-kernel';
import { setWinogradEnabled } from '../../src/engine/nn/winograd-conv';

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const RUNS = Number(argv[argv.indexOf('--runs') + 1] || 5) || 5;
const cfg = { name: 'cnn4conv', height: 28, width: 28, channels: 3 as const, numClasses: 5 };

function randomSet(count: number, seed: number): ImageSet {
  const rng = createRng(seed);
  const images = new Uint8Array(count * 28 * 28 * 3);
  for (let i = 0; i < images.length; i++) images[i] = rng.nextUint32() & 255;
  return { images, labels: Int32Array.from({ length: count }, () => rng.int(5)), count, height: 28, width: 28, channels: 3 };
}
const range = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Row {
  backend: string;
  train: number;
  infer: number;
  embed: number;
  note: string;
  trainCpu?: number;
  inferCpu?: number;
}

async function inProcess(backend: 'wasm' | 'cpu', scale: { trainN: number; bs: number; inferN: number; embedN: number; runs: number }, simd = true): Promise<Row> {
  const report = await loadBestBackend({ prefer: [backend] });
  setSimdKernelsEnabled(simd);
  setWinogradEnabled(simd);
  const m = openModel(cfg);
  const w = initWeights(cfg, 1);
  const data = randomSet(Math.max(scale.trainN, scale.inferN, scale.embedN), 2);
  // Warm-up: one full measured-size epoch (JIT, wasm heap growth, XNNPACK operator caches).
  await trainModel(m, w, data, range(0, scale.trainN), { epochs: 1, lr: 0.01, batchSize: scale.bs, hflip: true, seed: 99 });
  const train: number[] = [];
  const trainCpu: number[] = [];
  for (let r = 0; r < scale.runs; r++) {
    const c0 = cpuMs();
    const t0 = performance.now();
    await trainModel(m, w, data, range(0, scale.trainN), { epochs: 1, lr: 0.01, batchSize: scale.bs, hflip: true, seed: r });
    train.push((scale.trainN / (performance.now() - t0)) * 1000);
    trainCpu.push((scale.trainN / (cpuMs() - c0)) * 1000);
  }
  await predict(m, w, data, range(0, scale.inferN), { batchSize: 256 });
  const infer: number[] = [];
  const inferCpu: number[] = [];
  for (let r = 0; r < scale.runs; r++) {
    const c0 = cpuMs();
    const t0 = performance.now();
    await predict(m, w, data, range(0, scale.inferN), { batchSize: 256 });
    infer.push((scale.inferN / (performance.now() - t0)) * 1000);
    inferCpu.push((scale.inferN / (cpuMs() - c0)) * 1000);
  }
  const emb: number[] = [];
  for (let r = 0; r < Math.max(1, Math.floor(scale.runs / 2)); r++) {
    const t0 = performance.now();
    await embed(m, w, data, range(0, scale.embedN), { batchSize: 256 });
    emb.push(((performance.now() - t0) / 1000) * (5000 / scale.embedN));
  }
  setSimdKernelsEnabled(true);
  setWinogradEnabled(true);
  const kernels = backend === 'wasm' && !simd ? 'JS kernels, SIMD switched off' : (report.kernels ?? 'stock kernels');
  return { backend: `tfjs ${backend}, 1 thread (${kernels})`, train: median(train), infer: median(infer), embed: median(emb), trainCpu: median(trainCpu), inferCpu: median(inferCpu), note: '' };
}

async function pooled(runs: number): Promise<Row> {
  const pool = await EnginePool.start({ size: 2, prefer: ['wasm'] });
  try {
    const data = randomSet(5000, 3);
    await pool.registerDataset('bench', data);
    const w = initWeights(cfg, 1);
    await Promise.all([0, 1].map((k) => pool.train(cfg, w, 'bench', range(k * 64, k * 64 + 64), { epochs: 1, lr: 0.01, seed: k }).result));
    const per = 384;
    const train: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      // Two simulated clients trained at once, one per worker.
      await Promise.all([0, 1].map((k) => pool.train(cfg, w, 'bench', range(k * per, (k + 1) * per), { epochs: 1, lr: 0.01, hflip: true, seed: r }).result));
      train.push(((2 * per) / (performance.now() - t0)) * 1000);
    }
    const infer: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      await Promise.all([0, 1].map((k) => pool.predict(cfg, w, 'bench', range(k * 768, (k + 1) * 768), { batchSize: 256 }).result));
      infer.push((1536 / (performance.now() - t0)) * 1000);
    }
    const emb: number[] = [];
    for (let r = 0; r < Math.max(1, Math.floor(runs / 2)); r++) {
      const t0 = performance.now();
      await Promise.all([0, 1].map((k) => pool.embed(cfg, w, 'bench', range(k * 2500, (k + 1) * 2500), { batchSize: 256 }).result));
      emb.push((performance.now() - t0) / 1000);
    }
    return { backend: 'tfjs wasm, pool of 2 workers (wasm SIMD kernels, Winograd convolutions)', train: median(train), infer: median(infer), embed: median(emb), note: 'two clients / halves in parallel' };
  } finally {
    await pool.close();
  }
}

function torchPeer(runs: number): (Row & { version: string }) | null {
  try {
    const out = execFileSync('/usr/bin/python3', [path.join(here, 'torch_peer.py'), '--runs', String(runs)], { encoding: 'utf8', timeout: 600_000 });
    const j = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { torch: string; threads: number; train_img_s: number; infer_img_s: number; embed_5000_s: number };
    return { backend: `PyTorch ${j.torch}, ${j.threads} threads`, train: j.train_img_s, infer: j.infer_img_s, embed: j.embed_5000_s, note: 'peer', version: j.torch };
  } catch (e) {
    console.error(`PyTorch peer unavailable: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
}

const started = new Date().toISOString();
const load0 = os.loadavg()[0] ?? 0;
const rows: Row[] = [];
const torchFirst = argv.includes('--no-torch') ? null : torchPeer(RUNS);
rows.push(await inProcess('wasm', { trainN: 256, bs: 64, inferN: 1024, embedN: 5000, runs: RUNS }));
rows.push(await inProcess('wasm', { trainN: 256, bs: 64, inferN: 1024, embedN: 1000, runs: RUNS }, false));
rows.push(await pooled(RUNS));
if (!argv.includes('--no-cpu')) {
  const r = await inProcess('cpu', { trainN: 16, bs: 16, inferN: 32, embedN: 32, runs: 1 });
  rows.push({ ...r, backend: 'tfjs cpu, 1 thread', note: 'tiny run (batch 16 train, 32 infer), embed extrapolated from 32 images' });
}
const torchLast = argv.includes('--no-torch') ? null : torchPeer(RUNS);
const peer = torchFirst && torchLast
  ? { ...torchFirst, train: (torchFirst.train + torchLast.train) / 2, infer: (torchFirst.infer + torchLast.infer) / 2, embed: (torchFirst.embed + torchLast.embed) / 2, note: 'peer, mean of the medians measured before and after' }
  : (torchFirst ?? torchLast);
if (peer) rows.unshift(peer);

const f = (x: number, d = 0) => x.toFixed(d);
const ratio = (x: number, y: number | undefined) => (y ? `${(x / y).toFixed(2)}x` : 'n/a');
const lines = [
  '| backend | train img/s | infer img/s (batch 256) | embed 5,000 images (s) | train vs PyTorch | infer vs PyTorch | note |',
  '|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.backend} | ${f(r.train, 1)} | ${f(r.infer, 0)} | ${f(r.embed, 1)} | ${ratio(r.train, peer?.train)} | ${ratio(r.infer, peer?.infer)} | ${r.note}${r.trainCpu ? ` (by CPU time: train ${f(r.trainCpu)} img/s, infer ${f(r.inferCpu ?? 0)} img/s)` : ''} |`),
];
const table = lines.join('\n');
console.log(table);
const load1 = os.loadavg()[0] ?? 0;
console.log(`\nload average ${load0.toFixed(1)} -> ${load1.toFixed(1)} on ${os.availableParallelism()} cores; medians of ${RUNS} runs`);
writeFileSync(path.join(here, 'results.json'), `${JSON.stringify({ started, runs: RUNS, cores: os.availableParallelism(), loadAverage: [load0, load1], model: cfg, rows, table }, null, 2)}\n`);
