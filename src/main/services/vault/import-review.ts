// The checks an import gets once it has finished (issue 17), on the vault's model-size tensors:
//   - modality guard: each new image's colour and frame statistics against the profile of the
//     images the workspace already had (core/modality); unlike ones are held back from the study
//     pool until the clinician keeps or excludes them ('hold', the app) or only listed ('report',
//     the headless client and the simulator, which never hold anything back);
//   - near-duplicates: each new image's perceptual hash against every other image's; reported
//     with the matching image, never merged (different images of one lesion look alike too).
import type { ImportReview } from '../../../shared/api';
import { MODALITY_SIZE, MODALITY_THRESHOLD, modalityDistance, modalityFeatures, modalityProfile } from '../../../core/modality/modality';
import { differenceHash, greyThumbnail, hammingDistance, NEAR_DUPLICATE_BITS, NEAR_DUPLICATE_GREY, thumbnailDistance } from '../../../core/modality/near-duplicate';
import { boxResize } from '../../../core/modality/resize';
import type { Db } from '../storage/node-db';
import type { TensorStore } from './tensor-store';

export type ReviewPolicy = ImportReview['policy'];
type ReviewState = 'held' | 'kept' | 'excluded' | 'reported';

/** Fewer earlier images than this: no profile, nothing is compared (said in the review). */
export const MIN_PROFILE_IMAGES = 10;
/** The profile is built from at most this many earlier images (evenly spaced). */
const MAX_PROFILE_IMAGES = 2000;

interface ReviewRow {
  sample_id: string;
  kind: 'modality' | 'near-duplicate';
  distance: number;
  match_id: string | null;
  state: ReviewState;
}

export class ImportReviewStore {
  constructor(
    private readonly db: Db,
    private readonly tensors: () => TensorStore,
  ) {}

  /** Runs both checks for an import's new samples against every other sample, and stores the findings. */
  review(importId: string, newIds: readonly string[], allIds: readonly string[], policy: ReviewPolicy): void {
    if (newIds.length === 0) return;
    const store = this.tensors();
    const [h, w, c] = store.shape;
    const fresh = new Set(newIds);
    const earlier = allIds.filter((id) => !fresh.has(id));
    const rgb28 = (pixels: Uint8Array) => {
      const small = boxResize(pixels, h, w, c, MODALITY_SIZE, MODALITY_SIZE);
      if (c === 3) return small;
      const out = new Uint8Array(MODALITY_SIZE * MODALITY_SIZE * 3);
      for (let i = 0; i < small.length; i++) out.fill(small[i] as number, i * 3, i * 3 + 3);
      return out;
    };
    const per = h * w * c;
    const newPixels = store.read(newIds);
    const pixelsOf = (buf: Uint8Array, i: number) => buf.subarray(i * per, (i + 1) * per);

    const insert = this.db.prepare('INSERT OR REPLACE INTO import_review (import_id, sample_id, kind, distance, match_id, state) VALUES (?, ?, ?, ?, ?, ?)');
    const rows: unknown[][] = [];
    if (earlier.length >= MIN_PROFILE_IMAGES) {
      const step = Math.max(1, Math.floor(earlier.length / MAX_PROFILE_IMAGES));
      const sample = earlier.filter((_, i) => i % step === 0).slice(0, MAX_PROFILE_IMAGES);
      const buf = store.read(sample);
      const profile = modalityProfile(sample.map((_, i) => modalityFeatures(rgb28(pixelsOf(buf, i)))));
      newIds.forEach((id, i) => {
        const d = modalityDistance(profile, modalityFeatures(rgb28(pixelsOf(newPixels, i))));
        if (d > MODALITY_THRESHOLD) rows.push([importId, id, 'modality', d, null, policy === 'hold' ? 'held' : 'reported']);
      });
    }
    this.db.prepare("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)").run(`review.${importId}`, JSON.stringify({ policy, comparedWith: earlier.length >= MIN_PROFILE_IMAGES ? earlier.length : 0 }));

    // Hashes of everything: earlier images' from the table (made once, at their own import or
    // now for images from before the table existed), the new images' now. Each new image is
    // compared with all others; candidates by hash are confirmed on the grey thumbnails.
    const hashes = new Map<string, [number, number]>();
    const newThumbs = new Map<string, Float32Array>();
    newIds.forEach((id, i) => {
      hashes.set(id, differenceHash(pixelsOf(newPixels, i), h, w, c));
      newThumbs.set(id, greyThumbnail(pixelsOf(newPixels, i), h, w, c));
    });
    const stored = this.db.prepare('SELECT sample_id, hi, lo FROM sample_hashes').all() as { sample_id: string; hi: number; lo: number }[];
    for (const r of stored) if (!fresh.has(r.sample_id)) hashes.set(r.sample_id, [r.hi >>> 0, r.lo >>> 0]);
    const missing = earlier.filter((id) => !hashes.has(id));
    for (let k = 0; k < missing.length; k += 1000) {
      const chunk = missing.slice(k, k + 1000);
      const buf = store.read(chunk);
      chunk.forEach((id, i) => hashes.set(id, differenceHash(pixelsOf(buf, i), h, w, c)));
    }
    const putHash = this.db.prepare('INSERT OR REPLACE INTO sample_hashes (sample_id, hi, lo) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      for (const id of [...newIds, ...missing]) {
        const [hi, lo] = hashes.get(id)!;
        putHash.run(id, hi, lo);
      }
    })();
    const all = [...hashes];
    const thumbOf = (id: string) => newThumbs.get(id) ?? greyThumbnail(store.read([id]), h, w, c);
    for (const id of newIds) {
      const mine = hashes.get(id)!;
      let best: { id: string; bits: number; grey: number } | null = null;
      for (const [other, hash] of all) {
        if (other === id) continue;
        const bits = hammingDistance(mine, hash);
        if (bits > NEAR_DUPLICATE_BITS) continue;
        const grey = thumbnailDistance(newThumbs.get(id)!, thumbOf(other));
        if (grey <= NEAR_DUPLICATE_GREY && (!best || grey < best.grey)) best = { id: other, bits, grey };
      }
      if (best) rows.push([importId, id, 'near-duplicate', best.bits, best.id, 'reported']);
    }
    this.db.transaction(() => {
      for (const r of rows) insert.run(...r);
    })();
  }

  get(importId: string): Omit<ImportReview, 'importId'> {
    const meta = this.db.prepare('SELECT value FROM kv WHERE key = ?').get(`review.${importId}`) as { value: string } | undefined;
    const { policy, comparedWith } = meta ? (JSON.parse(meta.value) as { policy: ReviewPolicy; comparedWith: number }) : { policy: 'report' as const, comparedWith: 0 };
    const rows = this.db.prepare('SELECT sample_id, kind, distance, match_id, state FROM import_review WHERE import_id = ? ORDER BY distance DESC').all(importId) as ReviewRow[];
    return {
      policy,
      modality: {
        comparedWith,
        threshold: MODALITY_THRESHOLD,
        unlike: rows.filter((r) => r.kind === 'modality').map((r) => ({ sampleId: r.sample_id as never, distance: r.distance, state: r.state })),
      },
      nearDuplicates: rows
        .filter((r) => r.kind === 'near-duplicate' && r.match_id)
        .sort((a, b) => a.distance - b.distance)
        .map((r) => ({ sampleId: r.sample_id as never, matchId: r.match_id as never, distance: r.distance })),
    };
  }

  /** Samples the modality guard holds back (out of the pool until decided). */
  heldIds(): Set<string> {
    const rows = this.db.prepare("SELECT sample_id FROM import_review WHERE kind = 'modality' AND state = 'held'").all() as { sample_id: string }[];
    return new Set(rows.map((r) => r.sample_id));
  }

  /** The clinician's call on held images: kept (into the pool) or excluded (the renderer records the exclusion). */
  resolve(sampleIds: readonly string[], keep: boolean): number {
    const stmt = this.db.prepare("UPDATE import_review SET state = ? WHERE kind = 'modality' AND state = 'held' AND sample_id = ?");
    let n = 0;
    this.db.transaction(() => {
      for (const id of sampleIds) n += stmt.run(keep ? 'kept' : 'excluded', id).changes;
    })();
    return n;
  }
}
