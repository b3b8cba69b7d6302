// Import throughput of the image vault: the HAM10000 600x450 and 200x150 JPEGs and the 512x512
// fundus photographs from ../shared/datasets/images, repeated (each copy made byte-distinct so
// none is skipped as a duplicate) to 2,000 files in a temp dir, imported into a fresh vault.
// Run: node --import tsx bench/import/import.bench.ts [--files 2000] [--runs 3] [--concurrency 4] [--only mixed] [--sharp-concurrency N] [--no-write]
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { openNodeDb } from '../../src/main/services/storage/node-db';
import { webMediaUrl } from '../../src/main/services/vault/media-store';
import { Vault } from '../../src/main/services/vault/vault';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '4' },
    /** Only the sets whose name contains this (e.g. mixed). */
    only: { type: 'string' },
    /** libvips threads per pipeline (default: the vault's setting). */
    'sharp-concurrency': { type: 'string' },
    /** Do not write results.json (exploratory runs). */
    'no-write': { type: 'boolean', default: false },
  },
});
const here = path.dirname(fileURLToPath(import.meta.url));
const images = path.resolve(here, '../../../shared/datasets/images');
const sets = [
  { name: 'HAM10000 600x450', dir: 'ham10000-dermoscopy-600x450' },
  { name: 'HAM10000 200x150', dir: 'ham10000-dermoscopy' },
  { name: 'ODIR fundus 512x512', dir: 'odir-fundus' },
];
const FILES = Number(values.files);
const RUNS = Number(values.runs);
const CONCURRENCY = Number(values.concurrency);
if (values['sharp-concurrency']) sharp.concurrency(Number(values['sharp-concurrency']));

function jpgs(dir: string): Buffer[] {
  return readdirSync(path.join(images, dir)).filter((f) => f.endsWith('.jpg')).sort().map((f) => readFileSync(path.join(images, dir, f)));
}

/** Writes `count` byte-distinct copies (two trailing bytes after EOI keep them decodable). */
function materialise(target: string, sources: Buffer[], count: number): void {
  mkdirSync(target, { recursive: true });
  for (let i = 0; i < count; i++) {
    const b = sources[i % sources.length]!;
    writeFileSync(path.join(target, `img-${String(i).padStart(5, '0')}.jpg`), Buffer.concat([b, Buffer.from([i >> 8, i & 255])]));
  }
}

async function importOnce(src: string): Promise<{ seconds: number; cpuSeconds: number; imported: number }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fairfal-bench-vault-'));
  const db = openNodeDb(dataDir);
  try {
    const vault = new Vault({ db, dataDir, mediaUrl: webMediaUrl, concurrency: CONCURRENCY });
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const end = await vault.startImport([src]).done;
    const seconds = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    // Process-wide CPU (all libvips/libuv threads): what the import costs, whatever else runs.
    const cpuSeconds = (c.user + c.system) / 1e6;
    await vault.close();
    if (end.state !== 'finished') throw new Error(`import ended ${end.state}: ${end.error}`);
    return { seconds, cpuSeconds, imported: end.imported };
  } finally {
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const root = mkdtempSync(path.join(os.tmpdir(), 'fairfal-bench-import-'));
const rows: { set: string; files: number; runs: number; medianSeconds: number; imagesPerSecond: number; cpuMsPerImage: number; imagesPerSecondIfIdle: number }[] = [];
const cores = os.availableParallelism();
try {
  const all: Buffer[] = [];
  const cases = sets.map((s) => ({ name: s.name, files: jpgs(s.dir) }));
  for (const c of cases) all.push(...c.files);
  cases.push({ name: 'mixed (all three, interleaved)', files: all });
  for (const c of cases) {
    if (values.only && !c.name.includes(values.only)) continue;
    const dir = path.join(root, c.name.replace(/[^a-z0-9]+/gi, '-'));
    materialise(dir, c.files, FILES);
    const times: number[] = [];
    const cpu: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const { seconds, cpuSeconds, imported } = await importOnce(dir);
      if (imported !== FILES) throw new Error(`${c.name}: imported ${imported} of ${FILES}`);
      times.push(seconds);
      cpu.push(cpuSeconds);
    }
    const med = median(times);
    const cpuPer = median(cpu) / FILES;
    rows.push({
      set: c.name, files: FILES, runs: RUNS, medianSeconds: Number(med.toFixed(2)), imagesPerSecond: Number((FILES / med).toFixed(1)),
      cpuMsPerImage: Number((cpuPer * 1000).toFixed(2)),
      imagesPerSecondIfIdle: Number((cores / cpuPer).toFixed(1)),
    });
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

const env = {
  loadAverage1m: os.loadavg()[0],
  node: process.version,
  cpus: os.availableParallelism(),
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  sharp: sharp.versions.sharp,
  vips: sharp.versions.vips,
  sharpConcurrency: sharp.concurrency(),
  importConcurrency: CONCURRENCY,
  date: new Date().toISOString(),
};
const table = [
  '| set | files | runs | median s | images/s (wall) | CPU ms/image | images/s if the cores were idle |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.set} | ${r.files} | ${r.runs} | ${r.medianSeconds} | ${r.imagesPerSecond} | ${r.cpuMsPerImage} | ${r.imagesPerSecondIfIdle} |`),
].join('\n');
console.log(table);
console.log(`\n${JSON.stringify(env)}`);
if (!values['no-write']) {
  // With --only, the measured rows replace theirs in the existing file (sets can be run one by one, interleaved with a baseline).
  const file = path.join(here, 'results.json');
  const kept = values.only && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { rows: typeof rows }).rows.filter((r) => !rows.some((m) => m.set === r.set)) : [];
  const order = (r: { set: string }) => [...sets.map((x) => x.name), 'mixed (all three, interleaved)'].indexOf(r.set);
  writeFileSync(file, JSON.stringify({ env, target: 150, rows: [...kept, ...rows].sort((a, b) => order(a) - order(b)) }, null, 2) + '\n');
}
