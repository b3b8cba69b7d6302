/**
 * Engine throughput as the simulator uses it (in-process CNN4Conv, wasm), on
 * dermamnist-ham10000-28: training images/s at the protocol's set sizes and inference
 * images/s, per wall second and per CPU second (the machine is shared: CPU seconds say what
 * a free core would do), then the projected time of one issue-8 run (~650k image passes).
 * Usage: node --import tsx bench/results/throughput.ts  (writes bench/results/throughput.json)
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { loadSimData } from '../../src/cli/simulate/data';
import { loadBestBackend } from '../../src/engine/backend';
import { predict } from '../../src/engine/infer/inference';
import { initWeights, openModel } from '../../src/engine/model';
import { trainModel } from '../../src/engine/train/trainer';

const data = loadSimData({ dataset: '../shared/datasets/dermamnist-ham10000-28.npz', partitionSeed: 0 });
const backend = await loadBestBackend({ prefer: ['wasm', 'cpu'] });
const config = { name: 'cnn4conv', height: data.train.height, width: data.train.width, channels: data.train.channels, numClasses: data.numClasses } as const;
const model = openModel(config);
const description = `cnn4conv, tfjs ${backend.active} (${model.net.kind} net, ${backend.kernels ?? 'stock kernels'}), 1 thread in-process`;
const w = initWeights(config, 1);
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function measure(fn: () => Promise<unknown>, images: number, reps = 3) {
  await fn(); // warm-up
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await fn();
    const c = process.cpuUsage(c0);
    wall.push(images / ((performance.now() - t0) / 1000));
    cpu.push(images / ((c.user + c.system) / 1e6));
  }
  return { wallImgPerS: median(wall), cpuImgPerS: median(cpu) };
}

const rows: { case: string; wallImgPerS: number; cpuImgPerS: number }[] = [];
for (const n of [35, 175, 640]) {
  const idx = Int32Array.from({ length: n }, (_, i) => i * 10);
  const epochs = Math.max(1, Math.round(640 / n));
  const r = await measure(() => trainModel(model, w, data.train, idx, { epochs, lr: 0.01, momentum: 0.9, weightDecay: 1e-5, batchSize: 64, hflip: true, seed: 1 }), n * epochs);
  rows.push({ case: `train, ${n} labeled images, batch 64`, ...r });
}
const testIds = Int32Array.from({ length: data.test.count }, (_, i) => i);
rows.push({ case: `inference (probs + features), ${data.test.count} images`, ...(await measure(() => predict(model, w, data.test, testIds, { features: true }), data.test.count)) });

const passes = 650_000;
const trainCpu = rows.find((r) => r.case.startsWith('train, 175'))?.cpuImgPerS ?? NaN;
const result = {
  when: new Date().toISOString(),
  engine: description,
  loadAverage1m: os.loadavg()[0],
  cpus: os.cpus().length,
  rows,
  projection: { imagePassesPerRun: passes, cpuMinutesPerRun: passes / trainCpu / 60, runs: 17, cpuHoursAll: (17 * passes) / trainCpu / 3600 },
};
writeFileSync(new URL('./throughput.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
console.log(`engine: ${result.engine}; load average ${result.loadAverage1m?.toFixed(1)} on ${result.cpus} cores\n`);
console.log('| case | images/s (wall, shared machine) | images/s per CPU second |');
console.log('|---|---|---|');
for (const r of rows) console.log(`| ${r.case} | ${r.wallImgPerS.toFixed(0)} | ${r.cpuImgPerS.toFixed(0)} |`);
console.log(`\none issue-8 run (~${passes} image passes): ${result.projection.cpuMinutesPerRun.toFixed(0)} CPU-minutes; all 17 runs: ${result.projection.cpuHoursAll.toFixed(1)} CPU-hours`);
