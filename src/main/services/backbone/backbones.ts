// The pretrained backbones installed in this data folder (issue 16) and their cached features.
// Installing copies the file(s) into backbones/<sha256>/ (so the workspace never depends on a
// path it does not own), after the engine has loaded and checked them in its worker thread.
// Features are computed in the engine's worker, once per image, and read from the cache after.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { siblingPath } from '../../../engine/backbone/files';
import { BackboneError, type BackboneInfo } from '../../../engine/backbone/types';
import type { ImageSet } from '../../../engine/dataset';
import type { Trainer } from '../../../engine/trainer';
import type { BackboneSpec } from '../../../shared/wire';
import type { Db } from '../storage/node-db';
import { FeatureStore } from './feature-store';

const MODEL_FILES = ['model.json', 'backbone.onnx'];

/** Features are computed in chunks, each stored before the next starts (an interruption loses one chunk). */
const CHUNK = 512;

export function specOf(info: BackboneInfo): BackboneSpec {
  return { sha256: info.sha256, format: info.format, featureDim: info.featureDim, inputShape: [info.inputShape[0], info.inputShape[1], info.inputShape[2] as 1 | 3], inputScaling: info.inputScaling, description: info.description };
}

export class Backbones {
  private readonly stores = new Map<string, FeatureStore>();

  constructor(
    private readonly db: Db,
    private readonly dir: string,
    private readonly engine: Trainer,
  ) {}

  /** The installed model file of this backbone, or null. */
  file(sha256: string): string | null {
    if (!/^[0-9a-f]{64}$/.test(sha256)) return null;
    for (const name of MODEL_FILES) {
      const f = path.join(this.dir, sha256, name);
      if (existsSync(f)) return f;
    }
    return null;
  }

  /** Copies a model.json (+ its weight files) or an .onnx file in, checks it, and returns its spec. */
  async install(source: string, expectedSha256?: string): Promise<BackboneSpec> {
    const src = path.resolve(source);
    if (!existsSync(src)) throw new BackboneError(`no file at ${src}`);
    const isOnnx = src.toLowerCase().endsWith('.onnx');
    if (!isOnnx && !src.toLowerCase().endsWith('.json')) throw new BackboneError(`a backbone is a TensorFlow.js model.json or an .onnx file, not ${path.basename(src)}`);
    mkdirSync(this.dir, { recursive: true });
    const staging = path.join(this.dir, `.staging-${process.pid}-${Date.now()}`);
    mkdirSync(staging);
    try {
      let entry: string;
      if (isOnnx) {
        entry = path.join(staging, 'backbone.onnx');
        copyFileSync(src, entry);
      } else {
        entry = path.join(staging, 'model.json');
        copyFileSync(src, entry);
        const json = JSON.parse(readFileSync(src, 'utf8')) as { weightsManifest?: { paths?: string[] }[] };
        for (const group of json.weightsManifest ?? []) {
          for (const p of group.paths ?? []) {
            const from = siblingPath(src, p);
            const to = siblingPath(entry, p);
            mkdirSync(path.dirname(to), { recursive: true });
            copyFileSync(from, to);
          }
        }
      }
      const info = await this.engine.backboneInfo(entry);
      if (expectedSha256 && info.sha256 !== expectedSha256) {
        throw new BackboneError(`this file is backbone ${info.sha256.slice(0, 12)}…, but the federation trains on ${expectedSha256.slice(0, 12)}…: install the federation's file`);
      }
      const final = path.join(this.dir, info.sha256);
      if (!existsSync(final)) renameSync(staging, final);
      return specOf(info);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  /**
   * Makes sure every image of `ids` has this backbone's features, computing the missing ones from
   * `pixels` (the same order as ids) in the engine's worker; other backbones' features are dropped.
   */
  async ensureFeatures(spec: BackboneSpec, ids: readonly string[], pixels: () => ImageSet, onProgress?: (done: number, total: number) => void, isCancelled?: () => boolean): Promise<void> {
    const file = this.file(spec.sha256);
    if (!file) throw new BackboneError(`the backbone ${spec.sha256.slice(0, 12)}… is not installed here`);
    this.dropOthers(spec.sha256);
    const store = this.store(spec);
    const missing = new Set(store.missing(ids));
    if (missing.size === 0) return;
    const data = pixels();
    const todo = Int32Array.from(ids.flatMap((id, i) => (missing.has(id) ? [i] : [])));
    for (let start = 0; start < todo.length; start += CHUNK) {
      const part = todo.subarray(start, Math.min(todo.length, start + CHUNK));
      const f = await this.engine.extractFeatures(file, data, part, (x) => onProgress?.(start + Math.round(x * part.length), todo.length), isCancelled);
      store.put(Array.from(part, (i) => ids[i] as string), f);
      onProgress?.(start + part.length, todo.length);
    }
  }

  /** How many of these images have no features of this backbone yet. */
  missingCount(spec: BackboneSpec, ids: readonly string[]): number {
    return this.store(spec).missing(ids).length;
  }

  /** Cached features [ids.length x featureDim] (ensureFeatures first). */
  read(spec: BackboneSpec, ids: readonly string[]): Float32Array {
    return this.store(spec).read(ids);
  }

  private store(spec: BackboneSpec): FeatureStore {
    let s = this.stores.get(spec.sha256);
    if (!s) {
      s = new FeatureStore(this.db, path.join(this.dir, spec.sha256), spec.sha256, spec.featureDim);
      this.stores.set(spec.sha256, s);
    }
    return s;
  }

  /** A changed backbone invalidates every feature of the previous one: rows and files go. */
  private dropOthers(keep: string): void {
    this.db.prepare('DELETE FROM features WHERE backbone != ?').run(keep);
    for (const [sha, s] of this.stores) {
      if (sha === keep) continue;
      s.close();
      this.stores.delete(sha);
    }
    if (!existsSync(this.dir)) return;
    for (const name of readdirSync(this.dir)) {
      if (name !== keep && /^[0-9a-f]{64}$/.test(name)) rmSync(path.join(this.dir, name, 'features.f32'), { force: true });
    }
  }

  close(): void {
    for (const s of this.stores.values()) s.close();
    this.stores.clear();
  }
}
