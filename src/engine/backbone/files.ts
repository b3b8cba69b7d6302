/** Reading a backbone's files safely: sizes bounded, paths kept inside its folder, one hash over all. */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { BackboneError } from './types';

/** No backbone we can run on a CPU workstation is larger; a bigger file is a mistake or an attack. */
export const MAX_BACKBONE_BYTES = 512 * 2 ** 20;

export function readBounded(file: string, what: string): Buffer {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new BackboneError(`${what} ${file} does not exist or cannot be read`);
  }
  if (size > MAX_BACKBONE_BYTES) throw new BackboneError(`${what} ${file} is ${(size / 2 ** 20).toFixed(0)} MB, more than the ${MAX_BACKBONE_BYTES / 2 ** 20} MB a backbone may have`);
  return readFileSync(file);
}

/** A weight file named by model.json, resolved inside the model's folder (no '..', no absolute paths). */
export function siblingPath(modelJson: string, name: string): string {
  const dir = path.dirname(path.resolve(modelJson));
  const resolved = path.resolve(dir, name);
  if (path.isAbsolute(name) || !resolved.startsWith(dir + path.sep)) {
    throw new BackboneError(`model.json names the weight file '${name}', outside its own folder`);
  }
  return resolved;
}

export function sha256Of(parts: readonly Uint8Array[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}
