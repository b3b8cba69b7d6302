// Per-stage CPU cost of one image's import pipeline (single libvips thread, sequential), to see
// where the import time goes. Run: node --import tsx bench/import/profile.ts
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { decodeTensor, renderMedia } from '../../src/main/services/vault/decode';

sharp.concurrency(1);
sharp.cache(false);
const here = path.dirname(fileURLToPath(import.meta.url));
const images = path.resolve(here, '../../../shared/datasets/images');
const dirs = ['ham10000-dermoscopy-600x450', 'ham10000-dermoscopy', 'odir-fundus'];
const tinyPng = sharp(Buffer.alloc(28 * 28 * 3, 100), { raw: { width: 28, height: 28, channels: 3 } }).png().toBuffer();

async function cpuMs(label: string, files: Buffer[], fn: (b: Buffer) => Promise<unknown>): Promise<void> {
  for (const f of files.slice(0, 3)) await fn(f);
  const c0 = process.cpuUsage();
  for (const f of files) await fn(f);
  const c = process.cpuUsage(c0);
  console.log(`${label.padEnd(40)} ${(((c.user + c.system) / 1000) / files.length).toFixed(2)} ms/image`);
}

const WEBP = { quality: 80, effort: 0 } as const;

// Fixed cost of a sharp call whatever the image size: what a pipeline with several small steps pays.
{
  const tiny = Buffer.alloc(28 * 28 * 3, 100);
  const raw = { raw: { width: 28, height: 28, channels: 3 } } as const;
  const none = Array.from({ length: 200 }, () => tiny);
  console.log('## fixed cost per sharp call (28x28 input)');
  await cpuMs('no-op pipeline (raw in, raw out)', none, (b) => sharp(b, raw).raw().toBuffer());
  await cpuMs('resize 28 -> 27 (lanczos3)', none, (b) => sharp(b, raw).resize(27, 27, { fit: 'fill' }).raw().toBuffer());
  await cpuMs('webp encode 28x28', none, (b) => sharp(b, raw).webp(WEBP).toBuffer());
  await cpuMs('metadata of a 28x28 PNG', none, async () => sharp(await tinyPng).metadata());
}
for (const d of dirs) {
  const files = readdirSync(path.join(images, d)).filter((f) => f.endsWith('.jpg')).slice(0, 40).map((f) => readFileSync(path.join(images, d, f)));
  console.log(`## ${d} (${files.length})`);
  await cpuMs('decodeTensor (import step)', files, (b) => decodeTensor(b, [28, 28, 3]));
  await cpuMs('renderMedia (preview + thumbnail step)', files, (b) => renderMedia(b));
  await cpuMs('full decode to raw', files, (b) => sharp(b).rotate().raw().toBuffer());
  await cpuMs('decode 1/8 shrink to 28x28', files, (b) => sharp(b).rotate().resize(28, 28, { fit: 'fill' }).raw().toBuffer());
  await cpuMs('decode 192 thumb raw', files, (b) => sharp(b).rotate().resize(192, 192, { fit: 'inside' }).raw().toBuffer());
  const raws = await Promise.all(files.map((b) => sharp(b).rotate().raw().toBuffer({ resolveWithObject: true })));
  let i = 0;
  const nextRaw = () => raws[i++ % raws.length]!;
  for (const effort of [0, 1, 2]) {
    await cpuMs(`webp encode full q80 effort ${effort}`, files, () => {
      const r = nextRaw();
      return sharp(r.data, { raw: r.info }).webp({ quality: 80, effort }).toBuffer();
    });
  }
  for (const preset of ['photo', 'icon'] as const) {
    await cpuMs(`webp encode full q80 e0 preset ${preset}`, files, () => {
      const r = nextRaw();
      return sharp(r.data, { raw: r.info }).webp({ ...WEBP, preset }).toBuffer();
    });
  }
  await cpuMs('webp encode full q70 e0', files, () => {
    const r = nextRaw();
    return sharp(r.data, { raw: r.info }).webp({ quality: 70, effort: 0 }).toBuffer();
  });
  await cpuMs('webp encode full q80 e0 smartSubsample', files, () => {
    const r = nextRaw();
    return sharp(r.data, { raw: r.info }).webp({ quality: 80, effort: 0, smartSubsample: true }).toBuffer();
  });
  await cpuMs('jpeg encode full q80 (reference)', files, () => {
    const r = nextRaw();
    return sharp(r.data, { raw: r.info }).jpeg({ quality: 80 }).toBuffer();
  });
  await cpuMs('thumb from raw (resize+webp)', files, () => {
    const r = nextRaw();
    return sharp(r.data, { raw: r.info }).resize(192, 192, { fit: 'inside' }).webp(WEBP).toBuffer();
  });
  await cpuMs('tensor from raw (lanczos3 28x28)', files, () => {
    const r = nextRaw();
    return sharp(r.data, { raw: r.info }).resize(28, 28, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer();
  });
  await cpuMs('sha256', files, async (b) => (await import('node:crypto')).createHash('sha256').update(b).digest());
}
