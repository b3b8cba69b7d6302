/**
 * Augmentation for dermoscopy and fundus photographs (issue 16's recipe): neither has an "up",
 * so flips on both axes and 90-degree rotations keep an image a valid example of its class;
 * small brightness and contrast jitter stands in for lighting and camera differences; a random
 * resized crop (area share in [cropScale, 1], aspect 3/4..4/3, bilinear back to full size)
 * for framing and zoom. All of it is one inverse coordinate map per image, read from the uint8
 * source straight into the float batch.
 */
import type { Rng } from '../../core/rng';

export interface AugmentOptions {
  hflip: boolean;
  vflip: boolean;
  /** Random multiples of 90 degrees (square images only). */
  rot90: boolean;
  /** Brightness and contrast factors drawn from [1 - jitter, 1 + jitter] (0 = none). */
  jitter: number;
  /** Smallest share of the image area a crop keeps (1 = no crops). */
  cropScale: number;
}

/** The paper's weak augmentation: random horizontal flips only. */
export const FLIP_ONLY: AugmentOptions = { hflip: true, vflip: false, rot90: false, jitter: 0, cropScale: 1 };

export function isFlipOnly(a: AugmentOptions): boolean {
  return !a.vflip && !a.rot90 && a.jitter === 0 && a.cropScale >= 1;
}

/**
 * Writes one augmented image (HWC, `c` channels) from `src` at `s` into `out` at `o`, scaled by
 * `inv` and `shift` as the model expects.
 */
export function augmentInto(
  src: Uint8Array, s: number, out: Float32Array, o: number,
  h: number, w: number, c: number, rng: Rng, a: AugmentOptions, inv: number, shift: number,
): void {
  // The crop window in source pixels.
  let ch = h;
  let cw = w;
  let cy = 0;
  let cx = 0;
  if (a.cropScale < 1) {
    const area = a.cropScale + (1 - a.cropScale) * rng.next();
    const ratio = Math.exp(Math.log(3 / 4) + (Math.log(4 / 3) - Math.log(3 / 4)) * rng.next());
    cw = Math.min(w, Math.max(2, Math.round(w * Math.sqrt(area * ratio))));
    ch = Math.min(h, Math.max(2, Math.round(h * Math.sqrt(area / ratio))));
    cy = rng.int(h - ch + 1);
    cx = rng.int(w - cw + 1);
  }
  const flipX = a.hflip && rng.next() < 0.5;
  const flipY = a.vflip && rng.next() < 0.5;
  const turns = a.rot90 && h === w ? rng.int(4) : 0;
  let gain = 1;
  let contrast = 1;
  if (a.jitter > 0) {
    gain = 1 - a.jitter + 2 * a.jitter * rng.next();
    contrast = 1 - a.jitter + 2 * a.jitter * rng.next();
  }
  // Contrast pivots on the image's mean grey level, as torchvision's ColorJitter does.
  let mean = 0;
  if (contrast !== 1) {
    const per = h * w * c;
    for (let i = 0; i < per; i++) mean += src[s + i] as number;
    mean = (mean / per) * gain;
  }
  const sy = ch / h;
  const sx = cw / w;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Output pixel -> rotated/flipped position in the crop's frame -> source coordinates.
      let u = x;
      let v = y;
      for (let t = 0; t < turns; t++) [u, v] = [v, w - 1 - u];
      if (flipX) u = w - 1 - u;
      if (flipY) v = h - 1 - v;
      const fy = Math.min(h - 1, Math.max(0, cy + (v + 0.5) * sy - 0.5));
      const fx = Math.min(w - 1, Math.max(0, cx + (u + 0.5) * sx - 0.5));
      const y0 = Math.floor(fy);
      const x0 = Math.floor(fx);
      const y1 = Math.min(h - 1, y0 + 1);
      const x1 = Math.min(w - 1, x0 + 1);
      const dy = fy - y0;
      const dx = fx - x0;
      const dst = o + (y * w + x) * c;
      for (let k = 0; k < c; k++) {
        const p00 = src[s + (y0 * w + x0) * c + k] as number;
        const p01 = src[s + (y0 * w + x1) * c + k] as number;
        const p10 = src[s + (y1 * w + x0) * c + k] as number;
        const p11 = src[s + (y1 * w + x1) * c + k] as number;
        let val = (p00 * (1 - dx) + p01 * dx) * (1 - dy) + (p10 * (1 - dx) + p11 * dx) * dy;
        val *= gain;
        if (contrast !== 1) val = mean + (val - mean) * contrast;
        out[dst + k] = Math.min(255, Math.max(0, val)) * inv + shift;
      }
    }
  }
}
