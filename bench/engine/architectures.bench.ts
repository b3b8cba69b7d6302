/**
 * Engine benchmark, issue 16's rows: training and inference img/s of each architecture at each
 * input size the product offers (cnn4conv and resnet9s at 28, 64 and 96 px), tfjs wasm on one
 * thread (the fallback every install without tfjs-node runs), beside PyTorch running the same
 * network (torch_peer.py --model/--size, 2 threads) in the same run: the peer is measured
 * before and after the tfjs rows and the table uses the mean of its two medians. Run:
 *   node --import tsx bench/engine/architectures.bench.ts [--runs 3] [--no-torch] [--only resnet9s]
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng } from '../../src/core/rng';
import { loadBestBackend } from '../../src/engine/backend';
import type { ImageSet } from '../../src/engine/dataset';
import { predict } from '../../src/engine/infer/inference';
import { initWeights, openModel } from '../../src/engine/model';
import type { ModelConfig } from '../../src/engine/models/types';
import { trainModel } from '../../src/engine/train/trainer';

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const RUNS = Number(flag('--runs') ?? 3) || 3;
const ONLY = flag('--only');
const CASES = ([['cnn4conv', 28], ['cnn4conv', 64], ['cnn4conv', 96], ['resnet9s', 28], ['resnet9s', 64], ['resnet9s', 96]] as const).filter(([m]) => !ONLY || m === ONLY);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const range = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

function randomSet(count: number, size: number): ImageSet {
  const rng = createRng(2);
  const images = new Uint8Array(count * size * size * 3);
  for (let i = 0; i < images.length; i++) images[i] = rng.nextUint32() & 255;
  return { images, labels: Int32Array.from({ length: count }, () => rng.int(5)), count, height: size, width: size, channels: 3 };
}

/** Fewer images per timed run at larger sizes, so each case takes seconds, not minutes. */
function scale(size: number) {
  return size <= 28 ? { trainN: 256, inferN: 1024 } : size <= 64 ? { trainN: 128, inferN: 512 } : { trainN: 64, inferN: 256 };
}

async function tfjsRow(model: string, size: number) {
  const cfg: ModelConfig = { name: model, height: size, width: size, channels: 3, numClasses: 5 };
  const m = openModel(cfg);
  const w = initWeights(cfg, 1);
  const { trainN, inferN } = scale(size);
  const data = randomSet(Math.max(trainN, inferN), size);
  const opts = { epochs: 1, lr: 0.01, batchSize: 64, hflip: true };
  await trainModel(m, w, data, range(trainN), { ...opts, seed: 99 }); // warm-up
  const train: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    await trainModel(m, w, data, range(trainN), { ...opts, seed: r });
    train.push((trainN / (performance.now() - t0)) * 1000);
  }
  await predict(m, w, data, range(inferN), { batchSize: 256 });
  const infer: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    await predict(m, w, data, range(inferN), { batchSize: 256 });
    infer.push((inferN / (performance.now() - t0)) * 1000);
  }
  const params = m.arch.specs.filter((s) => s.trainable).reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  return { train: median(train), infer: median(infer), params };
}

function torchRow(model: string, size: number): { train: number; infer: number; version: string } | null {
  try {
    const out = execFileSync('/usr/bin/python3', [path.join(here, 'torch_peer.py'), '--runs', String(RUNS), '--model', model, '--size', String(size), '--no-embed'], { encoding: 'utf8', timeout: 900_000 });
    const j = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { torch: string; train_img_s: number; infer_img_s: number };
    return { train: j.train_img_s, infer: j.infer_img_s, version: j.torch };
  } catch (e) {
    console.error(`PyTorch peer unavailable: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
}

const started = new Date().toISOString();
const load0 = os.loadavg()[0] ?? 0;
const backend = await loadBestBackend({ prefer: ['wasm'] });
const noTorch = argv.includes('--no-torch');
const rows = [];
for (const [model, size] of CASES) {
  const before = noTorch ? null : torchRow(model, size);
  const ours = await tfjsRow(model, size);
  const after = noTorch ? null : torchRow(model, size);
  const peer = before && after ? { train: (before.train + after.train) / 2, infer: (before.infer + after.infer) / 2 } : (before ?? after);
  rows.push({ model, size, ...ours, peerTrain: peer?.train ?? null, peerInfer: peer?.infer ?? null });
  console.error(`${model} ${size}px: train ${ours.train.toFixed(1)} img/s, infer ${ours.infer.toFixed(0)} img/s${peer ? ` (PyTorch ${peer.train.toFixed(1)} / ${peer.infer.toFixed(0)})` : ''}`);
}

const f = (x: number | null, d = 0) => (x === null ? 'n/a' : x.toFixed(d));
const ratio = (x: number, y: number | null) => (y ? `${(x / y).toFixed(2)}x` : 'n/a');
const table = [
  `| model | input | trainable parameters | tfjs wasm train img/s | PyTorch train img/s | train ratio | tfjs wasm infer img/s | PyTorch infer img/s | infer ratio |`,
  '|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.model} | ${r.size}x${r.size}x3 | ${r.params.toLocaleString('en-US')} | ${f(r.train, 1)} | ${f(r.peerTrain, 1)} | ${ratio(r.train, r.peerTrain)} | ${f(r.infer)} | ${f(r.peerInfer)} | ${ratio(r.infer, r.peerInfer)} |`),
].join('\n');
console.log(table);
const load1 = os.loadavg()[0] ?? 0;
console.log(`\n${backend.active} (${backend.kernels ?? 'stock kernels'}), 1 thread, batch 64 training / 256 inference; PyTorch 2 threads. Load average ${load0.toFixed(1)} -> ${load1.toFixed(1)} on ${os.availableParallelism()} cores; medians of ${RUNS} runs`);
writeFileSync(path.join(here, 'results-architectures.json'), `${JSON.stringify({ started, runs: RUNS, cores: os.availableParallelism(), loadAverage: [load0, load1], backend, rows, table }, null, 2)}\n`);
