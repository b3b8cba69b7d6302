// Turns one image into everything the vault keeps: the display preview (WebP, longest side
// 1024), a gallery thumbnail (WebP, longest side 192) and the model-size tensor (uint8 HWC at
// the federation's input shape). The file is decoded once, EXIF orientation applied, to raw
// pixels at preview size (JPEG shrink-on-load when the source is larger); the preview is
// encoded from those pixels, the thumbnail is resized from them and the tensor from the
// thumbnail (or from the preview pixels when the model input is larger than the thumbnail).
// Measured (bench/import/profile.ts): one decode instead of three cut the CPU per 512x512
// fundus photo by about a third; the WebP encode of the preview is what remains.
import sharp, { type Metadata, type Sharp } from 'sharp';
import type { Shape } from './tensor-store';

// Parallelism comes from the importer's pool (several images in flight), not from libvips
// threads inside one pipeline: on 2 cores 1 thread per pipeline imported ~25% more images/s
// than 2 (bench/import --sharp-concurrency). sharp already defaults to 1 on glibc Linux; this
// pins it on every platform. Process-wide; the vault is main's only sharp user.
sharp.concurrency(1);

export const PREVIEW_MAX = 1024;
export const THUMB_MAX = 192;
/** Up to this longest side the preview doubles as the thumbnail. */
export const THUMB_REUSE_MAX = 256;
/** Decompression-bomb guard: refuse images over this many pixels. */
export const MAX_PIXELS = 100_000_000;

export interface DecodedImage {
  width: number;
  height: number;
  preview: Buffer;
  thumbnail: Buffer;
  tensor: Uint8Array;
}

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly reason: 'corrupt' | 'unsupported-format' | 'too-large',
    message: string,
  ) {
    super(message);
  }
}

const SUPPORTED = new Set(['jpeg', 'png', 'webp', 'tiff']);

/** effort 0: the fastest libwebp method (effort 1/2 cost +15%/+30% CPU, smartSubsample 5x), quality 80. */
const WEBP = { quality: 80, effort: 0, smartSubsample: false } as const;

export async function decodeImage(input: Buffer, shape: Shape): Promise<DecodedImage> {
  // failOn 'truncated' rejects cut-off files instead of silently showing grey bottoms.
  const base = sharp(input, { failOn: 'truncated', limitInputPixels: MAX_PIXELS, sequentialRead: true });
  let meta: Metadata;
  try {
    meta = await base.metadata();
  } catch (err) {
    // A file that starts like an image but cannot be parsed is damaged, not foreign.
    throw new DecodeError(looksLikeImage(input) ? 'corrupt' : 'unsupported-format', message(err));
  }
  if (!meta.format || !SUPPORTED.has(meta.format)) {
    throw new DecodeError('unsupported-format', `format ${meta.format ?? 'unknown'} is not imported (JPEG, PNG, WebP, TIFF)`);
  }
  if (!meta.width || !meta.height) throw new DecodeError('corrupt', 'image has no dimensions');
  if (meta.width * meta.height > MAX_PIXELS) throw new DecodeError('too-large', `${meta.width}x${meta.height} is over ${MAX_PIXELS} pixels`);
  const swap = (meta.orientation ?? 1) >= 5;
  const width = swap ? meta.height : meta.width;
  const height = swap ? meta.width : meta.height;

  const [h, w, c] = shape;
  try {
    const full = await base
      .rotate()
      .resize(PREVIEW_MAX, PREVIEW_MAX, { fit: 'inside', withoutEnlargement: true, fastShrinkOnLoad: true })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const fullRaw = { raw: { width: full.info.width, height: full.info.height, channels: full.info.channels } } as const;
    // An image barely larger than a thumbnail is its own thumbnail: one encode saved.
    const smallEnough = Math.max(width, height) <= THUMB_REUSE_MAX;
    const thumbPixels = smallEnough
      ? null
      : await sharp(full.data, fullRaw).resize(THUMB_MAX, THUMB_MAX, { fit: 'inside', kernel: 'linear' }).raw().toBuffer({ resolveWithObject: true });
    const thumbRaw = thumbPixels && { raw: { width: thumbPixels.info.width, height: thumbPixels.info.height, channels: thumbPixels.info.channels } };
    // The thumbnail is area-averaged from the full pixels, so a smaller tensor loses nothing by starting from it.
    const fromThumb = thumbPixels !== null && thumbRaw !== null && thumbPixels.info.width >= w && thumbPixels.info.height >= h;
    const tensorSource = fromThumb ? sharp(thumbPixels.data, thumbRaw) : sharp(full.data, fullRaw);
    const [preview, thumb, tensor] = await Promise.all([
      sharp(full.data, fullRaw).webp(WEBP).toBuffer(),
      thumbPixels && thumbRaw ? sharp(thumbPixels.data, thumbRaw).webp(WEBP).toBuffer() : null,
      tensorPipeline(tensorSource, w, h, c).raw().toBuffer(),
    ]);
    const thumbnail = thumb ?? preview;
    if (tensor.length !== h * w * c) throw new DecodeError('corrupt', `decoded tensor has ${tensor.length} bytes, expected ${h * w * c}`);
    return { width, height, preview, thumbnail, tensor: new Uint8Array(tensor.buffer, tensor.byteOffset, tensor.length) };
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    throw new DecodeError('corrupt', message(err));
  }
}

function tensorPipeline(img: Sharp, w: number, h: number, c: number): Sharp {
  // fill = stretch the whole image to the model's grid, as MedMNIST did (no crop, nothing lost).
  const resized = img.resize(w, h, { fit: 'fill', kernel: 'lanczos3' }).removeAlpha();
  return c === 1 ? resized.greyscale().toColourspace('b-w') : resized.toColourspace('srgb');
}

/** Preview and thumbnail for an image given as raw pixels (an .npz entry), tensor resized if needed. */
export async function encodeRaw(pixels: Uint8Array, width: number, height: number, channels: 1 | 3, shape: Shape): Promise<DecodedImage> {
  const raw = { raw: { width, height, channels } } as const;
  const [h, w, c] = shape;
  const scale = Math.max(1, Math.floor(256 / Math.max(width, height)));
  // Tiny archive images are shown enlarged with crisp pixels (nearest), never smoothed.
  const [preview, thumbnail, tensor] = await Promise.all([
    sharp(pixels, raw).resize(width * scale, height * scale, { kernel: 'nearest' }).webp({ ...WEBP, lossless: true }).toBuffer(),
    sharp(pixels, raw).resize(Math.min(THUMB_MAX, width * scale), null, { kernel: 'nearest' }).webp(WEBP).toBuffer(),
    width === w && height === h && channels === c
      ? Promise.resolve(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.length))
      : tensorPipeline(sharp(pixels, raw), w, h, c).raw().toBuffer(),
  ]);
  return { width, height, preview, thumbnail, tensor: new Uint8Array(tensor.buffer, tensor.byteOffset, tensor.length) };
}

/** JPEG, PNG, WebP or TIFF magic numbers at the start of the buffer. */
export function looksLikeImage(b: Uint8Array): boolean {
  if (b.length < 12) return false;
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return true;
  if (b[0] === 0x89 && ascii(1, 4) === 'PNG') return true;
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return true;
  const tiff = ascii(0, 4);
  return tiff === 'II*\u0000' || tiff === 'MM\u0000*';
}

function message(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] ?? err.message : String(err);
}
