// Turns one image into everything the vault keeps: the display preview (WebP, longest side
// 1024), a gallery thumbnail (WebP, longest side 192) and the model-size tensor (uint8 HWC at
// the federation's input shape). The file is decoded once, EXIF orientation applied, to raw
// pixels at preview size (JPEG shrink-on-load when the source is larger); the preview is
// encoded from those pixels, the thumbnail is resized from them and the tensor from the
// thumbnail (or from the preview pixels when the model input is larger than the thumbnail).
// Measured (bench/import/profile.ts): one decode instead of three cut the CPU per 512x512
// fundus photo by about a third; the WebP encode of the preview is what remains.
import sharp, { type Metadata, type Sharp, type SharpOptions } from 'sharp';
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

/** effort 0: the fastest libwebp method (effort 1/2 cost +15%/+30% CPU, smartSubsample 5x), quality 80. */
const WEBP = { quality: 80, effort: 0, smartSubsample: false } as const;

export async function decodeImage(input: Buffer, shape: Shape): Promise<DecodedImage> {
  // The format is known from the magic bytes, so no separate metadata pass (a libvips call and
  // ~0.3 ms of main-thread option parsing per image) is needed before the one decode.
  const format = imageFormat(input);
  if (!format) throw new DecodeError('unsupported-format', 'not a JPEG, PNG, WebP or TIFF file');
  // failOn 'truncated' rejects cut-off files instead of silently showing grey bottoms.
  const options = { failOn: 'truncated', limitInputPixels: MAX_PIXELS, sequentialRead: true } as const;
  const [h, w, c] = shape;
  try {
    const full = await sharp(input, options)
      .rotate()
      .resize(PREVIEW_MAX, PREVIEW_MAX, { fit: 'inside', withoutEnlargement: true, fastShrinkOnLoad: true })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    // The decoded size is the oriented size unless the preview cap shrank it; only then ask for the original's.
    const capped = Math.max(full.info.width, full.info.height) >= PREVIEW_MAX - 1;
    const { width, height } = capped ? await orientedSize(input, options) : full.info;
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
    const text = message(err);
    // limitInputPixels refuses decompression bombs before decoding them.
    if (/pixel limit/i.test(text)) throw new DecodeError('too-large', `${format} image is over ${MAX_PIXELS} pixels: ${text}`);
    // A file that starts like an image but cannot be decoded is damaged, not foreign.
    throw new DecodeError('corrupt', text);
  }
}

/** Width and height after EXIF orientation, from the header (only needed when the preview was capped). */
async function orientedSize(input: Buffer, options: SharpOptions): Promise<{ width: number; height: number }> {
  const meta: Metadata = await sharp(input, options).metadata();
  if (!meta.width || !meta.height) throw new DecodeError('corrupt', 'image has no dimensions');
  const swap = (meta.orientation ?? 1) >= 5;
  return { width: swap ? meta.height : meta.width, height: swap ? meta.width : meta.height };
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

/** Which of the imported formats the buffer starts like (magic numbers), or null. */
export function imageFormat(b: Uint8Array): 'jpeg' | 'png' | 'webp' | 'tiff' | null {
  if (b.length < 12) return null;
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b[0] === 0x89 && ascii(1, 4) === 'PNG') return 'png';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  const tiff = ascii(0, 4);
  return tiff === 'II*\u0000' || tiff === 'MM\u0000*' ? 'tiff' : null;
}

/** JPEG, PNG, WebP or TIFF magic numbers at the start of the buffer. */
export function looksLikeImage(b: Uint8Array): boolean {
  return imageFormat(b) !== null;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] ?? err.message : String(err);
}
