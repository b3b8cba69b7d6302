// Import throughput of the image vault: the HAM10000 600x450 and 200x150 JPEGs and the 512x512
// fundus photographs from ../shared/datasets/images, repeated (each copy made byte-distinct so
// none is skipped as a duplicate) to 2,000 files in a temp dir, imported into a fresh vault.
// Two phases are timed apart: the import (every image hashed, deduplicated, its tensor and
// staged source committed: ready for training, the query and on-demand previews) and the
// background build of every preview and thumbnail that follows it; plus both end to end.
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

interface Phase {
  seconds: number;
  cpuSeconds: number;
}

function phase(t0: number, c0: NodeJS.CpuUsage): Phase {
  const c = process.cpuUsage(c0);
  // Process-wide CPU (all libvips/libuv threads): what the work costs, whatever else runs.
  return { seconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6 };
}

async function importOnce(src: string): Promise<{ importing: Phase; media: Phase; imported: number; built: number }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fairfal-bench-vault-'));
  const db = openNodeDb(dataDir);
  try {
    const vault = new Vault({ db, dataDir, mediaUrl: webMediaUrl, concurrency: CONCURRENCY });
    let t0 = performance.now();
    let c0 = process.cpuUsage();
    const end = await vault.startImport([src]).done;
    const importing = phase(t0, c0);
    t0 = performance.now();
    c0 = process.cpuUsage();
    await vault.mediaBuilder.idle();
    const media = phase(t0, c0);
    const { pending, failed, built } = vault.mediaBuilder.progress();
    await vault.close();
    if (end.state !== 'finished') throw new Error(`import ended ${end.state}: ${end.error}`);
    if (pending !== 0 || failed !== 0) throw new Error(`media: ${built} built, ${pending} pending, ${failed} failed of ${end.imported}`);
    return { importing, media, imported: end.imported, built };
  } finally {
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const root = mkdtempSync(path.join(os.tmpdir(), 'fairfal-bench-import-'));
interface Row {
  set: string;
  files: number;
  runs: number;
  /** The import: images ready for training and the query (tensors, hashes, staged sources committed). */
  importSeconds: number;
  imagesPerSecond: number;
  importCpuMsPerImage: number;
  /** The background build of the previews and thumbnails left after the import (images over 256 px). */
  mediaBuilt: number;
  mediaSeconds: number;
  mediaImagesPerSecond: number | null;
  mediaCpuMsPerImage: number | null;
  /** Import plus media build: every image fully in the vault. */
  endToEndImagesPerSecond: number;
}
const rows: Row[] = [];
try {
  const all: Buffer[] = [];
  const cases = sets.map((s) => ({ name: s.name, files: jpgs(s.dir) }));
  for (const c of cases) all.push(...c.files);
  cases.push({ name: 'mixed (all three, interleaved)', files: all });
  for (const c of cases) {
    if (values.only && !c.name.includes(values.only)) continue;
    const dir = path.join(root, c.name.replace(/[^a-z0-9]+/gi, '-'));
    materialise(dir, c.files, FILES);
    const runs: Awaited<ReturnType<typeof importOnce>>[] = [];
    for (let r = 0; r < RUNS; r++) {
      const run = await importOnce(dir);
      if (run.imported !== FILES) throw new Error(`${c.name}: imported ${run.imported} of ${FILES}`);
      runs.push(run);
    }
    const imp = median(runs.map((r) => r.importing.seconds));
    const med = median(runs.map((r) => r.media.seconds));
    const both = median(runs.map((r) => r.importing.seconds + r.media.seconds));
    const ms = (xs: number[], n = FILES) => (n > 0 ? Number(((median(xs) / n) * 1000).toFixed(2)) : null);
    const built = median(runs.map((r) => r.built));
    rows.push({
      set: c.name, files: FILES, runs: RUNS,
      importSeconds: Number(imp.toFixed(2)), imagesPerSecond: Number((FILES / imp).toFixed(1)), importCpuMsPerImage: ms(runs.map((r) => r.importing.cpuSeconds))!,
      mediaBuilt: built, mediaSeconds: Number(med.toFixed(2)),
      mediaImagesPerSecond: built > 0 ? Number((built / med).toFixed(1)) : null, mediaCpuMsPerImage: ms(runs.map((r) => r.media.cpuSeconds), built),
      endToEndImagesPerSecond: Number((FILES / both).toFixed(1)),
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
  '| set | files | runs | import s | **import images/s** | import CPU ms/image | media left after import | media build s | media images/s | media CPU ms/image | end to end images/s |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.set} | ${r.files} | ${r.runs} | ${r.importSeconds} | **${r.imagesPerSecond}** | ${r.importCpuMsPerImage} | ${r.mediaBuilt} | ${r.mediaSeconds} | ${r.mediaImagesPerSecond ?? '-'} | ${r.mediaCpuMsPerImage ?? '-'} | ${r.endToEndImagesPerSecond} |`),
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
