// What the vault makes of one image, in two steps. At import, `decodeForImport` reads only what
// training and the query need: the oriented size and the model-size tensor (uint8 HWC at the
// federation's input shape), a lanczos3 resize of the whole image that JPEG shrink-on-load
// makes cheap. Afterwards, and at once for an image the annotator asks for, `renderMedia`
// decodes the staged source once more to make the display preview (WebP, longest side 1024)
// and the gallery thumbnail (WebP, longest side 192) from the same pixels. Images up to 256 px
// are finished at import in one decode: for them the second step would cost more than it saves.
// Measured (bench/import): the full decode plus the preview's WebP encode is ~70% of the CPU
// an image costs, so doing it after the import is what lets an import reach ~200 images/s.
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

export interface DecodedTensor {
  /** Size after EXIF orientation. */
  width: number;
  height: number;
  tensor: Uint8Array;
}

export interface RenderedMedia {
  preview: Buffer;
  thumbnail: Buffer;
}

export type DecodedImage = DecodedTensor & RenderedMedia;

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

// failOn 'truncated' rejects cut-off files instead of silently showing grey bottoms.
const READ = { failOn: 'truncated', limitInputPixels: MAX_PIXELS, sequentialRead: true } as const;

/**
 * Up to this longest side an image is finished at import: its one decode and one small WebP
 * encode cost less than staging it and decoding it again later (200x150 HAM10000 set, end to
 * end: 124 images/s deferred vs 173 finished at once, bench/import).
 */
export const EAGER_MEDIA_MAX = THUMB_REUSE_MAX;

/**
 * Import step. A small image is finished in one decode (preview, which is also its thumbnail,
 * and tensor); a larger one gets only its size and tensor, its media come later from the
 * staged bytes (renderMedia).
 */
export async function decodeForImport(input: Buffer, shape: Shape): Promise<DecodedTensor | DecodedImage> {
  const format = checkFormat(input);
  return explained(format, async () => {
    const size = await orientedSize(input, READ);
    if (Math.max(size.width, size.height) > EAGER_MEDIA_MAX) return { ...size, tensor: await tensorOf(input, shape) };
    const full = await sharp(input, READ).rotate().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    const raw = { raw: { width: full.info.width, height: full.info.height, channels: full.info.channels } } as const;
    const [h, w, c] = shape;
    const [preview, tensor] = await Promise.all([
      sharp(full.data, raw).webp(WEBP).toBuffer(),
      tensorPipeline(sharp(full.data, raw).resize(w, h, { fit: 'fill', kernel: 'lanczos3' }), c).raw().toBuffer(),
    ]);
    return { ...size, preview, thumbnail: preview, tensor: checkedTensor(tensor, shape) };
  });
}

/** The oriented size and the model-size tensor, nothing for display. */
export async function decodeTensor(input: Buffer, shape: Shape): Promise<DecodedTensor> {
  const format = checkFormat(input);
  return explained(format, async () => {
    const [tensor, size] = await Promise.all([tensorOf(input, shape), orientedSize(input, READ)]);
    return { ...size, tensor };
  });
}

async function tensorOf(input: Buffer, shape: Shape): Promise<Uint8Array> {
  const [h, w, c] = shape;
  // fastShrinkOnLoad off: libvips shrinks on load one step less than it could, which keeps the
  // result within rounding of resizing the fully decoded image (checked in decode.test.ts).
  const resized = sharp(input, READ).rotate().resize(w, h, { fit: 'fill', kernel: 'lanczos3', fastShrinkOnLoad: false });
  return checkedTensor(await tensorPipeline(resized, c).raw().toBuffer(), shape);
}

function checkedTensor(tensor: Buffer, [h, w, c]: Shape): Uint8Array {
  if (tensor.length !== h * w * c) throw new DecodeError('corrupt', `decoded tensor has ${tensor.length} bytes, expected ${h * w * c}`);
  return new Uint8Array(tensor.buffer, tensor.byteOffset, tensor.length);
}

/** Display step: one decode to oriented pixels at preview size, the preview encoded from them, the thumbnail resized from them. */
export async function renderMedia(input: Buffer): Promise<RenderedMedia> {
  const format = checkFormat(input);
  return explained(format, async () => {
    const full = await sharp(input, READ)
      .rotate()
      .resize(PREVIEW_MAX, PREVIEW_MAX, { fit: 'inside', withoutEnlargement: true, fastShrinkOnLoad: true })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const fullRaw = { raw: { width: full.info.width, height: full.info.height, channels: full.info.channels } } as const;
    // An image barely larger than a thumbnail is its own thumbnail: one encode saved.
    const smallEnough = Math.max(full.info.width, full.info.height) <= THUMB_REUSE_MAX;
    const [preview, thumb] = await Promise.all([
      sharp(full.data, fullRaw).webp(WEBP).toBuffer(),
      smallEnough ? null : sharp(full.data, fullRaw).resize(THUMB_MAX, THUMB_MAX, { fit: 'inside', kernel: 'linear' }).webp(WEBP).toBuffer(),
    ]);
    return { preview, thumbnail: thumb ?? preview };
  });
}

/** Both steps at once (tests, tools): what the vault ends up holding for one file. */
export async function decodeImage(input: Buffer, shape: Shape): Promise<DecodedImage> {
  const [t, m] = await Promise.all([decodeTensor(input, shape), renderMedia(input)]);
  return { ...t, ...m };
}

function checkFormat(input: Buffer): NonNullable<ReturnType<typeof imageFormat>> {
  const format = imageFormat(input);
  if (!format) throw new DecodeError('unsupported-format', 'not a JPEG, PNG, WebP or TIFF file');
  return format;
}

/** Turns libvips failures into a DecodeError with its reason. */
async function explained<T>(format: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    const text = message(err);
    // limitInputPixels refuses decompression bombs before decoding them.
    if (/pixel limit/i.test(text)) throw new DecodeError('too-large', `${format} image is over ${MAX_PIXELS} pixels: ${text}`);
    // A file that starts like an image but cannot be decoded is damaged, not foreign.
    throw new DecodeError('corrupt', text);
  }
}

/** Width and height after EXIF orientation, from the header. */
async function orientedSize(input: Buffer, options: SharpOptions): Promise<{ width: number; height: number }> {
  const meta: Metadata = await sharp(input, options).metadata();
  if (!meta.width || !meta.height) throw new DecodeError('corrupt', 'image has no dimensions');
  const swap = (meta.orientation ?? 1) >= 5;
  return { width: swap ? meta.height : meta.width, height: swap ? meta.width : meta.height };
}

// fill = stretch the whole image to the model's grid, as MedMNIST did (no crop, nothing lost).
function tensorPipeline(resized: Sharp, c: number): Sharp {
  const opaque = resized.removeAlpha();
  return c === 1 ? opaque.greyscale().toColourspace('b-w') : opaque.toColourspace('srgb');
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
      : tensorPipeline(sharp(pixels, raw).resize(w, h, { fit: 'fill', kernel: 'lanczos3' }), c).raw().toBuffer(),
  ]);
  return { width, height, preview, thumbnail, tensor: new Uint8Array(tensor.buffer, tensor.byteOffset, tensor.length) };
}

/** An archive image's pixels as a PNG, enlarged with crisp pixels like encodeRaw's preview (media built later). */
export async function rawToPng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3): Promise<Buffer> {
  const scale = Math.max(1, Math.floor(256 / Math.max(width, height)));
  return sharp(pixels, { raw: { width, height, channels } }).resize(width * scale, height * scale, { kernel: 'nearest' }).png().toBuffer();
}

/** The tensor of an archive image (as-is, or resized to the model's grid), without any media. */
export async function rawTensor(pixels: Uint8Array, width: number, height: number, channels: 1 | 3, shape: Shape): Promise<DecodedTensor> {
  const [h, w, c] = shape;
  if (width === w && height === h && channels === c) return { width, height, tensor: pixels.slice() };
  const raw = { raw: { width, height, channels } } as const;
  const t = await tensorPipeline(sharp(pixels, raw).resize(w, h, { fit: 'fill', kernel: 'lanczos3' }), c).raw().toBuffer();
  return { width, height, tensor: new Uint8Array(t.buffer, t.byteOffset, t.length) };
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
