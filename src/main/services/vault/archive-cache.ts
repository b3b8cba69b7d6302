// The last .npz archive read, shared by every vault of the process: importing one archive into
// many vaults (a simulation's clinics) or building media from it reads and inflates it once.
// Keyed by path, size and mtime, so a changed file is read again.
import { statSync } from 'node:fs';
import { readMedMnist } from '../../../engine/data/npz';

let last: { key: string; data: ReturnType<typeof readMedMnist> } | null = null;

export function readArchive(file: string): ReturnType<typeof readMedMnist> {
  const st = statSync(file);
  const key = `${file}:${st.size}:${st.mtimeMs}`;
  if (last?.key !== key) last = { key, data: readMedMnist(file) };
  return last.data;
}
