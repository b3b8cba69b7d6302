// The modality guard's signal (issue 17): does an image look like the workspace's images?
// Colour statistics of a small RGB thumbnail, compared with the workspace's own images:
//   - the dark share of the border ring (fundus photographs sit in a black frame; skin fills
//     a dermoscopy image to its edges),
//   - the centre's mean red, green and blue, its brightness spread and its saturation.
// A profile is the mean and spread of these over the workspace's images; an image's distance is
// the root mean square of its z-scores against that profile. Above MODALITY_THRESHOLD the image
// is held back for confirmation. Pure and small on purpose: it is explained to the clinician in
// one sentence ("its colours and frame are unlike your other images"), and tested on real data.

/** Thumbnail edge the features are computed at (callers resize to it: the vault's 28 px tensors fit). */
export const MODALITY_SIZE = 28;

/** RMS z-score above which an image is held back (set on ../shared/datasets/images; see the test). */
export const MODALITY_THRESHOLD = 3;

export const MODALITY_FEATURES = ['border dark share', 'centre red', 'centre green', 'centre blue', 'centre brightness spread', 'centre saturation'] as const;

export interface ModalityProfile {
  mean: number[];
  spread: number[];
  count: number;
}

/** The features of one RGB image (HWC, uint8, `size` x `size`). */
export function modalityFeatures(rgb: Uint8Array, size = MODALITY_SIZE): number[] {
  if (rgb.length !== size * size * 3) throw new Error(`expected a ${size}x${size} RGB image (${size * size * 3} bytes), got ${rgb.length}`);
  const c = (size - 1) / 2;
  let ringDark = 0;
  let ringN = 0;
  let r = 0;
  let g = 0;
  let b = 0;
  let sat = 0;
  const lum: number[] = [];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 3;
      const R = rgb[i] as number;
      const G = rgb[i + 1] as number;
      const B = rgb[i + 2] as number;
      const l = 0.299 * R + 0.587 * G + 0.114 * B;
      const d = Math.hypot(x - c, y - c) / (size / 2);
      if (d > 0.9) {
        ringN++;
        if (l < 40) ringDark++;
      } else if (d < 0.5) {
        r += R;
        g += G;
        b += B;
        const mx = Math.max(R, G, B);
        sat += mx === 0 ? 0 : (mx - Math.min(R, G, B)) / mx;
        lum.push(l);
      }
    }
  }
  const n = Math.max(1, lum.length);
  const lm = lum.reduce((a, v) => a + v, 0) / n;
  const ls = Math.sqrt(lum.reduce((a, v) => a + (v - lm) ** 2, 0) / n);
  return [ringDark / Math.max(1, ringN), r / n / 255, g / n / 255, b / n / 255, ls / 255, sat / n];
}

/** The workspace's profile from its images' features (at least 2 images). */
export function modalityProfile(features: readonly (readonly number[])[]): ModalityProfile {
  if (features.length < 2) throw new Error('a modality profile needs at least 2 images');
  const k = MODALITY_FEATURES.length;
  const mean = Array.from({ length: k }, (_, j) => features.reduce((a, f) => a + (f[j] as number), 0) / features.length);
  // A floor on the spread: a workspace of near-identical images must not flag every new one.
  const spread = Array.from({ length: k }, (_, j) => Math.max(0.03, Math.sqrt(features.reduce((a, f) => a + ((f[j] as number) - (mean[j] as number)) ** 2, 0) / (features.length - 1))));
  return { mean, spread, count: features.length };
}

/** Root mean square z-score of an image's features against the profile. */
export function modalityDistance(profile: ModalityProfile, features: readonly number[]): number {
  let s = 0;
  for (let j = 0; j < profile.mean.length; j++) s += (((features[j] as number) - (profile.mean[j] as number)) / (profile.spread[j] as number)) ** 2;
  return Math.sqrt(s / profile.mean.length);
}

export function unlikeWorkspace(profile: ModalityProfile, features: readonly number[], threshold = MODALITY_THRESHOLD): boolean {
  return modalityDistance(profile, features) > threshold;
}
